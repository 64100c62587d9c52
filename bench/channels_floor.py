"""The channel benchmark's floor: the adapters' own HTTP calls straight to the same servers.

In the benchmark process, each channel's adapter is built from the same credentials the
publisher holds and `publish` is called for each article at the same rate, with as many posts
per channel in flight at most as the publisher allows itself (POSTS_IN_FLIGHT; unbounded, the
floor would only flood WordPress's PHP workers and time out): no Kafka, no database, no
lease, no outbox. What is left is the networks' own work (WordPress's media upload and post,
the sandboxes' answers, Instagram's container polling).
"""

from __future__ import annotations

import asyncio
import time
from functools import partial
from typing import Any

import httpx
from pydantic import BaseModel

from bench import harness
from bench.channels_world import CHANNELS, World, article
from services.publisher import channels, fitted_images
from services.publisher.adapters.port import AdapterContext, Channel
from services.publisher.dispatch import POSTS_IN_FLIGHT
from services.publisher.domain import article_url
from shared.events.common import AttachmentRef
from shared.settings import Settings


def adapters(settings: Settings, world: World, http: httpx.AsyncClient) -> dict[str, Channel]:
    hosted = fitted_images.FittedImages(fitted_images.media_dir(settings.attachments_dir),
                                        settings.website_base_url)

    async def fetch(ref: AttachmentRef) -> bytes:
        response = await http.get(ref.url)
        response.raise_for_status()
        return response.content

    async def keep(_: BaseModel) -> None:
        return None

    context = AdapterContext(article_link=partial(article_url, settings.website_base_url),
                             fetch_photo=fetch, save_credentials=keep, host_image=hosted.host)
    built: dict[str, Channel] = {}
    for name, fields in world.credentials().items():
        module = channels.adapter_module(name)
        assert module is not None, name
        built[name] = module.build(module.Credentials.model_validate(fields), http, context)
    return built


async def floor_run(settings: Settings, world: World, *, rate: float, count: int
                    ) -> dict[str, Any]:
    latencies: dict[str, list[float]] = {c: [] for c in CHANNELS}
    errors: dict[str, list[str]] = {c: [] for c in CHANNELS}
    done: list[float] = []
    async with httpx.AsyncClient(timeout=httpx.Timeout(30.0, connect=10.0)) as http:
        built = adapters(settings, world, http)
        items = [article(world, f"floor{int(rate)}", n) for n in range(count)]
        slots = {c: asyncio.Semaphore(POSTS_IN_FLIGHT) for c in CHANNELS}

        async def one(channel: str, started: float, n: int) -> None:
            try:
                async with slots[channel]:
                    await built[channel].publish(items[n])
            except Exception as exc:  # counted and shown: the floor does not retry
                errors[channel].append(f"{type(exc).__name__}: {str(exc)[:160]}")
                return
            latencies[channel].append(time.monotonic() - started)
            done.append(time.monotonic())

        async def fire(n: int) -> None:
            started = time.monotonic()
            await asyncio.gather(*(one(c, started, n) for c in CHANNELS))

        began = time.monotonic()
        seconds = await harness.open_loop(rate, count, fire)
    return summary("floor", rate, count=count, seconds=seconds, began=began,
                   latencies=latencies, errors=errors, done=done)


def summary(kind: str, rate: float, *, count: int, seconds: float, began: float,
            latencies: dict[str, list[float]], errors: dict[str, list[str]],
            done: list[float]) -> dict[str, Any]:
    posted = sum(len(v) for v in latencies.values())
    span = (max(done) - began) if done else 0.0
    return {"kind": kind, "rate": rate, "articles": count, "seconds_sending": round(seconds, 2),
            "posts_expected": count * len(CHANNELS), "posts_published": posted,
            "throughput_posts_per_s": round(posted / span, 2) if span else 0.0,
            "span_s": round(span, 2),
            "per_channel": {c: {**harness.latency_summary(latencies[c]),
                                "errors": len(errors[c]), "first_errors": errors[c][:2]}
                            for c in CHANNELS}}
