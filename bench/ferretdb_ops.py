"""FerretDB single-operation latency by collection size (figures, not pass/fail).

`uv run python -m bench.ferretdb_ops [binary]`: starts the given FerretDB build (default: the one
`warta` builds) on a free port and times each operation at 100, 2,000 and 10,000 documents.
Used to find, and then to check, the `_id` index fix described in docs/infrastructure.md.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from shared.mongo import MongoHandle
from shared.settings import Settings
from warta_cli import infra

SIZES = (100, 2_000, 10_000)
REPEAT = 30


async def timed(action: Callable[[int], Awaitable[Any]]) -> float:
    started = time.perf_counter()
    for i in range(REPEAT):
        await action(i)
    return (time.perf_counter() - started) / REPEAT * 1000


async def measure(settings: Settings) -> dict[int, dict[str, float]]:
    mongo = MongoHandle(settings, "opsbench")
    try:
        return {size: await measure_size(mongo.db[f"docs{size}"], size) for size in SIZES}
    finally:
        mongo.close()


async def measure_size(c: Any, size: int) -> dict[str, float]:
    await c.insert_many([{"_id": f"id{i:08d}", "version": 1, "opd": "x",
                          "content": {"text": "x" * 600}} for i in range(size)])

    def doc_id(i: int) -> str:
        return f"id{i * 7 % size:08d}"

    return {
        "find_one({_id})": await timed(lambda i: c.find_one({"_id": doc_id(i)})),
        "find_one({_id, version})": await timed(
            lambda i: c.find_one({"_id": doc_id(i), "version": 1})),
        "find_one({opd}) no match": await timed(lambda i: c.find_one({"opd": "none"})),
        "update_one({_id})": await timed(
            lambda i: c.update_one({"_id": doc_id(i)}, {"$set": {"n": i}})),
        "update_one({_id, version})": await timed(lambda i: c.update_one(
            {"_id": doc_id(i), "version": 1}, {"$set": {"m": i}})),
        "insert_one": await timed(lambda i: c.insert_one({"_id": f"new{i}", "content": {}})),
    }


def main() -> int:
    binary = Path(sys.argv[1]) if len(sys.argv) > 1 else infra.build_ferretdb()
    port = infra.free_port()
    process = infra.start_ferretdb(binary, Path(tempfile.mkdtemp()) / "ferretdb", port)
    try:
        infra.wait_mongo_ready(port, process)
        results = asyncio.run(measure(Settings(mongo_url=f"mongodb://127.0.0.1:{port}")))
    finally:
        infra.stop(process)
    print(f"{binary.name}: mean of {REPEAT} calls, ms")
    print("| operation | " + " | ".join(f"{s:,} docs" for s in SIZES) + " |")
    print("|---|" + "---|" * len(SIZES))
    for op in results[SIZES[0]]:
        print(f"| `{op}` | " + " | ".join(f"{results[s][op]:.1f}" for s in SIZES) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
