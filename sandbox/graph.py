"""Contract server for Meta's Graph API: a Facebook Page and its Instagram professional account.

Versioned paths (`/v24.0/...`, any `vN.N`), the access token as `access_token` or a Bearer
header, Graph's error bodies, the usage headers. Control routes are in `sandbox.graph_control`;
the rules and the vendor pages they follow are listed in docs/channels/sandbox-graph.md.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse
from starlette.datastructures import UploadFile

from sandbox import graph_instagram, graph_pages, graph_tokens
from sandbox.graph_control import control_router
from sandbox.graph_pages import Call
from sandbox.graph_state import Account, GraphError, GraphState, missing_node

VERSION = re.compile(r"^v\d+\.\d+$")
# The account `warta stack up --sandbox` configures (the tests make their own).
DEFAULT_PAGE_ID, DEFAULT_PAGE_TOKEN = "104000000000001", "sandbox-facebook-page-token"
DEFAULT_IG_USER_ID, DEFAULT_IG_TOKEN = "17841400000000001", "sandbox-instagram-token"


async def _params(request: Request) -> tuple[dict[str, Any], dict[str, bytes]]:
    params: dict[str, Any] = dict(request.query_params)
    files: dict[str, bytes] = {}
    kind = request.headers.get("content-type", "")
    if kind.startswith("application/json"):
        body = await request.json()
        if isinstance(body, dict):
            params.update(body)
    elif kind.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        for key, value in (await request.form()).multi_items():
            if isinstance(value, UploadFile):
                files[key] = await value.read()
            else:
                params[key] = value
    return params, files


def _authenticate(state: GraphState, request: Request, params: dict[str, Any]
                  ) -> tuple[str, Account]:
    token = str(params.pop("access_token", "") or "")
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if not token and scheme.lower() in ("bearer", "oauth"):
        token = value.strip()
    params["_token"] = token  # a User token deriving a Page token: its lifetime decides
    return graph_tokens.check_token(state, token)


def _usage_headers(kind: str, account: Account) -> dict[str, str]:
    usage = dict(account.app_usage)
    owner, buc_type = ((account.page_id, "pages") if kind in ("page", "user")
                       else (account.ig_user_id, "instagram"))
    buc = {owner: [{"type": buc_type, **usage,
                    "estimated_time_to_regain_access": account.regain_minutes}]}
    return {"X-App-Usage": json.dumps(usage), "X-Business-Use-Case-Usage": json.dumps(buc)}


async def _dispatch(state: GraphState, kind: str, account: Account, call: Call
                    ) -> dict[str, Any]:
    if call.node == "me" and call.edge is None and call.method == "GET":
        me = ({"id": account.page_id, "name": account.page_name} if kind == "page" else
              {"id": account.user_id, "name": f"Admin {account.page_name}"} if kind == "user"
              else {"id": account.ig_user_id, "username": account.ig_username})
        return graph_pages.project(me, call, list(me))
    if kind == "user":
        return graph_tokens.as_user(state, account, call)
    if kind == "page":
        return await graph_pages.handle(state, account, call)
    return await graph_instagram.handle(state, account, call)


def create_app() -> FastAPI:
    state = GraphState()
    state.add_account(page_id=DEFAULT_PAGE_ID, page_token=DEFAULT_PAGE_TOKEN,
                      ig_user_id=DEFAULT_IG_USER_ID, ig_token=DEFAULT_IG_TOKEN)
    app = FastAPI(title="Graph API sandbox")
    app.include_router(control_router(state))

    @app.get("/_web/facebook/{post_id}", response_class=HTMLResponse)
    async def facebook_page(post_id: str) -> HTMLResponse:
        post = state.nodes.get(post_id)
        if post is None or post["_kind"] != "post" or post["_deleted"]:
            return HTMLResponse("<h1>Konten tidak tersedia</h1>", status_code=404)
        images = "".join(f'<img src="/_web/image/{m["media_fbid"]}/0">'
                         for m in post["attachments"]["data"])
        return HTMLResponse(f"<article><p>{html.escape(post['message'])}</p>{images}</article>")

    @app.get("/_web/instagram/p/{code}/", response_class=HTMLResponse)
    async def instagram_page(code: str, request: Request) -> HTMLResponse:
        media = next((n for n in state.nodes.values() if n["_kind"] == "media"
                      and n["permalink"].endswith(f"/p/{code}/")), None)
        if media is None:
            return HTMLResponse("<h1>Konten tidak tersedia</h1>", status_code=404)
        images = "".join(f'<img src="/_web/image/{media["id"]}/{i}" alt="{html.escape(alt)}">'
                         for i, alt in enumerate(media["_alt"]))
        return HTMLResponse(f"<article>{images}<p>{html.escape(media['caption'])}</p></article>")

    @app.get("/_web/image/{node_id}/{index}")
    async def image(node_id: str, index: int) -> Response:
        node = state.nodes.get(node_id) or {}
        images = node.get("_images") or ([node["_bytes"]] if "_bytes" in node else [])
        if not 0 <= index < len(images):
            return Response(status_code=404)
        return Response(images[index], media_type="image/jpeg")

    @app.get("/refresh_access_token")
    async def refresh_access_token(request: Request) -> Response:
        return await _token_call(state, request, "/refresh_access_token",
                                 graph_tokens.refresh_instagram)

    @app.api_route("/{version}/{node}", methods=["GET", "POST", "DELETE"])
    async def node_call(version: str, node: str, request: Request) -> Response:
        return await _graph(state, request, version, node, None)

    @app.api_route("/{version}/{node}/{edge}", methods=["GET", "POST"])
    async def edge_call(version: str, node: str, edge: str, request: Request) -> Response:
        return await _graph(state, request, version, node, edge)

    return app


async def _graph(state: GraphState, request: Request, version: str, node: str,
                 edge: str | None) -> Response:
    path = f"/{node}" + (f"/{edge}" if edge else "")
    if request.method == "GET" and "/oauth/access_token" in (path, f"/{version}{path}"):
        return await _token_call(state, request, "/oauth/access_token", graph_tokens.exchange)
    method = request.method
    state.calls.append({"method": method, "path": path})
    try:
        if not VERSION.match(version):
            raise missing_node(method, version)
        fault = state.take_fault(method, path)
        if fault is not None and not fault.apply:
            raise fault.error
        params, files = await _params(request)
        kind, account = _authenticate(state, request, params)
        params["_version"] = version
        base = str(request.base_url).rstrip("/")
        body = await _dispatch(state, kind, account,
                               Call(method, node, edge, params, base, files))
        if fault is not None:
            raise fault.error  # it happened, but the caller is told it failed
    except GraphError as exc:
        return exc.response()
    hold = state.take_hold(method, path)
    if hold is not None:  # done, and the answer waits: the caller can be killed meanwhile
        await hold.released.wait()
    return Response(json.dumps(body), media_type="application/json",
                    headers=_usage_headers(kind, account))


async def _token_call(state: GraphState, request: Request, path: str,
                      handle: Callable[[GraphState, dict[str, Any]], dict[str, Any]]
                      ) -> Response:
    """The token endpoints: secrets in the query, no Bearer header; faults apply as elsewhere."""
    state.calls.append({"method": "GET", "path": path})
    try:
        fault = state.take_fault("GET", path)
        if fault is not None:
            raise fault.error
        body = handle(state, dict(request.query_params))
    except GraphError as exc:
        return exc.response()
    return Response(json.dumps(body), media_type="application/json")
