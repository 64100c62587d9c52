"""Graph sandbox, Facebook Page part: unpublished photos, /feed with attached_media, edits."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from typing import Any

import httpx
from PIL import Image, UnidentifiedImageError

from sandbox.graph_state import Account, GraphError, GraphState, invalid_param, missing_node

MAX_MESSAGE = 63_206  # Facebook's post text limit


@dataclass
class Call:
    """One Graph request, parsed: params from query, form or JSON body; uploaded files."""

    method: str
    node: str
    edge: str | None
    params: dict[str, Any]
    base: str                      # the sandbox's own URL, for permalinks
    files: dict[str, bytes] = field(default_factory=dict)

    @property
    def fields(self) -> list[str]:
        return [f for f in str(self.params.get("fields", "")).split(",") if f]


def project(record: dict[str, Any], call: Call, default: list[str]) -> dict[str, Any]:
    wanted = call.fields or default
    return {k: record[k] for k in ["id", *wanted] if k in record}


def listing(state: GraphState, items: list[dict[str, Any]], call: Call, url: str,
            default: list[str]) -> dict[str, Any]:
    """Newest first, `since` (unix), `limit` (max 100), cursor paging like Graph's."""
    since = float(call.params.get("since", 0) or 0)
    items = sorted((i for i in items if i["_at"] >= since), key=lambda i: -i["_at"])
    limit = min(int(call.params.get("limit", 25) or 25), 100)
    start = int(call.params.get("after", 0) or 0)
    page = items[start:start + limit]
    body: dict[str, Any] = {"data": [project(i, call, default) for i in page]}
    if page:
        body["paging"] = {"cursors": {"before": str(start), "after": str(start + len(page))}}
        if start + len(page) < len(items):
            query = {k: v for k, v in call.params.items()
                     if k != "access_token" and not k.startswith("_")}
            body["paging"]["next"] = str(httpx.URL(url, params={**query,
                                                                "after": start + len(page)}))
    return body


async def image_bytes(call: Call, url_param: str) -> bytes:
    """The image of an upload: multipart `source`, or fetched from a URL as Meta does."""
    if "source" in call.files:
        return call.files["source"]
    url = call.params.get(url_param)
    if not url:
        raise GraphError(400, 324, "(#324) Requires upload file")
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            answer = await client.get(str(url))
        answer.raise_for_status()
    except httpx.HTTPError as exc:
        raise GraphError(400, 324, "(#324) Missing or invalid image file") from exc
    return answer.content


def check_image(data: bytes) -> tuple[int, int, str]:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            return image.width, image.height, str(image.format)
    except (UnidentifiedImageError, OSError) as exc:
        raise GraphError(400, 324, "(#324) Missing or invalid image file") from exc


def _truthy(value: Any) -> bool:
    return str(value).lower() in ("true", "1")


def _attached(params: dict[str, Any]) -> list[str]:
    raw = params.get("attached_media")
    items: list[Any] = []
    if isinstance(raw, list):
        items = raw
    elif isinstance(raw, str):
        items = json.loads(raw)
    index = 0
    while f"attached_media[{index}]" in params:  # the form encoding: attached_media[0]={...}
        items.append(json.loads(params[f"attached_media[{index}]"]))
        index += 1
    ids = []
    for raw_item in items:
        item = json.loads(raw_item) if isinstance(raw_item, str) else raw_item
        if not isinstance(item, dict) or "media_fbid" not in item:
            raise invalid_param("attached_media must be a list of {\"media_fbid\": ...}")
        ids.append(str(item["media_fbid"]))
    return ids


async def handle(state: GraphState, account: Account, call: Call) -> dict[str, Any]:
    if call.node == account.page_id:
        return await _page_edge(state, account, call)
    node = state.nodes.get(call.node)
    if node is None or node.get("_page") != account.page_id or node["_deleted"] or call.edge:
        raise missing_node(call.method, call.node)
    if call.method == "GET":
        return project(node, call, ["message", "created_time"] if node["_kind"] == "post" else [])
    if call.method == "DELETE":
        node["_deleted"] = True
        return {"success": True}
    if node["_kind"] != "post":
        raise missing_node(call.method, call.node)
    message = str(call.params.get("message", ""))
    if len(message) > MAX_MESSAGE:
        raise invalid_param(f"Message is too long (max {MAX_MESSAGE} characters)")
    node["message"] = message
    return {"success": True}


async def _page_edge(state: GraphState, account: Account, call: Call) -> dict[str, Any]:
    page = account.page_id
    if call.edge is None and call.method == "GET":
        return project({"id": page, "name": account.page_name}, call, ["name"])
    if call.edge == "photos" and call.method == "POST":
        return await _upload(state, account, call)
    if call.edge == "feed" and call.method == "POST":
        return _post(state, account, call, _attached(call.params))
    if call.edge in ("feed", "posts", "published_posts") and call.method == "GET":
        posts = [n for n in state.nodes.values()
                 if n["_kind"] == "post" and n["_page"] == page and not n["_deleted"]]
        url = f"{call.base}/{call.params['_version']}/{page}/{call.edge}"
        return listing(state, posts, call, url, ["message", "created_time"])
    raise missing_node(call.method, f"{page}/{call.edge}")


async def _upload(state: GraphState, account: Account, call: Call) -> dict[str, Any]:
    data = await image_bytes(call, "url")
    check_image(data)
    photo_id = state.new_id("5100")
    published = _truthy(call.params.get("published", "true"))
    state.nodes[photo_id] = {"id": photo_id, "_kind": "photo", "_page": account.page_id,
                             "_deleted": False, "_bytes": data, "_published": published,
                             "_at": state.now(), "name": str(call.params.get("caption", ""))}
    if not published:
        return {"id": photo_id}
    post = _post(state, account, Call("POST", account.page_id, "feed", {
        "message": call.params.get("caption", "")}, call.base), [photo_id])
    return {"id": photo_id, "post_id": post["id"]}


def _post(state: GraphState, account: Account, call: Call, photos: list[str]
          ) -> dict[str, Any]:
    message = str(call.params.get("message", ""))
    link = call.params.get("link")
    if not (message or photos or link):
        raise invalid_param("Missing message or attachment.")
    if len(message) > MAX_MESSAGE:
        raise invalid_param(f"Message is too long (max {MAX_MESSAGE} characters)")
    for photo_id in photos:
        photo = state.nodes.get(photo_id)
        if photo is None or photo["_kind"] != "photo" or photo["_page"] != account.page_id:
            raise invalid_param(f"Invalid media_fbid: {photo_id}")
    post_id = f"{account.page_id}_{state.new_id('1220')}"
    at = state.now()
    state.nodes[post_id] = {
        "id": post_id, "_kind": "post", "_page": account.page_id, "_deleted": False,
        "_at": at, "message": message, "created_time": state.iso(at), "link": link,
        "attachments": {"data": [{"media_fbid": p} for p in photos]},
        "permalink_url": f"{call.base}/_web/facebook/{post_id}"}
    return {"id": post_id}
