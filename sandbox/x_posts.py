"""X API v2 posts and media as the stand-in answers them: 280 weighted, t.co links, 4 photos."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

from PIL import Image, UnidentifiedImageError

from sandbox.x_world import World, XError, invalid, problem, tco
from shared.x_weight import MAX_WEIGHTED, urls_in, weighted_length

IMAGE_MAX_BYTES = 5 * 1024 * 1024  # "Images are limited to 5 MB"
IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
MEDIA_TTL_S = 86400
TOO_LONG = ("Your Tweet text is too long. For more information on how Twitter determines text "
            "length see https://github.com/twitter/twitter-text.")


def iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def upload(world: World, user_id: str, data: bytes, category: str) -> dict[str, Any]:
    if category not in {"tweet_image", "dm_image"}:
        raise invalid(f"media_category {category!r} is not supported by the one-shot upload; "
                      "use the chunked upload", {"media_category": [category]})
    if len(data) > IMAGE_MAX_BYTES:
        raise invalid("File size exceeds 5242880 bytes.", {"media": ["..."]})
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind, (width, height) = image.format or "", image.size
    except (UnidentifiedImageError, OSError):
        raise invalid("Unsupported media: the file is not a readable image.") from None
    if kind not in IMAGE_TYPES:
        raise invalid(f"Unsupported image type {kind}.")
    media_id = world.next_id()
    world.media[media_id] = {"id": media_id, "media_key": f"3_{media_id}", "owner": user_id,
                             "expires_at": world.now() + MEDIA_TTL_S, "w": width, "h": height,
                             "image_type": IMAGE_TYPES[kind], "size": len(data), "used": False}
    return {"data": {"id": media_id, "media_key": f"3_{media_id}", "size": len(data),
                     "expires_after_secs": MEDIA_TTL_S,
                     "image": {"image_type": IMAGE_TYPES[kind], "w": width, "h": height}}}


def set_alt_text(world: World, user_id: str, body: dict[str, Any]) -> dict[str, Any]:
    media = world.media.get(str(body.get("id")))
    if media is None or media["owner"] != user_id:
        raise invalid("Media not found.", {"id": [str(body.get("id"))]})
    text = str(((body.get("metadata") or {}).get("alt_text") or {}).get("text") or "")
    if len(text) > 1000:
        raise invalid("alt_text.text must be at most 1000 characters.")
    media["alt_text"] = text
    return {"data": {"id": media["id"], "associated_metadata": {"alt_text": {"text": text}}}}


def _shorten_links(text: str) -> tuple[str, list[dict[str, Any]]]:
    """X stores and returns t.co links in the text; the originals are in entities.urls."""
    out, entities, last = [], [], 0
    for url, start, end in urls_in(text):
        out.append(text[last:start])
        position = sum(len(piece) for piece in out)
        short = tco(url)
        expanded = url if "://" in url else f"http://{url}"
        entities.append({"start": position, "end": position + len(short), "url": short,
                         "expanded_url": expanded, "display_url": url.split("://")[-1][:26]})
        out.append(short)
        last = end
    out.append(text[last:])
    return "".join(out), entities


def create(world: World, user_id: str, body: dict[str, Any]) -> dict[str, Any]:
    text = str(body.get("text") or "")
    media_ids = [str(i) for i in ((body.get("media") or {}).get("media_ids") or [])]
    if not text and not media_ids:
        raise invalid("Requires at least one of text or media.", {"text": []})
    if weighted_length(text) > MAX_WEIGHTED:
        raise XError(400, {"errors": [{"message": TOO_LONG}], "title": "Invalid Request",
                           "detail": TOO_LONG,
                           "type": "https://api.twitter.com/2/problems/invalid-request"})
    if "media" in body and not 1 <= len(media_ids) <= 4:
        raise invalid("$.media.media_ids: size must be between 1 and 4",
                      {"media.media_ids": media_ids})
    for media_id in media_ids:
        media = world.media.get(media_id)
        if media is None or media["owner"] != user_id or media["expires_at"] <= world.now():
            raise invalid("Your media IDs are invalid.", {"media.media_ids": media_ids})
    reply_to = (body.get("reply") or {}).get("in_reply_to_tweet_id")
    if reply_to is not None and (str(reply_to) not in world.tweets
                                 or world.tweets[str(reply_to)]["deleted"]):
        raise problem(403, "Forbidden", "You attempted to reply to a Tweet that is deleted or "
                      "not visible to you.")
    if any(t["author_id"] == user_id and t["original_text"] == text and not t["deleted"]
           for t in world.tweets.values()):
        raise problem(403, "Forbidden",
                      "You are not allowed to create a Tweet with duplicate content.")
    shown, urls = _shorten_links(text)
    tweet_id = world.next_id()
    world.tweets[tweet_id] = {
        "id": tweet_id, "author_id": user_id, "text": shown, "original_text": text,
        "urls": urls, "media_ids": media_ids, "in_reply_to_tweet_id": reply_to,
        "created_at": world.now(), "deleted": False, "edit_history_tweet_ids": [tweet_id]}
    for media_id in media_ids:
        world.media[media_id]["used"] = True
    return {"data": {"id": tweet_id, "text": shown, "edit_history_tweet_ids": [tweet_id]}}


def delete(world: World, user_id: str, tweet_id: str) -> dict[str, Any]:
    tweet = world.tweets.get(tweet_id)
    if tweet is None or tweet["deleted"]:
        raise problem(404, "Not Found Error", f"Could not find tweet with id: [{tweet_id}].",
                      "https://api.twitter.com/2/problems/resource-not-found")
    if tweet["author_id"] != user_id:
        raise problem(403, "Forbidden", "You are not allowed to delete this Tweet.")
    tweet["deleted"] = True
    return {"data": {"deleted": True}}


def shown(tweet: dict[str, Any], fields: set[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"id": tweet["id"], "text": tweet["text"],
                           "edit_history_tweet_ids": tweet["edit_history_tweet_ids"]}
    if "created_at" in fields:
        out["created_at"] = iso(tweet["created_at"])
    if "entities" in fields and tweet["urls"]:
        out["entities"] = {"urls": tweet["urls"]}
    if "author_id" in fields:
        out["author_id"] = tweet["author_id"]
    if tweet["in_reply_to_tweet_id"] and "referenced_tweets" in fields:
        out["referenced_tweets"] = [{"type": "replied_to",
                                     "id": str(tweet["in_reply_to_tweet_id"])}]
    return out


def timeline(world: World, user_id: str, params: dict[str, str]) -> dict[str, Any]:
    """GET /2/users/:id/tweets: newest first, pages by `pagination_token`."""
    limit = int(params.get("max_results", "10"))
    if not 5 <= limit <= 100:
        raise invalid(f"The `max_results` query parameter value [{limit}] is not between 5 "
                      "and 100", {"max_results": [str(limit)]})
    since = params.get("start_time")
    start = datetime.fromisoformat(since.replace("Z", "+00:00")).timestamp() if since else 0
    excluded = set(params.get("exclude", "").split(","))
    fields = set(params.get("tweet.fields", "").split(","))
    tweets = sorted((t for t in world.tweets.values() if t["author_id"] == user_id
                     and not t["deleted"] and t["created_at"] >= start
                     and not ("replies" in excluded and t["in_reply_to_tweet_id"])),
                    key=lambda t: int(t["id"]), reverse=True)
    token = params.get("pagination_token")
    if token:
        tweets = [t for t in tweets if int(t["id"]) < int(token)]
    page = tweets[:limit]
    meta: dict[str, Any] = {"result_count": len(page)}
    if page:
        meta |= {"newest_id": page[0]["id"], "oldest_id": page[-1]["id"]}
    if len(tweets) > limit:
        meta["next_token"] = page[-1]["id"]
    body: dict[str, Any] = {"meta": meta}
    if page:
        body["data"] = [shown(t, fields) for t in page]
    return body
