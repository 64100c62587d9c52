"""The photo benchmark's figures as the Markdown block of docs/benchmarks/photos.md."""

from __future__ import annotations

from typing import Any


def markdown(result: dict[str, Any]) -> str:
    label = "SMOKE RUN (tiny counts, busy machine): not a measurement. " if result[
        "smoke"] else ""
    photo, http = result["photo"], result["http"]
    before, after, aims = result["floor_before"], result["floor_after"], result["aims"]
    statuses = ", ".join(f"{status}: {n}" for status, n in sorted(http["statuses"].items()))
    met = "met" if aims["http_over_floor"] >= aims["at_least"] else "not met"
    lines = [
        f"{label}Run of {result['at']} ({result['machine']['cpus']} cores, load average at "
        f"start {result['machine']['load_average_at_start'][0]:.1f}), {result['database']}; "
        f"{http['uploads']} different {photo['width']}x{photo['height']} JPEGs with EXIF, "
        f"{photo['mib_min']}-{photo['mib_max']} MiB each.",
        "",
        "| | uploads/s | seconds | each p50 ms | each p99 ms | CPU (% of a core) |",
        "|---|---|---|---|---|---|",
        f"| HTTP, {http['clients']} clients (201s only) | {http['per_second']} | "
        f"{http['seconds']} | {http['each_201']['p50_ms']} | {http['each_201']['p99_ms']} | "
        f"{http['ingest_cpu_percent']} (ingest) |",
        f"| floor before, {before['threads']} threads | {before['per_second']} | "
        f"{before['seconds']} | {before['each']['p50_ms']} | {before['each']['p99_ms']} | "
        f"{before['cpu_percent']} |",
        f"| floor after, {after['threads']} threads | {after['per_second']} | "
        f"{after['seconds']} | {after['each']['p50_ms']} | {after['each']['p99_ms']} | "
        f"{after['cpu_percent']} |",
        "",
        f"Answers: {statuses}.",
        "",
        f"Aim: HTTP at least {aims['at_least']:.0%} of the floor (mean of before and after): "
        f"**{aims['http_over_floor']:.0%}, {met}**; every upload a 201: "
        f"**{'yes' if aims['all_201'] else 'no'}**.",
    ]
    for status, body in http["answers"].items():
        lines += ["", f"A {status} answer: `{body[:200]}`"]
    for error in result["ingest_log_errors"]:
        lines += ["", f"Ingest logged: `{error[:300]}`"]
    return "\n".join(lines)
