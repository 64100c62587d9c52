"""Channel benchmark (figures, not pass/fail): approval -> published on every channel.

Fresh Kafka and secantus-mdb, the real local WordPress (Debian's package, warta_cli/wordpress.py)
and the telegram, graph (Facebook Page + Instagram) and x contract servers as processes, their
rate limits raised; the publisher as production runs it (`python -m services.publisher`,
WARTA_ENV=production), its channels seeded from the environment. `article.approved` events, as
editorial's approval relays them, go onto the article stream at 1, 5 and 20 per second (open
loop); each post is timed from its event's send to the `publication.published` event read back
from the publication stream. At each rate, in the same run, the floor (bench/channels_floor.py):
the adapters' HTTP calls straight to the same servers. Writes bench/results/channels.json,
docs/benchmarks/channels.json and the results block of docs/benchmarks/channels.md.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from typing import Any

from cryptography.fernet import Fernet

from bench import harness
from bench.channels_floor import floor_run, summary
from bench.channels_report import aims, markdown
from bench.channels_watch import PublicationWatcher
from bench.channels_world import CHANNELS, World, approved_event, article, outside_world
from shared import topics
from shared.kafka import EventBus, ensure_topics, make_broker
from shared.settings import Settings

RATES = (1.0, 5.0, 20.0)
# Seconds of sending per rate. The real WordPress takes ~1 post/s with a photo on a 2-core
# machine, so 20 s at 20/s would be a 400-post backlog (minutes): shorter bursts at the higher
# rates keep the whole run within ~8 minutes. BENCH_CHANNELS_SECONDS sets one for all.
SECONDS = {1.0: 20.0, 5.0: 10.0, 20.0: 5.0}
if os.environ.get("BENCH_CHANNELS_SECONDS"):
    SECONDS = dict.fromkeys(RATES, float(os.environ["BENCH_CHANNELS_SECONDS"]))
PATIENCE = float(os.environ.get("BENCH_CHANNELS_PATIENCE", "90"))  # after the last send
WARM_UP = 3


async def pipeline_run(settings: Settings, world: World, watcher: PublicationWatcher,
                       bus: EventBus, *, rate: float, count: int) -> dict[str, Any]:
    items = [article(world, f"pipe{int(rate)}", n) for n in range(count)]
    sent: dict[str, float] = {}

    async def fire(n: int) -> None:
        data = items[n]
        sent[data.article_id] = time.monotonic()
        await bus.publish_event(topics.ARTICLES, approved_event(data))

    began = time.monotonic()
    seconds = await harness.open_loop(rate, count, fire)
    await watcher.settle(list(sent), CHANNELS, PATIENCE)
    latencies, errors, done = watcher.outcomes(sent, CHANNELS)
    return summary("pipeline", rate, count=count, seconds=seconds, began=began,
                   latencies=latencies, errors=errors, done=done)


async def measure(settings: Settings, world: World, processes: dict[str, Any]
                  ) -> dict[str, Any]:
    broker = make_broker(settings, "bench-channels")
    await broker.start()
    watcher = PublicationWatcher(settings.kafka_bootstrap)
    await watcher.start()
    bus = EventBus(broker)
    try:
        warm = await pipeline_run(settings, world, watcher, bus, rate=1.0, count=WARM_UP)
        print(f"warm-up {warm['posts_published']}/{warm['posts_expected']}", flush=True)
        await floor_run(settings, world, rate=1.0, count=WARM_UP)
        runs, floors = [], []
        for rate in RATES:
            count = max(WARM_UP, int(rate * SECONDS[rate]))
            meter = harness.CpuMeter(processes)
            runs.append(await pipeline_run(settings, world, watcher, bus, rate=rate,
                                           count=count))
            runs[-1]["cpu_percent"] = meter.percent()
            print(f"pipeline {rate:>4}/s {json.dumps(runs[-1])}", flush=True)
            floors.append(await floor_run(settings, world, rate=rate, count=count))
            print(f"floor    {rate:>4}/s {json.dumps(floors[-1])}", flush=True)
    finally:
        await watcher.stop()
        await broker.stop()
    return {"warm_up": warm, "runs": runs, "floor": floors}


def main() -> int:
    started = time.monotonic()
    with harness.fresh_infra("channels") as base:
        settings = harness.production_settings(
            base, publisher_credentials_key=Fernet.generate_key().decode())
        asyncio.run(ensure_topics(settings.kafka_bootstrap))
        with outside_world(base.directory) as world:
            env = harness.service_env(settings, **world.env())
            with harness.running(settings, base, ["publisher"], env) as services:
                processes = {**services, "database": base.mongo, "kafka": base.kafka,
                             "wordpress_php": world.site.web,
                             "wordpress_mariadb": world.site.database}
                figures = asyncio.run(measure(settings, world, processes))
    result = harness.stamp("channels", seconds_per_rate={str(r): s for r, s in SECONDS.items()},
                           patience_s=PATIENCE,
                           channels=list(CHANNELS), **figures,
                           total_seconds=round(time.monotonic() - started, 1))
    result["aims"] = aims(result)
    harness.publish("channels", result, markdown(result))
    (harness.DOCS_DIR / "channels.json").write_text(
        json.dumps(result, indent=2, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
