"""One service process: its database, its broker, its relays, and the FastAPI app around them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from typing import Any

from fastapi import APIRouter, FastAPI
from faststream.specification import AsyncAPI

from shared.errors import install_error_handlers
from shared.http import BodyLimit, Deadline, install_http_shell, operations_router
from shared.kafka import EventBus, ensure_topics, make_broker
from shared.mongo import Collection, MongoHandle
from shared.outbox import OutboxRelay
from shared.retry import retrying
from shared.settings import Settings

log = logging.getLogger("warta.runtime")

StartHook = Callable[[], Awaitable[None]]
ReadinessDetails = Callable[[], dict[str, Any]]


async def cancel_all(tasks: Sequence[asyncio.Task[None]], patience: float = 2.0,
                     give_up_after: float = 10.0) -> None:
    """Cancel the loops and wait until each has ended, at most `give_up_after` seconds.

    A cancel is asked again while a task lives on: one swallowed cancel (Python 3.11's
    `wait_for` drops one that lands as its inner call ends) must not hang the stop. A task that
    ignores every cancel is logged with its stack and left behind: the stop goes on.
    """
    pending = {task for task in tasks if not task.done()}
    for task in pending:
        task.cancel()
    deadline = asyncio.get_running_loop().time() + give_up_after
    while pending:
        left = deadline - asyncio.get_running_loop().time()
        if left <= 0:
            for task in pending:
                log.error("background task ignored every cancel; stopping without it",
                          extra={"task": task.get_name(), "stack": [
                              str(frame) for frame in task.get_stack(limit=5)]})
            return
        _, pending = await asyncio.wait(pending, timeout=min(patience, left))
        for task in pending:
            log.warning("background task ignored a cancel; cancelling again",
                        extra={"task": task.get_name()})
            task.cancel()
    for task in tasks:
        if not task.cancelled() and task.exception() is not None:
            log.error("background task had failed", exc_info=task.exception(),
                      extra={"task": task.get_name()})


class ServiceRuntime:
    """Built in `main.py`; nothing connects until the app's lifespan starts."""

    def __init__(self, settings: Settings, service: str) -> None:
        self.settings = settings
        self.service = service
        self.mongo = MongoHandle(settings, service)
        self.broker = make_broker(settings, service)
        self.bus = EventBus(self.broker)
        self.relays: list[OutboxRelay] = []
        self._background: list[Callable[[], Coroutine[Any, Any, None]]] = []
        self._tasks: list[asyncio.Task[None]] = []

    def relay(self, collection: Collection, topic: str) -> OutboxRelay:
        relay = OutboxRelay(collection, topic, self.bus)
        self.relays.append(relay)
        return relay

    def background(self, run: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """A long-running loop (scheduler, sweeper): started after the broker, cancelled at stop."""
        self._background.append(run)

    async def readiness(self, extra: ReadinessDetails | None = None) -> dict[str, Any]:
        details: dict[str, Any] = {}
        for name, check in (("database", self.mongo.ping), ("broker", self.bus.ping)):
            try:
                async with asyncio.timeout(4):
                    await check()
                details[name] = {"ok": True}
            except Exception as exc:  # readiness reports; it never raises
                details[name] = {"ok": False, "error": type(exc).__name__}
        if extra:
            details.update(extra())
        return details

    async def start(self, hooks: Sequence[StartHook]) -> None:
        await _with_retries("kafka topics", lambda: ensure_topics(self.settings.kafka_bootstrap))
        for hook in hooks:
            await _with_retries(getattr(hook, "__qualname__", "start hook"), hook)
        for relay in self.relays:
            await _with_retries("outbox index", relay.ensure_index)
        await _with_retries("kafka broker", self.broker.start)
        for relay in self.relays:
            self._tasks.append(asyncio.create_task(
                relay.run_forever(self.settings.outbox_sweep_seconds)))
        for run in self._background:
            self._tasks.append(asyncio.create_task(run()))
        log.info("service started")

    async def stop(self) -> None:
        await cancel_all(self._tasks)
        for relay in self.relays:  # flush what was accepted just now; the rest waits for restart
            try:
                async with asyncio.timeout(5):
                    await relay.flush()
            except Exception as exc:
                log.warning("outbox flush at shutdown incomplete", extra={"error": repr(exc)})
        try:  # bounded: a process asked to stop must stop (its consumers' offsets are committed)
            async with asyncio.timeout(30):
                await self.broker.stop()
        except TimeoutError:
            log.error("broker stop timed out; leaving its connections to the exit")
        self.mongo.close()
        log.info("service stopped")

    def build_app(
        self, *, title: str, routers: Sequence[APIRouter], on_start: Sequence[StartHook] = (),
        readiness_extra: ReadinessDetails | None = None,
        body_limit_for: Callable[[str], int] | None = None,
        deadline_for: Callable[[str], float] | None = None,
    ) -> FastAPI:
        @contextlib.asynccontextmanager
        async def lifespan(_: FastAPI) -> AsyncIterator[None]:
            await self.start(on_start)
            try:
                yield
            finally:
                await self.stop()

        app = FastAPI(title=title, version="0.1.0", lifespan=lifespan)
        install_error_handlers(app)
        install_http_shell(app)
        asyncapi = AsyncAPI(self.broker, title=f"{title} events", version="0.1.0")
        app.include_router(operations_router(asyncapi, lambda: self.readiness(readiness_extra)))
        for router in routers:
            app.include_router(router)
        limit = body_limit_for or (lambda _path: self.settings.max_body_bytes)
        app.add_middleware(BodyLimit, limit_for=limit)
        # Outermost of ours, so a handler stuck behind the body limit is cut off too.
        deadline = deadline_for or (lambda _path: self.settings.request_timeout_seconds)
        app.add_middleware(Deadline, seconds_for=deadline)
        return app


async def _with_retries(what: str, action: Callable[[], Awaitable[Any]], attempts: int = 30
                        ) -> None:
    """At start-up the broker or database may still be coming up: back off, then give up loudly
    (any error counts: a half-started dependency answers in odd ways)."""
    async for attempt in retrying(on=Exception, attempts=attempts, timeout=None,
                                  wait_initial=0.5, wait_max=5.0):
        with attempt:
            if attempt.num > 1:
                log.warning("start-up step failed, retrying",
                            extra={"step": what, "attempt": attempt.num})
            await action()
