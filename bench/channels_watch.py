"""Reads the publication stream as the benchmark runs: when each (article, channel) was
announced published, and each failure announced on the way."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import Sequence

from aiokafka import AIOKafkaConsumer

from shared import topics


class PublicationWatcher:
    def __init__(self, bootstrap: str) -> None:
        self._consumer = AIOKafkaConsumer(
            topics.PUBLICATIONS, bootstrap_servers=bootstrap, auto_offset_reset="latest",
            group_id=f"bench-channels-{uuid.uuid4().hex}")
        self.published: dict[tuple[str, str], float] = {}
        self.failures: dict[tuple[str, str], list[str]] = {}
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._consumer.start()
        while not self._consumer.assignment():  # from the end, before anything is sent
            await self._consumer.getmany(timeout_ms=200)
        await self._consumer.seek_to_end()
        self._task = asyncio.create_task(self._read())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._consumer.stop()

    async def _read(self) -> None:
        while True:
            batch = await self._consumer.getmany(timeout_ms=100)
            seen = time.monotonic()
            for records in batch.values():
                for record in records:
                    self._note(record.value or b"", seen)

    def _note(self, value: bytes, seen: float) -> None:
        try:
            event = json.loads(value)
            data = event["data"]
            key = (str(data["article_id"]), str(data["channel"]))
        except (ValueError, KeyError, TypeError):
            return
        if event.get("type") == "publication.published":
            self.published.setdefault(key, seen)
        elif event.get("type") == "publication.failed":
            self.failures.setdefault(key, []).append(str(data.get("error"))[:160])

    async def settle(self, article_ids: Sequence[str], channels: Sequence[str],
                     patience: float) -> None:
        wanted = {(a, c) for a in article_ids for c in channels}
        deadline = time.monotonic() + patience
        while not wanted <= self.published.keys():
            if time.monotonic() > deadline:
                return  # the missing ones are counted as not published
            await asyncio.sleep(0.2)

    def outcomes(self, sent: dict[str, float], channels: Sequence[str]
                 ) -> tuple[dict[str, list[float]], dict[str, list[str]], list[float]]:
        latencies: dict[str, list[float]] = {c: [] for c in channels}
        errors: dict[str, list[str]] = {c: [] for c in channels}
        done: list[float] = []
        for article_id, started in sent.items():
            for channel in channels:
                at = self.published.get((article_id, channel))
                errors[channel] += self.failures.get((article_id, channel), [])
                if at is not None:
                    latencies[channel].append(at - started)
                    done.append(at)
        return latencies, errors, done
