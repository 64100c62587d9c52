"""Files from the APIs (reports as CSV and PDF) passed on to the browser with the session's
token: the API's Content-Type and Content-Disposition kept, nothing else of its headers."""

from __future__ import annotations

import httpx
from fastapi import Response

from services.console.desk import Desk
from services.console.domain import ApiRefusal, Session
from services.console.gateway import UNREACHABLE, refusal_of

PASSED_ON = ("content-type", "content-disposition")


async def passed_on(desk: Desk, session: Session, path: str,
                    params: dict[str, str] | None = None) -> Response:
    token = await desk.sign_in.token(session)
    gateway = desk.gateway
    try:
        answer = await gateway.http.get(gateway.base + path, params=params,
                                        headers={"Authorization": f"Bearer {token}"})
    except httpx.HTTPError as exc:
        raise ApiRefusal(503, "unreachable", UNREACHABLE) from exc
    if answer.status_code >= 400:
        raise refusal_of(answer)
    return Response(answer.content, status_code=200,
                    headers={k: answer.headers[k] for k in PASSED_ON if k in answer.headers})
