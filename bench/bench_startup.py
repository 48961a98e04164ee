"""Start-up benchmark: `paperbrief --help`, `--version`, the imports before a run's first byte of work.

Each figure is the median of R fresh interpreters (the OS page cache warm after the first). The
baseline is another git revision (default `main`), its `src/` copied by `git archive`, run by
the same interpreter with its `src/` first on `sys.path`, in the same run:

    python bench/bench_startup.py                 # this tree vs main, 7 runs each
    python bench/bench_startup.py --baseline HEAD~3 --repeat 11

Rows: `--help` and `--version` through the `paperbrief` console entry; "run: first byte of work"
is the time until `paperbrief run` has parsed its flags and imported everything it needs to call
`pipeline.run_day` (the CLI module, the pipeline, the stages), measured as an import in a fresh
interpreter. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CASES: dict[str, list[str]] = {
    "paperbrief --help": [
        "-c",
        "import sys; sys.argv=['paperbrief','--help']; from paperbrief.cli import entry; entry()",
    ],
    "paperbrief --version": [
        "-c",
        "import sys; sys.argv=['paperbrief','--version']; from paperbrief.cli import entry; entry()",
    ],
    "paperbrief run --help": [
        "-c",
        "import sys; sys.argv=['paperbrief','run','--help']; from paperbrief.cli import entry; entry()",
    ],
    "run: first byte of work": [
        "-c",
        "import paperbrief.cli, paperbrief.cli.run, paperbrief.pipeline, paperbrief.stages",
    ],
}


def time_case(src: Path, argv: list[str], repeat: int) -> float:
    """Median wall seconds of `python argv` with `src` first on the import path."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    walls = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run([sys.executable, *argv], env=env, capture_output=True, check=True)
        walls.append(time.perf_counter() - started)
    return statistics.median(walls)


def main() -> int:
    """Print a Markdown table: baseline vs this tree, and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--baseline", default=None, help="git revision to compare with [merge-base of HEAD and main]")
    parser.add_argument("--repeat", type=int, default=7, help="fresh interpreters per row [7]")
    args = parser.parse_args()
    if args.baseline is None:  # the main this branch started from: the code it replaces
        args.baseline = subprocess.run(
            ["git", "-C", str(ROOT), "merge-base", "HEAD", "main"], capture_output=True, text=True, check=True
        ).stdout.strip()[:12]
    with tempfile.TemporaryDirectory(prefix="paperbrief-startup-") as tmp:
        base = Path(tmp) / "base"
        base.mkdir()
        # `git archive` copies the baseline's src/ without touching the repository's worktrees.
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", args.baseline, "src"], capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(base)], input=archive, check=True)
        base_ref = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", args.baseline], capture_output=True, text=True, check=True
        ).stdout.strip()
        time_case(ROOT / "src", CASES["paperbrief --version"], 1)  # warm the page cache
        print(
            f"median of {args.repeat} fresh interpreters; baseline {args.baseline} ({base_ref}), "
            f"python {sys.version.split()[0]}\n"
        )
        print(f"| case | {args.baseline} s | this tree s | ratio |")
        print("|---|---:|---:|---:|")
        for name, argv in CASES.items():
            before = time_case(base / "src", argv, args.repeat)
            after = time_case(ROOT / "src", argv, args.repeat)
            print(f"| {name} | {before:.3f} | {after:.3f} | {after / before:.2f}× |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
