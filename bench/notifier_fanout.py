"""Fan-out of one article to 10,000 journalists on email through Mailpit, against its floor.

The notifier runs as production runs it (its own process, real Kafka, secantus-mdb, Mailpit).
Measured: deliveries/s from the events' publication to the last message in Mailpit, the
notifier's peak RSS (and its RSS along the way), duplicates, and how long a second article's
single subscriber waits for their release while the large fan-out is under way. The floor: the
same messages, rendered beforehand, sent straight to the same Mailpit over the same number of
persistent connections, without Kafka or the database.
`python -m bench.notifier_fanout [--journalists N]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench import harness
from bench.notifier_report import markdown
from services.notifier import domain
from services.notifier.emails import Recipient, build_email
from services.notifier.mailer import Mailer
from shared.envelope import utcnow
from shared.mongo import MongoHandle
from shared.settings import Settings
from tests.integration.notifier.conftest import OPD, approved, published
from tests.probes import publish
from warta_cli import infra
from warta_cli.mailpit import Mailpit

NAME = "notifier"
PUBLIC = "https://warta.example.go.id"
OTHER_OPD = OPD.model_copy(update={"id": "opd-other", "code": "OTHER", "name": "Dinas Lain"})
JSON_PATH = harness.DOCS_DIR / "notifier.json"


def rss_kib(pid: int, field: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


async def seed(settings: Settings, count: int) -> None:
    """`count` confirmed journalists following the big OPD, one following the other OPD."""
    mongo = MongoHandle(settings, "notifier")
    secret = settings.unsubscribe_secret.get_secret_value()
    now = utcnow()

    def journalist(n: int, opd_id: str) -> dict[str, Any]:
        nonce = domain.new_token_nonce()
        jid = f"j{n:06d}"
        return {"_id": jid, "name": f"Wartawan {n}", "email": f"w{n:06d}@mitra.example",
                "opd_ids": [opd_id], "categories": [], "active": True, "token_nonce": nonce,
                "unsubscribe_hash": domain.token_hash(domain.unsubscribe_token(secret, jid,
                                                                               nonce)),
                "created_at": now, "updated_at": now}

    try:
        collection = mongo.db["journalists"]
        await collection.create_index("opd_ids")
        for start in range(0, count, 1000):
            await collection.insert_many([journalist(n, OPD.id)
                                          for n in range(start, min(count, start + 1000))])
        await collection.insert_one({**journalist(count, OTHER_OPD.id),
                                     "email": "tunggal@mitra.example"})
    finally:
        mongo.close()


async def floor(settings: Settings, mailpit: Mailpit, count: int) -> dict[str, Any]:
    """The same messages straight to Mailpit over the same pool: no Kafka, no database."""
    article = {"headline": "Vaksinasi massal di Makassar", "summary": "Vaksinasi gratis",
               "body_html": "<p>Dinas Kesehatan menggelar <strong>vaksinasi</strong>.</p>",
               "category": "kesehatan", "opd": OPD.model_dump(mode="json")}
    raws = [build_email(
        kind=domain.Kind.PRESS_RELEASE, delivery_id=f"floor:{n}", sender=settings.smtp_from,
        recipient=Recipient(f"Wartawan {n}", f"f{n:06d}@mitra.example",
                            f"{PUBLIC}/unsubscribe/{'a' * 64}"),
        article=article, article_url="https://kota.example/berita/1", now=utcnow(),
        public_base_url=PUBLIC) for n in range(count)]
    mailer = Mailer(settings)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(count):
        queue.put_nowait(n)

    async def worker() -> None:
        while not queue.empty():
            n = queue.get_nowait()
            await mailer.send_raw("warta@kominfo.example", [f"f{n:06d}@mitra.example"], raws[n])

    started = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(mailer.size)))
    seconds = time.monotonic() - started
    await mailer.close()
    while await mailpit.count() < count:  # noqa: ASYNC110 - stored, as for the fan-out
        await asyncio.sleep(0.1)
    stored = time.monotonic() - started
    return {"messages": count, "connections": mailer.size, "seconds": round(stored, 2),
            "per_second": round(count / stored, 1), "send_seconds": round(seconds, 2)}


async def fan_out(settings: Settings, mailpit: Mailpit, count: int, pid: int
                  ) -> dict[str, Any]:
    big, single = "bench-big", "bench-single"
    samples: list[tuple[float, int, int]] = []
    started = time.monotonic()
    await publish(settings, approved(big), published(big))
    second_at: float | None = None
    second_wait: float | None = None
    while True:
        stored = await mailpit.count()
        samples.append((time.monotonic() - started, stored, rss_kib(pid)))
        if second_at is None and stored >= count // 10:
            await publish(settings, approved(single, opd=OTHER_OPD),
                          published(single))
            second_at = time.monotonic()
        if second_at is not None and second_wait is None and await mailpit.summaries(
                "to:tunggal@mitra.example"):
            second_wait = time.monotonic() - second_at
        if stored >= count + 1 and second_wait is not None:
            break
        if time.monotonic() - started > 900:
            raise TimeoutError(f"only {stored} of {count + 1} messages after 900 s")
        await asyncio.sleep(0.25)
    seconds = samples[-1][0]
    first = next(t for t, n, _ in samples if n > 0)
    addresses = Counter(str(s["To"][0]["Address"]) for s in await mailpit.summaries())
    return {
        "journalists": count, "seconds": round(seconds, 2),
        "per_second": round(count / seconds, 1),
        "per_second_after_first": round(count / max(seconds - first, 1e-9), 1),
        "first_message_s": round(first, 2),
        "duplicates": sum(n - 1 for n in addresses.values() if n > 1),
        "received": sum(addresses.values()),
        "second_article_wait_s": round(second_wait or -1, 2),
        "rss_mib_along_the_way": [
            {"at_s": round(t, 1), "stored": n, "rss_mib": round(r / 1024, 1)}
            for t, n, r in samples[:: max(1, len(samples) // 12)]],
        "peak_rss_mib": round(rss_kib(pid, "VmHWM") / 1024, 1),
    }


def batch_figures(log_path: Path) -> dict[str, Any]:
    """The sender's own per-batch log lines: how long claiming and sending took."""
    batches = [json.loads(line) for line in log_path.read_text().splitlines()
               if '"delivery batch done"' in line]
    if not batches:
        return {"n": 0}
    claims = sorted(int(b["claim_ms"]) for b in batches)
    sends = sorted(int(b["send_ms"]) for b in batches)
    return {"n": len(batches), "claim_ms_p50": claims[len(claims) // 2],
            "send_ms_p50": sends[len(sends) // 2], "claim_ms_max": claims[-1],
            "send_ms_max": sends[-1]}


def measure(count: int) -> dict[str, Any]:
    """Synchronous around the phases: the infrastructure's readiness waits run their own loops."""
    with harness.fresh_infra(NAME) as base:
        smtp_port, http_port = infra.free_port(), infra.free_port()
        mailpit_process = infra.start_mailpit(infra.install_mailpit(), base.directory / "mail",
                                              smtp_port, http_port)
        try:
            infra.wait_mailpit_ready(smtp_port, http_port, mailpit_process)
            mailpit = Mailpit(infra.mailpit_api(http_port))
            settings = harness.production_settings(
                base, smtp_port=smtp_port, public_base_url=PUBLIC,
                smtp_from="Warta <warta@kominfo.example>")
            floor_result = asyncio.run(floor(settings, mailpit, count))
            asyncio.run(mailpit.delete_all())
            asyncio.run(seed(settings, count))
            env = harness.service_env(settings)
            with harness.running(settings, base, ["notifier"], env) as processes:
                pid = processes["notifier"].popen.pid
                idle_rss = round(rss_kib(pid) / 1024, 1)
                meter = harness.CpuMeter({"notifier": processes["notifier"],
                                          "mailpit": mailpit_process})
                result = asyncio.run(fan_out(settings, mailpit, count, pid))
                result["cpu_percent_of_a_core"] = meter.percent()
                result["batches"] = batch_figures(processes["notifier"].log_path)
        finally:
            infra.stop(mailpit_process)
    result["idle_rss_mib"] = idle_rss
    return harness.stamp(NAME, mailpit=infra.MAILPIT_VERSION, fan_out=result,
                         floor=floor_result, connections=settings.notifier_smtp_connections,
                         over_floor=round(result["per_second"] / floor_result["per_second"], 2),
                         aims={"per_second": 500, "over_floor": 0.7})


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--journalists", type=int, default=10_000)
    args = parser.parse_args()
    result = measure(args.journalists)
    JSON_PATH.write_text(json.dumps(result, indent=2, default=str) + "\n")
    harness.publish(NAME, result, markdown(result))
    print(f"written {JSON_PATH}; load average now {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
