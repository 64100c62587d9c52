"""The ingest benchmark's figures as the Markdown block of docs/benchmarks/ingest.md."""

from __future__ import annotations

from typing import Any


def markdown(result: dict[str, Any]) -> str:
    label = "SMOKE RUN (1 s runs, busy machine): not a measurement. " if result["smoke"] else ""
    machine = result["machine"]
    lines = [f"{label}Run of {result['at']} ({machine['cpus']} cores, load average at start "
             f"{machine['load_average_at_start'][0]:.1f}, Python {machine['python']}), "
             f"{result['database']}, Kafka {result['kafka']}, {result['seconds_per_run']:g} s "
             "per run.", "",
             "| concurrency | HTTP (hey) /s | p50 ms | p99 ms | HTTP (httpx) /s | p50 ms | "
             "p99 ms | raw floor /s | p50 ms | p99 ms | hey / raw |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for hey, http, raw in zip(result["http_hey"], result["http_httpx"], result["raw_floor"],
                              strict=True):
        ratio = hey["per_second"] / raw["per_second"] if raw["per_second"] else 0
        lines.append(f"| {hey['concurrency']} | {hey['per_second']} | {hey['p50_ms']} | "
                     f"{hey['p99_ms']} | {http['per_second']} | {http['p50_ms']} | "
                     f"{http['p99_ms']} | {raw['per_second']} | {raw['p50_ms']} | "
                     f"{raw['p99_ms']} | {ratio:.0%} |")
    pulls = ", ".join(f"c={r['concurrency']}: {r['per_second']}/s (p99 {r['p99_ms']} ms)"
                      for r in result["raw_floor_with_outbox_pull"])
    half, aims = result["http_half_peak_open_loop"], result["aims"]
    lines += ["", f"Raw floor plus the outbox clean-up write: {pulls}.",
              "", f"Peak HTTP / peak raw floor: {aims['http_peak_over_raw_peak']:.0%} "
              f"(aim: at least 60%).",
              f"Open loop at half the HTTP peak ({half['rate']}/s for {half['seconds']} s, "
              f"measured from each request's scheduled start): p50 {half['p50_ms']} ms, "
              f"p99 {half['p99_ms']} ms, errors {half['errors']} (aim: p99 under 250 ms)."]
    return "\n".join(lines)
