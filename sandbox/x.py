"""X API v2 stand-in: posts, media upload, OAuth 2.0 user tokens with rotating refresh tokens.

Follows docs/channels/x-api-v2.md (table of rules: docs/channels/sandbox-x.md). State lives in
memory: it stands in for the outside world.
"""

from __future__ import annotations

import base64
import html
import time
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.datastructures import UploadFile

from sandbox import x_posts as posts
from sandbox.faults import install_routes
from sandbox.x_world import World, XError, invalid, problem

Handler = Callable[[str | None], Awaitable[Any]]


def _fault_error(status: int, retry_after: int | None, detail: str | None) -> XError:
    if status == 429:
        reset = str(int(time.time() + (retry_after or 900)))
        return XError(429, {"title": "Too Many Requests", "detail": "Too Many Requests",
                            "type": "about:blank", "status": 429},
                      {"x-rate-limit-limit": "100", "x-rate-limit-remaining": "0",
                       "x-rate-limit-reset": reset})
    titles = {401: "Unauthorized", 403: "Forbidden", 400: "Invalid Request",
              503: "Service Unavailable", 500: "Internal Server Error"}
    title = titles.get(status, "Error")
    return problem(status, title, detail or title)


def create_app() -> FastAPI:
    world = World()
    app = FastAPI(title="X API v2 sandbox")

    async def answer(key: str, request: Request, handler: Handler, *,
                     user_required: bool = True, status: int = 200) -> JSONResponse:
        """One API call: record, injected fault, auth, rate limit, work, optional hold."""
        record: dict[str, Any] = {"route": key, "at": world.now()}
        world.calls.append(record)
        headers: dict[str, str] = {}
        try:
            fault = world.controls.take_fault(key)
            if fault is not None:
                raise _fault_error(fault.status, fault.retry_after, fault.description)
            who = world.caller(request.headers.get("authorization"),
                               user_required=user_required)
            headers = world.count_call(key, who or "app")
            await world.controls.hold_here(key, "before", world.now())
            body = await handler(who)
        except XError as exc:
            record["status"] = exc.status
            return JSONResponse(exc.body, status_code=exc.status, headers=exc.headers)
        await world.controls.hold_here(key, "after", world.now())
        record["status"] = status
        return JSONResponse(body, status_code=status, headers=headers)

    @app.post("/2/oauth2/token")
    async def token(request: Request) -> JSONResponse:
        world.calls.append({"route": "post /2/oauth2/token", "at": world.now()})
        fault = world.controls.take_fault("post /2/oauth2/token")
        if fault is not None:
            error = _fault_error(fault.status, fault.retry_after, fault.description)
            return JSONResponse(error.body, status_code=error.status, headers=error.headers)
        form = await request.form()
        return _refresh(world, {k: str(v) for k, v in form.items()},
                        request.headers.get("authorization"))

    @app.get("/2/users/me")
    async def me(request: Request) -> JSONResponse:
        async def work(who: str | None) -> Any:
            return {"data": world.users[str(who)]}
        return await answer("get /2/users/me", request, work)

    @app.get("/2/users/{user_id}/tweets")
    async def user_tweets(user_id: str, request: Request) -> JSONResponse:
        async def work(who: str | None) -> Any:
            if user_id not in world.users:
                raise problem(404, "Not Found Error", f"Could not find user with id: "
                              f"[{user_id}].", "https://api.twitter.com/2/problems/"
                              "resource-not-found")
            return posts.timeline(world, user_id, dict(request.query_params))
        return await answer("get /2/users/tweets", request, work, user_required=False)

    @app.post("/2/media/upload")
    async def upload(request: Request) -> JSONResponse:
        async def work(who: str | None) -> Any:
            form = await request.form()
            media = form.get("media")
            if not isinstance(media, UploadFile):
                raise invalid("The `media` field is required (multipart file).")
            return posts.upload(world, str(who), await media.read(),
                                str(form.get("media_category") or ""))
        return await answer("post /2/media/upload", request, work)

    @app.post("/2/media/metadata")
    async def metadata(request: Request) -> JSONResponse:
        async def work(who: str | None) -> Any:
            return posts.set_alt_text(world, str(who), await _json(request))
        return await answer("post /2/media/metadata", request, work)

    @app.post("/2/tweets")
    async def create(request: Request) -> JSONResponse:
        async def work(who: str | None) -> Any:
            return posts.create(world, str(who), await _json(request))
        return await answer("post /2/tweets", request, work, status=201)

    @app.delete("/2/tweets/{tweet_id}")
    async def delete(tweet_id: str, request: Request) -> JSONResponse:
        async def work(who: str | None) -> Any:
            return posts.delete(world, str(who), tweet_id)
        return await answer("delete /2/tweets", request, work)

    @app.get("/{username}/status/{tweet_id}", response_class=HTMLResponse)
    async def public_page(username: str, tweet_id: str) -> HTMLResponse:
        tweet = world.tweets.get(tweet_id)
        author = world.users.get(str(tweet["author_id"])) if tweet else None
        if tweet is None or tweet["deleted"] or author is None or author["username"] != username:
            return HTMLResponse("<p>This post is unavailable.</p>", status_code=404)
        return HTMLResponse(f"<article><p>{html.escape(tweet['original_text'])}</p>"
                            f"<p>photos: {len(tweet['media_ids'])}</p></article>")

    _control_routes(app, world)
    install_routes(app, world.controls, world.now)
    return app


