"""Graph sandbox, Instagram part: containers (single, carousel), status polling, media_publish with
the 24 h publishing limit, media reads. No caption edit, no delete: the API has neither."""

from __future__ import annotations

import secrets
from typing import Any

from sandbox.graph_pages import Call, check_image, image_bytes, listing, project
from sandbox.graph_state import Account, GraphError, GraphState, invalid_param, missing_node

MAX_CAPTION = 2_200
MAX_CHILDREN = 10
MAX_BYTES = 8 * 1024 * 1024
MIN_RATIO, MAX_RATIO = 4 / 5, 1.91
DAY = 86_400.0


def quota_usage(state: GraphState, account: Account, since: float = 0.0) -> int:
    start = max(state.now() - DAY, since)
    return sum(1 for at in state.publishes.get(account.ig_user_id, []) if at >= start)


def _fetch_failed() -> GraphError:
    return GraphError(400, 9004, "Only photo or video can be accepted as media type.",
                      subcode=2207052, is_transient=False,
                      user_title="Media download has failed. The media URI doesn't meet our "
                      "requirements.", user_msg="The media could not be fetched from this URI.")


async def _image(call: Call) -> bytes:
    try:
        data = await image_bytes(call, "image_url")
    except GraphError as exc:
        raise _fetch_failed() from exc
    if len(data) > MAX_BYTES:
        raise GraphError(400, 36000, "The image size is too large.", subcode=2207004,
                         is_transient=False, user_title="Image size too large",
                         user_msg="The image is too large to download. It should be less than "
                         "8 MiB.")
    try:
        width, height, kind = check_image(data)
    except GraphError as exc:
        raise _fetch_failed() from exc
    if kind != "JPEG":
        raise GraphError(400, 36001, "The image format is not supported.", subcode=2207005,
                         is_transient=False, user_msg="The image format is not supported. "
                         "Supported format: JPEG")
    if not MIN_RATIO <= width / height <= MAX_RATIO + 0.005:
        raise GraphError(400, 36003, "The aspect ratio is not supported.", subcode=2207009,
                         is_transient=False, user_msg=f"The submitted image with aspect ratio "
                         f"('{width}/{height}') cannot be published. Please submit an image "
                         "with a valid aspect ratio.")
    return data


async def _create(state: GraphState, account: Account, call: Call) -> dict[str, Any]:
    p = call.params
    caption = str(p.get("caption", ""))
    if len(caption) > MAX_CAPTION:
        raise invalid_param(f"The caption is too long (max {MAX_CAPTION} characters)")
    record: dict[str, Any] = {"_kind": "container", "_ig": account.ig_user_id, "_at": state.now(),
                              "_caption": caption, "_polls": account.processing_polls,
                              "_fail": account.fail_next_containers > 0, "status_code": "",
                              "_child": str(p.get("is_carousel_item", "")).lower() == "true",
                              "_alt": str(p.get("alt_text", "")), "_children": []}
    account.fail_next_containers = max(account.fail_next_containers - 1, 0)
    if str(p.get("media_type", "IMAGE")).upper() == "CAROUSEL":
        children = [c for c in str(p.get("children", "")).split(",") if c]
        if not 2 <= len(children) <= MAX_CHILDREN:
            raise invalid_param(f"A carousel needs 2 to {MAX_CHILDREN} children, "
                                f"got {len(children)}")
        for child in children:
            node = state.nodes.get(child)
            if (node is None or node["_kind"] != "container" or not node["_child"]
                    or node["_ig"] != account.ig_user_id):
                raise invalid_param(f"Invalid children: {child}")
        record.update(_children=children, _type="CAROUSEL_ALBUM")
    else:
        if not p.get("image_url"):
            raise invalid_param("The parameter image_url is required.")
        record.update(_bytes=await _image(call), _type="IMAGE")
    container_id = state.new_id("1790")
    record.update(id=container_id, status_code="IN_PROGRESS")
    state.nodes[container_id] = record
    return {"id": container_id}


