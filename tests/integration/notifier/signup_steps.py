"""Steps the sign-up tests share: answering the challenge, signing up, reading the emailed link."""

from __future__ import annotations

import re
from email.message import EmailMessage
from typing import Any

import httpx

NUMBERS = ("nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan",
           "sembilan", "sepuluh")


async def solved_challenge(client: httpx.AsyncClient) -> dict[str, str]:
    """Answers the Indonesian arithmetic question as a person would."""
    response = await client.get("/v1/signup/challenge")
    assert response.status_code == 200, response.text
    body = response.json()
    found = re.match(r"Berapa (\w+) ditambah (\w+)\?", body["question"])
    assert found, body["question"]
    answer = NUMBERS.index(found[1]) + NUMBERS.index(found[2])
    return {"challenge_token": body["token"], "challenge_answer": str(answer)}


async def sign_up(client: httpx.AsyncClient, email: str, *, whatsapp: str | None = None,
                  headers: dict[str, str] | None = None, **extra: Any) -> httpx.Response:
    consents = ["email", "whatsapp"] if whatsapp else ["email"]
    body = {"name": "Rina Lestari", "outlet": "Harian Makassar", "email": email,
            "consents": consents, **(await solved_challenge(client)), **extra}
    if whatsapp:
        body["whatsapp"] = whatsapp
    return await client.post("/v1/signup", json=body, headers=headers or {})


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    content: str = part.get_content()  # type: ignore[attr-defined]
    return content


def confirmation_path(message: EmailMessage) -> str:
    found = re.search(r"https?://[^/\s]+(/v1/signup/confirm/[A-Za-z0-9_.\-]+)", text_of(message))
    assert found, text_of(message)
    return found[1]
