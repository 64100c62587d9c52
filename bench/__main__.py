"""`make bench`: every benchmark in turn, each in its own process with a time bound.

Figures, never pass/fail: a benchmark that misses its aim still succeeds; one that crashes or
overruns its bound is reported, and the others run anyway.
"""

from __future__ import annotations

import subprocess
import sys
import time

# (module, seconds it may take at most): 25 minutes in all; about 15 on a quiet 2-core machine.
BENCHMARKS = (("bench.ingest_bench", 300), ("bench.pipeline_bench", 420),
              ("bench.photo_bench", 180), ("bench.notifier_fanout", 600),
              ("bench.channels", 540))


def main() -> int:
    failed = []
    for module, bound in BENCHMARKS:
        print(f"\n=== {module} (at most {bound} s) ===", flush=True)
        started = time.monotonic()
        try:
            code = subprocess.run([sys.executable, "-m", module], timeout=bound,
                                  check=False).returncode
        except subprocess.TimeoutExpired:  # killed; its servers die with it (PDEATHSIG)
            code = -1
        print(f"=== {module}: exit {code} after {time.monotonic() - started:.0f} s ===",
              flush=True)
        if code != 0:
            failed.append(module)
    if failed:
        print(f"\nfailed or overran: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
