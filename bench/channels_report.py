"""The channel benchmark's figures as a Markdown table, and how they compare with the aims."""

from __future__ import annotations

from typing import Any

P99_MARGIN_MS = 1000.0  # aim: the pipeline's p99 within 1 s of the floor's
THROUGHPUT_SHARE = 0.70  # aim: at least 70% of the floor's throughput


def aims(result: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for run, floor in zip(result["runs"], result["floor"], strict=True):
        worst = max(run["per_channel"], key=lambda c: run["per_channel"][c]["p99_ms"]
                    - floor["per_channel"][c]["p99_ms"])
        gap = run["per_channel"][worst]["p99_ms"] - floor["per_channel"][worst]["p99_ms"]
        share = (run["throughput_posts_per_s"] / floor["throughput_posts_per_s"]
                 if floor["throughput_posts_per_s"] else 0.0)
        found.append({"rate": run["rate"], "worst_channel": worst,
                      "p99_gap_ms": round(gap, 1), "p99_aim_met": gap <= P99_MARGIN_MS,
                      "throughput_share": round(share, 3),
                      "throughput_aim_met": share >= THROUGHPUT_SHARE})
    return found


def markdown(result: dict[str, Any]) -> str:
    seconds = ", ".join(f"{s:g} s at {r}/s" for r, s in result["seconds_per_rate"].items())
    lines = [f"Run {result['at']} on {result['machine']['cpus']} CPUs ({seconds}, "
             f"{result['total_seconds']:.0f} s in all); latency from the approval event "
             "to `publication.published` (pipeline) or to the adapter's answer (floor).", "",
             "| rate/s | channel | pipeline p50 ms | pipeline p99 ms | floor p50 ms "
             "| floor p99 ms | published (pipeline / floor) |",
             "|---:|---|---:|---:|---:|---:|---|"]
    for run, floor in zip(result["runs"], result["floor"], strict=True):
        for channel, mine in run["per_channel"].items():
            base = floor["per_channel"][channel]
            lines.append(f"| {run['rate']:g} | {channel} | {mine['p50_ms']} | {mine['p99_ms']} "
                         f"| {base['p50_ms']} | {base['p99_ms']} | {mine['n']}/{run['articles']}"
                         f" / {base['n']}/{floor['articles']} |")
    lines += ["", "| rate/s | queue posts/s | floor posts/s | share | worst p99 gap ms "
              "| aims met (p99, throughput) |", "|---:|---:|---:|---:|---:|---|"]
    for run, floor, aim in zip(result["runs"], result["floor"], result["aims"], strict=True):
        lines.append(f"| {run['rate']:g} | {run['throughput_posts_per_s']} "
                     f"| {floor['throughput_posts_per_s']} | {aim['throughput_share']:.0%} "
                     f"| {aim['p99_gap_ms']} ({aim['worst_channel']}) "
                     f"| {'yes' if aim['p99_aim_met'] else 'no'}, "
                     f"{'yes' if aim['throughput_aim_met'] else 'no'} |")
    return "\n".join(lines)
