"""The pipeline benchmark's figures as the Markdown block of docs/benchmarks/pipeline.md."""

from __future__ import annotations

from typing import Any


def _ratio(value: float, floor: float) -> str:
    return f"{value / floor:.1f}x" if floor > 0 else "-"


def markdown(result: dict[str, Any]) -> str:
    label = "SMOKE RUN (tiny durations, busy machine): not a measurement. " if result[
        "smoke"] else ""
    seeded = result["seeded"]
    followers = len(seeded["following_bench_opd"])
    lines = [
        f"{label}Run of {result['at']} ({result['machine']['cpus']} cores, load average at "
        f"start {result['machine']['load_average_at_start'][0]:.1f}), {result['database']}, "
        f"Kafka {result['kafka']}; notifier database seeded with {seeded['journalists']:,} "
        f"journalists ({followers} following the benchmark's OPD) and "
        f"{seeded['deliveries']:,} deliveries; feed polled every "
        f"{result['poll_seconds'] * 1000:.0f} ms.",
        "",
        "| approvals/s | approved | published (seen in feed) | approve 2xx p50 / p99 ms | "
        "approve 2xx -> feed p50 ms | p99 ms | max ms | floor p50 ms | floor p99 ms | "
        "p99 / floor |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run, floor in zip(result["runs"], result["floor"], strict=True):
        feed, ffeed, http = run["to_feed"], floor["to_feed"], run["approve_http"]
        lines.append(
            f"| {run['rate']:g} | {run['approved']}/{run['count']} | {run['published']} "
            f"({run['seen_in_feed']}) | "
            f"{http['p50_ms']} / {http['p99_ms']} | {feed['p50_ms']} | {feed['p99_ms']} | "
            f"{feed['max_ms']} | {ffeed['p50_ms']} | {ffeed['p99_ms']} | "
            f"{_ratio(feed['p99_ms'], ffeed['p99_ms'])} |")
    lines += ["", "CPU during each run (percent of one core, from the first approval until the "
              "last article was on the feed; the benchmark process is not counted):", ""]
    for run in result["runs"]:
        lines.append(f"- {run['rate']:g}/s: " + ", ".join(
            f"{name} {value}%" for name, value in run["cpu_percent"].items()))
    lines += ["", "Where the time goes, p50 / p99 ms (the publisher's record: `created_at` when "
              "it consumed the approval, `published_at`; same host, so one clock):", "",
              "| approvals/s | 2xx -> consumed (Kafka hop) | consumed -> published | "
              "published -> seen in feed |", "|---|---|---|---|"]
    for run in result["runs"]:
        cells = " | ".join(f"{run['stages'][k]['p50_ms']} / {run['stages'][k]['p99_ms']}"
                           for k in ("kafka_hop", "publisher_handling", "until_seen_in_feed"))
        lines.append(f"| {run['rate']:g} | {cells} |")
    serial = result["floor_one_at_a_time"]
    lines += ["", f"Floor one approval at a time, in order (as the publisher's consumer takes "
              f"them), at {serial['rate']:g}/s: p50 {serial['to_feed']['p50_ms']} ms, p99 "
              f"{serial['to_feed']['p99_ms']} ms; its write path p50 "
              f"{serial['write_path']['p50_ms']} ms."]
    cpu = dict(result["idle_cpu_percent"])
    seconds = cpu.pop("seconds")
    drained = result["drained"]
    aims = result["aims"]
    met = "met" if 0 < aims["p99_ms_at_20_per_s"] < aims["p99_under_ms"] else "not met"
    lines += [
        "",
        f"The notifier sent {drained['emails_sent']} of the {drained['emails_expected']} "
        f"emails the approvals cause {drained['seconds_after_last_run']} s after the last "
        f"rate's run ended (the SMTP sink received {drained['emails_received_by_sink']}).",
        "",
        f"Idle CPU afterwards (percent of one core over {seconds:g} s): "
        + ", ".join(f"{name} {value}%" for name, value in cpu.items()) + ".",
        "",
        f"Feed polls: {result['feed_polls']} ({result['poll_errors']} failed).",
        "",
        f"Aim: p99 approve -> feed under {aims['p99_under_ms']} ms at 20/s: "
        f"**{aims['p99_ms_at_20_per_s']} ms, {met}**.",
    ]
    refusals = [r for run in result["runs"] for r in run["refusals"]]
    if refusals:
        lines += ["", "Refused approvals (first few): " + "; ".join(refusals)]
    return "\n".join(lines)
