"""Run every benchmark in bench/ one after the other: `python bench/run_all.py [--quick]`.

Each benchmark prints its own figures and ratios against a bound or a baseline measured in the
same run; this exits non-zero when any of them reports a failure.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCHES = ["bench_offline.py", "bench_llm.py", "bench_select.py", "bench_sources.py", "site_build.py"]


def main() -> int:
    """Run each benchmark with the given flags; return the number of failures."""
    here = Path(__file__).resolve().parent
    failures = 0
    for name in BENCHES:
        print(f"\n=== {name} {' '.join(sys.argv[1:])}", flush=True)
        result = subprocess.run([sys.executable, str(here / name), *sys.argv[1:]], check=False)
        failures += result.returncode != 0
    print(f"\n{len(BENCHES) - failures} of {len(BENCHES)} benchmarks passed their bounds")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
