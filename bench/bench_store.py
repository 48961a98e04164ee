"""The store's share of a 10,000-paper offline run, call by call, optionally against another tree.

A run's store calls alone, on a fresh SQLite file: `record_announcement` of a synthetic day (the
day of `bench_offline.py`), the summarize stage (`summarize_entries` with the run's claim settings,
`claim_batch_for(8, 5)`) fed extractive summaries computed beforehand by a free summarizer, then
`save_digest`. Each `Store` method is timed (wall and this process's CPU time: on a shared machine
CPU time is what the call costs an idle core). Each round runs in a fresh interpreter.

    python bench/bench_store.py                               # 10,000 papers, this tree
    python bench/bench_store.py --baseline /work/base/src     # and another tree's code, back to back

Prints the median of `--rounds` per method, and with `--baseline` the ratio of the store totals.
See docs/store.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

METHODS = ["put_summaries", "claim_summaries", "record_announcement", "save_digest", "get_summaries", "release_claims"]


def prepare(workdir: Path, size: int) -> None:
    """The day file and its extractive summaries (computed once, outside the measured runs)."""
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_offline import make_day_file
    from paperbrief.sources.sample import load_day_file
    from paperbrief.summarize.extractive import ExtractiveSummarizer

    make_day_file(size, workdir / "day.json")
    _date, papers = load_day_file(workdir / "day.json")
    made = ExtractiveSummarizer().summarize(papers).summaries
    (workdir / "summaries.jsonl").write_text("\n".join(s.model_dump_json() for s in made), encoding="utf-8")


def run_child(workdir: Path) -> dict[str, Any]:
    """One measured run (inside a fresh interpreter): figures per Store method."""
    import functools

    from paperbrief.models import Digest, DigestEntry, DigestStats, Paper, Summary
    from paperbrief.sources.sample import load_day_file
    from paperbrief.store import Store
    from paperbrief.summarize.base import Scoring, SummarizeResult
    from paperbrief.summarize.stage import ClaimOptions, claim_batch_for, summarize_entries

    date, papers = load_day_file(workdir / "day.json")
    assert date is not None
    lines = (workdir / "summaries.jsonl").read_text(encoding="utf-8").splitlines()
    made = {(s.arxiv_id, s.version): s for s in (Summary.model_validate_json(line) for line in lines)}

    class Precomputed:
        """A free summarizer handing out the extractive summaries made beforehand."""

        backend = model = "extractive"
        language = "zh"
        scoring = Scoring.NONE
        free = True
        prompt_version = next(iter(made.values())).prompt_version

        def summarize(self, batch: list[Paper], on_result: Any = None) -> SummarizeResult:
            out = []
            for paper in batch:
                summary = made[(paper.arxiv_id, paper.version)].model_copy(update={"created": None})
                if on_result is not None:
                    on_result(summary)
                out.append(summary)
            return SummarizeResult(out)

        def highlights(self, entries: Any, store: Any = None, *, refresh: bool = False) -> None:
            return None

    figures: dict[str, list[float]] = {}

    def timed(name: str) -> None:
        original = getattr(Store, name)

        @functools.wraps(original)
        def wrapper(self: Store, *args: Any, **kwargs: Any) -> Any:
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return original(self, *args, **kwargs)
            finally:
                calls, w, c = figures.get(name, [0, 0.0, 0.0])
                figures[name] = [calls + 1, w + time.perf_counter() - wall, c + time.process_time() - cpu]

        setattr(Store, name, wrapper)

    for name in METHODS:
        timed(name)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(f"sqlite:///{tmp}/pb.db")
        store.record_announcement(date, papers)
        run_id = store.start_run(date, source="file", summarizer="extractive")
        stage = summarize_entries(
            store, Precomputed(), papers, run_id=run_id, claims=ClaimOptions(batch=claim_batch_for(8, 5))
        )
        entries = [DigestEntry(paper=p, summary=stage.for_paper(p)) for p in papers]
        store.save_digest(Digest(date=date, entries=entries, stats=DigestStats(selected=len(entries)), source="file"))
        store.close()
    return {"figures": figures}


def measure(workdir: Path, src: Path | None) -> dict[str, list[float]]:
    """One round in a fresh interpreter, with `src` first on PYTHONPATH if given."""
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(src), *filter(None, [env.get("PYTHONPATH")])])
    command = [sys.executable, __file__, "--child", str(workdir)]
    proc = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    figures: dict[str, list[float]] = json.loads(proc.stdout.strip().splitlines()[-1])["figures"]
    return figures


def report(label: str, rounds: list[dict[str, list[float]]]) -> float:
    """Print the median per method over the rounds; returns the median store total (wall)."""
    print(f"{label}:")
    totals_wall = [sum(f[1] for f in r.values()) for r in rounds]
    totals_cpu = [sum(f[2] for f in r.values()) for r in rounds]
    for name in METHODS:
        seen = [r[name] for r in rounds if name in r]
        if not seen:
            continue
        calls = int(seen[0][0])
        wall = statistics.median(f[1] for f in seen)
        cpu = statistics.median(f[2] for f in seen)
        print(f"  {name:22s} {calls:5d} calls {wall:7.2f} s wall {cpu:7.2f} s CPU")
    wall, cpu = statistics.median(totals_wall), statistics.median(totals_cpu)
    print(f"  {'store total':22s}             {wall:7.2f} s wall {cpu:7.2f} s CPU")
    return cpu


def main() -> None:
    """Prepare the day once, run the rounds (alternating trees), print medians and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline", type=Path, help="Another tree's src folder, measured back to back.")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(run_child(args.child)))
        return
    with tempfile.TemporaryDirectory(prefix="paperbrief-bench-store-") as tmp:
        workdir = Path(tmp)
        prepare(workdir, args.papers)
        load = os.getloadavg()[0]
        mine: list[dict[str, list[float]]] = []
        theirs: list[dict[str, list[float]]] = []
        for _ in range(args.rounds):
            if args.baseline is not None:
                theirs.append(measure(workdir, args.baseline))
            mine.append(measure(workdir, None))
        print(f"{args.papers:,} papers, {args.rounds} rounds, load average {load:.1f} → {os.getloadavg()[0]:.1f}")
        cpu = report("this tree", mine)
        if theirs:
            base = report(f"baseline {args.baseline}", theirs)
            print(f"store total CPU, this tree / baseline: {cpu / base:.2f}")


if __name__ == "__main__":
    main()
