"""A small real network for the publish queue's tests, and its adapter on the channel port.

The network (`board_app`, served on a loopback port over real HTTP) keeps posts, answers faults
queued through `/_faults` (429 with Retry-After, 5xx, 4xx, 401) and accepts only the tokens set
through `/_tokens`. The adapter (`Credentials`, `build`) is a channel module like the real ones:
the tests register it as a channel in `services.publisher.channels.MODULES`.
"""

from __future__ import annotations

import itertools
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, SecretStr

from services.publisher.adapters.port import (
    AdapterContext,
    Capabilities,
    ChannelAuthFailed,
    ChannelRefused,
    ChannelUnavailable,
    Posted,
)
from shared.events.articles import ArticleApprovedV1, ArticleCorrectedV1


def board_app() -> FastAPI:
    app = FastAPI()
    state: dict[str, Any] = {"posts": [], "faults": [], "tokens": {"good-token"}}
    ids = itertools.count(1)

    def authorized(request: Request) -> bool:
        return request.headers.get("authorization", "").removeprefix("Bearer ") in state["tokens"]

    @app.get("/me")
    async def me(request: Request) -> JSONResponse:
        if not authorized(request):
            return JSONResponse({"error": "token revoked"}, status_code=401)
        return JSONResponse({"name": "Papan Humas"})

    @app.post("/posts")
    async def create(request: Request) -> JSONResponse:
        if not authorized(request):
            return JSONResponse({"error": "token revoked"}, status_code=401)
        if state["faults"]:
            fault = state["faults"].pop(0)
            headers = {"Retry-After": str(fault["retry_after"])} if "retry_after" in fault else {}
            return JSONResponse({"error": fault.get("error", "fault")},
                                status_code=fault["status"], headers=headers)
        body = await request.json()
        post = {"id": str(next(ids)), "article_id": body["article_id"], "text": body["text"]}
        state["posts"].append(post)
        return JSONResponse(post, status_code=201)

    @app.get("/posts")
    async def search(article_id: str) -> list[dict[str, Any]]:
        return [p for p in state["posts"] if p["article_id"] == article_id]

    @app.post("/_faults")
    async def faults(request: Request) -> dict[str, int]:
        state["faults"].extend(await request.json())
        return {"queued": len(state["faults"])}

    @app.post("/_tokens")
    async def tokens(request: Request) -> dict[str, bool]:
        state["tokens"] = set(await request.json())
        return {"ok": True}

    @app.get("/_state")
    async def current() -> dict[str, Any]:
        return {"posts": state["posts"], "faults": len(state["faults"])}

    return app


class Credentials(BaseModel):
    token: SecretStr
    board: str = Field(min_length=1, description="the board's name")
    api_base_url: str = "http://127.0.0.1:9"


class BoardChannel:
    name = "board"
    capabilities = Capabilities(can_edit=False, can_delete=True,
                                manual_hint="Papan tidak bisa diedit; ubah secara manual.")

    def __init__(self, credentials: Credentials, http: httpx.AsyncClient,
                 context: AdapterContext) -> None:
        self.base = credentials.api_base_url.rstrip("/")
        self.auth = {"Authorization": f"Bearer {credentials.token.get_secret_value()}"}
        self.http, self.context = http, context

    async def _call(self, method: str, path: str, **options: Any) -> Any:
        try:
            response = await self.http.request(method, f"{self.base}{path}", headers=self.auth,
                                               **options)
        except httpx.TransportError as exc:
            raise ChannelUnavailable(f"board unreachable: {type(exc).__name__}") from exc
        message = response.json().get("error", "") if response.status_code >= 400 else ""
        if response.status_code == 401:
            raise ChannelAuthFailed(message, code="401")
        if response.status_code == 429 or response.status_code >= 500:
            after = response.headers.get("Retry-After")
            raise ChannelUnavailable(message, code=str(response.status_code),
                                     retry_after=float(after) if after else None)
        if response.status_code >= 400:
            raise ChannelRefused(message, code=str(response.status_code))
        return response.json()

    async def check(self) -> str:
        return str((await self._call("GET", "/me"))["name"])

    async def find_existing(self, article: ArticleApprovedV1) -> Posted | None:
        found = await self._call("GET", "/posts", params={"article_id": article.article_id})
        return self._posted(found[0]) if found else None

    async def publish(self, article: ArticleApprovedV1) -> Posted:
        text = f"{article.headline} {self.context.article_link(article.article_id)}"
        return self._posted(await self._call("POST", "/posts", json={
            "article_id": article.article_id, "text": text}))

    async def correct(self, article: ArticleCorrectedV1, posted: Posted) -> Posted:
        return posted

    async def withdraw(self, posted: Posted) -> None:
        return None

    def _posted(self, post: dict[str, Any]) -> Posted:
        return Posted(external_id=post["id"], url=f"{self.base}/posts/{post['id']}")


def build(credentials: Credentials, http: httpx.AsyncClient, context: AdapterContext
          ) -> BoardChannel:
    return BoardChannel(credentials, http, context)