async def _json(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise invalid("Request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise invalid("Request body must be a JSON object.")
    return body


def _refresh(world: World, form: dict[str, str], authorization: str | None) -> JSONResponse:
    """grant_type=refresh_token: a new access token and a new refresh token; the old one dies."""
    client_id = form.get("client_id", "")
    scheme, _, encoded = (authorization or "").partition(" ")
    if scheme.lower() == "basic":
        client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
        client = world.clients.get(client_id)
        if client is None or client["secret"] != secret:
            return JSONResponse({"error": "unauthorized_client",
                                 "error_description": "Missing valid authorization header"},
                                status_code=401)
    if form.get("grant_type") != "refresh_token":
        return JSONResponse({"error": "unsupported_grant_type",
                             "error_description": "Unsupported grant type"}, status_code=400)
    entry = world.refresh.get(form.get("refresh_token", ""))
    if (entry is None or entry["used"] or entry["revoked"]
            or entry["client_id"] != client_id):
        return JSONResponse({"error": "invalid_request",
                             "error_description": "Value passed for the token was invalid."},
                            status_code=400)
    entry["used"] = True
    return JSONResponse(world.issue(entry["user_id"], client_id))


def _control_routes(app: FastAPI, world: World) -> None:
    @app.get("/_sandbox/state")
    async def state() -> dict[str, Any]:
        return world.snapshot()

    @app.post("/_sandbox/accounts")
    async def accounts(body: dict[str, Any]) -> dict[str, Any]:
        """{"username"?, "client_id"?, "client_secret"?, "access_token"?, "refresh_token"?}:
        an X account with an OAuth 2.0 client, as after the consent flow: user id, client
        id/secret, a 2-hour access token and a refresh token."""
        return world.account(body)

    @app.post("/_sandbox/app_token")
    async def app_token() -> dict[str, str]:
        """An app-only bearer token: reads public data, cannot post."""
        return {"access_token": world.app_token()}

    @app.post("/_sandbox/tokens")
    async def tokens(body: dict[str, Any]) -> dict[str, Any]:
        """{"token", "revoked": true|false}: an access or refresh token revoked or restored."""
        token = str(body["token"])
        entry = world.access.get(token) or world.refresh.get(token)
        if entry is None:
            return {"found": False}
        entry["revoked"] = bool(body.get("revoked", True))
        return {"found": True, "revoked": entry["revoked"]}

    @app.post("/_sandbox/clock")
    async def clock(body: dict[str, Any]) -> dict[str, float]:
        """{"advance_seconds": 7300}: access tokens expire by this clock."""
        world.clock_offset += float(body.get("advance_seconds", 0))
        return {"now": world.now()}

    @app.post("/_sandbox/limits")
    async def limits(body: dict[str, int]) -> dict[str, int]:
        """{"post /2/tweets": 10000}: per-user 15-minute limits (benchmarks raise them)."""
        world.limits.update({k.lower(): int(v) for k, v in body.items()})
        return world.limits