def _status(state: GraphState, node: dict[str, Any]) -> None:
    """Advance a container's processing on each status read (deterministic, no sleeping)."""
    if node["status_code"] == "IN_PROGRESS":
        if node["_polls"] > 0:
            node["_polls"] -= 1
        elif node["_fail"]:
            node.update(status_code="ERROR", status="Error: Media upload has failed with "
                        "error code 2207001")
        else:
            node.update(status_code="FINISHED", status="Finished: Media has been uploaded "
                        "and it is ready to be published.")
    if node["status_code"] in ("IN_PROGRESS", "FINISHED") and state.now() - node["_at"] > DAY:
        node.update(status_code="EXPIRED", status="Expired: not published within 24 hours")


async def _publish(state: GraphState, account: Account, call: Call) -> dict[str, Any]:
    container = state.nodes.get(str(call.params.get("creation_id", "")))
    if container is None or container["_kind"] != "container" or container["_child"] \
            or container["_ig"] != account.ig_user_id:
        raise invalid_param("Invalid parameter creation_id")
    _status(state, container)
    if container["status_code"] != "FINISHED":
        raise GraphError(400, 9007, "Media ID is not available", subcode=2207027,
                         is_transient=False, user_title="Media not ready",
                         user_msg="The media is not ready for publishing, please wait for a "
                         f"moment (status {container['status_code']})")
    if quota_usage(state, account) >= account.quota_total:
        raise GraphError(400, 9, "Application request limit reached", subcode=2207042,
                         is_transient=False, user_title="Cannot publish post",
                         user_msg="You reached maximum number of posts that is allowed to be "
                         "published by Content Publishing API.")
    media_id = state.new_id("1800")
    at = state.now()
    children = [state.nodes[c] for c in container["_children"]] or [container]
    state.nodes[media_id] = {
        "id": media_id, "_kind": "media", "_ig": account.ig_user_id, "_at": at,
        "caption": container["_caption"], "timestamp": state.iso(at),
        "media_type": container["_type"], "_images": [c["_bytes"] for c in children],
        "_alt": [c["_alt"] for c in children],
        "permalink": f"{call.base}/_web/instagram/p/{secrets.token_urlsafe(8)}/"}
    container.update(status_code="PUBLISHED", status="Published", _media_id=media_id)
    state.publishes.setdefault(account.ig_user_id, []).append(at)
    return {"id": media_id}


async def handle(state: GraphState, account: Account, call: Call) -> dict[str, Any]:
    if call.node == account.ig_user_id:
        return await _user_edge(state, account, call)
    node = state.nodes.get(call.node)
    if node is None or node.get("_ig") != account.ig_user_id or call.edge \
            or call.method == "DELETE":
        raise missing_node(call.method, call.node)  # IG media cannot be deleted by API
    if call.method == "GET":
        if node["_kind"] == "container":
            _status(state, node)
        return project(node, call, ["id"])
    if node["_kind"] == "media" and set(call.params) - {"_version"} <= {"comment_enabled"}:
        return {"success": True}  # the only update IG Media takes
    raise invalid_param("Unsupported update: IG Media only accepts comment_enabled")


async def _user_edge(state: GraphState, account: Account, call: Call) -> dict[str, Any]:
    ig = account.ig_user_id
    if call.edge is None and call.method == "GET":
        return project({"id": ig, "username": account.ig_username,
                        "name": account.page_name}, call, ["username"])
    if call.edge == "media" and call.method == "POST":
        return await _create(state, account, call)
    if call.edge == "media" and call.method == "GET":
        media = [n for n in state.nodes.values() if n["_kind"] == "media" and n["_ig"] == ig]
        url = f"{call.base}/{call.params['_version']}/{ig}/media"
        return listing(state, media, call, url, [])
    if call.edge == "media_publish" and call.method == "POST":
        return await _publish(state, account, call)
    if call.edge == "content_publishing_limit" and call.method == "GET":
        since = float(call.params.get("since", 0) or 0)
        item: dict[str, Any] = {"quota_usage": quota_usage(state, account, since)}
        if "config" in call.fields:
            item["config"] = {"quota_total": account.quota_total, "quota_duration": 86400}
        return {"data": [item]}
    raise missing_node(call.method, f"{ig}/{call.edge}")
