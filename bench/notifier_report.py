"""The notifier fan-out benchmark's figures as the Markdown block of docs/benchmarks/notifier.md."""

from __future__ import annotations

from typing import Any


def markdown(result: dict[str, Any]) -> str:
    fan, floor, aims = result["fan_out"], result["floor"], result["aims"]
    rate_met = "met" if fan["per_second"] >= aims["per_second"] else "not met"
    floor_met = "met" if result["over_floor"] >= aims["over_floor"] else "not met"
    lines = [
        f"Run of {result['at']} ({result['machine']['cpus']} cores, load average at start "
        f"{result['machine']['load_average_at_start'][0]:.1f}), {result['database']}, "
        f"Kafka {result['kafka']}, Mailpit {result['mailpit']}; "
        f"{result['connections']} persistent SMTP connections.",
        "",
        "| | messages | seconds | messages/s |",
        "|---|---|---|---|",
        f"| notifier fan-out (events published -> last message stored in Mailpit) | "
        f"{fan['journalists']} | {fan['seconds']} | **{fan['per_second']}** |",
        f"| floor (pre-rendered, straight to Mailpit, same connections) | "
        f"{floor['messages']} | {floor['seconds']} | {floor['per_second']} |",
        "",
        f"- Aim >= {aims['per_second']} deliveries/s: **{fan['per_second']}, {rate_met}**; "
        f">= {aims['over_floor']:.0%} of the floor: **{result['over_floor']:.0%}, "
        f"{floor_met}**.",
        f"- First message in Mailpit {fan['first_message_s']} s after the events were "
        f"published; {fan['per_second_after_first']} messages/s from then on.",
        f"- Duplicates: **{fan['duplicates']}** ({fan['received']} messages received for "
        f"{fan['journalists'] + 1} deliveries).",
        f"- A second article's single subscriber, published once 10% of the fan-out was "
        f"stored, had their release after **{fan['second_article_wait_s']} s** (the fan-out "
        "still under way).",
        f"- CPU during the fan-out (% of one core): {fan.get('cpu_percent_of_a_core')}; "
        f"sender batches: {fan.get('batches')}.",
        f"- Notifier RSS: idle {fan['idle_rss_mib']} MiB, peak {fan['peak_rss_mib']} MiB; "
        "along the way: " + ", ".join(
            f"{s['stored']} stored: {s['rss_mib']} MiB" for s in fan["rss_mib_along_the_way"]),
    ]
    return "\n".join(lines)
