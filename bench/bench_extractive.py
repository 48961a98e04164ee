"""Benchmark: `ExtractiveSummarizer.summarize_one` speed, against a baseline tree in the same run.

Each measurement runs in a fresh interpreter: the synthetic day (the 30 sample papers repeated with
new ids and titles, made by `bench/bench_offline.py --make-day`) and the ~1,550 real papers of
tests/data (the recorded 2024-11-28 feed, the OAI records, the reference day; as bench/bench_ranking.py
loads them) are summarized one paper at a time by one summarizer, serially. With `--baseline`,
rounds alternate between that tree's `src` (first on PYTHONPATH) and this one, and the best round of
each is reported with the speed ratio. Times are the child's CPU time (`time.process_time`), so a
loaded machine skews them less than wall time. With `--check`, every `Summary.model_dump()` of both trees is
compared, field by field, for every paper of both sets.

    python bench/bench_extractive.py --baseline /work/base/src --check   # the reported run
    python bench/bench_extractive.py --size 2000 --rounds 1              # a quick look at this tree

Exit code 1 if outputs differ (with `--check`).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"


def load_real_papers() -> list[Any]:
    """Every real paper the repository holds (tests/fakes/real_papers.py), oldest id first."""
    sys.path.insert(0, str(ROOT / "tests"))
    from fakes.real_papers import load_real_papers as load

    return load()


def run_child(workdir: Path, dump: Path | None) -> dict[str, Any]:
    """Summarize the day and the real papers in this interpreter; time `summarize_one` over each set."""
    import paperbrief
    from paperbrief.sources.sample import load_day_file
    from paperbrief.summarize.extractive import ExtractiveSummarizer

    _date, day = load_day_file(workdir / "day.json")
    real = load_real_papers()
    summarizer = ExtractiveSummarizer()
    figures: dict[str, Any] = {"tree": str(Path(paperbrief.__file__).resolve().parent.parent)}
    out = dump.open("w", encoding="utf-8") if dump is not None else None
    for name, papers in (("day", day), ("real", real)):
        # CPU time of this process: on a shared machine, wall time mostly measures the other processes.
        started = time.process_time()
        summaries = [summarizer.summarize_one(p) for p in papers]
        elapsed = time.process_time() - started
        figures[name] = {"papers": len(papers), "seconds": elapsed, "papers_per_second": len(papers) / elapsed}
        if out is not None:
            for summary in summaries:
                out.write(json.dumps(summary.model_dump(mode="json"), ensure_ascii=False, sort_keys=True) + "\n")
    if out is not None:
        out.close()
    return figures


def measure(workdir: Path, src: Path | None, dump: Path | None) -> dict[str, Any]:
    """One round in a fresh interpreter, with `src` first on PYTHONPATH if given."""
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(src), *filter(None, [env.get("PYTHONPATH")])])
    command = [sys.executable, __file__, "--child", "--workdir", str(workdir)]
    if dump is not None:
        command += ["--dump", str(dump)]
    proc = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"child run failed:\n{proc.stderr.strip()}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def compare(this: Path, base: Path) -> tuple[int, list[str]]:
    """How many summaries were compared, and a description of each difference (at most 10)."""
    ours = this.read_text(encoding="utf-8").splitlines()
    theirs = base.read_text(encoding="utf-8").splitlines()
    problems: list[str] = []
    if len(ours) != len(theirs):
        problems.append(f"{len(ours)} summaries here, {len(theirs)} in the baseline")
    for mine, other in zip(ours, theirs, strict=False):
        if mine != other:
            a, b = json.loads(mine), json.loads(other)
            fields = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
            problems.append(f"{a.get('arxiv_id')}: {', '.join(fields)}")
    return min(len(ours), len(theirs)), problems


def _best(rounds: list[dict[str, Any]], name: str) -> float:
    return max(r[name]["papers_per_second"] for r in rounds)


def main() -> int:
    """Measure this tree (and a baseline), print papers/s and ratios, check identity."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", type=Path, help="another tree's src directory, measured in the same run")
    parser.add_argument("--check", action="store_true", help="compare every summary with the baseline's")
    parser.add_argument("--size", type=int, default=10_000, help="papers in the synthetic day")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per tree; the best is reported")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--dump", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_child(args.workdir, args.dump)))
        return 0
    if args.check and args.baseline is None:
        parser.error("--check needs --baseline")
    with tempfile.TemporaryDirectory(prefix="paperbrief-bench-extractive-") as tmp:
        work = Path(tmp)
        subprocess.run(
            [sys.executable, str(ROOT / "bench" / "bench_offline.py"), "--make-day", str(args.size), "--workdir", tmp],
            check=True,
        )
        trees: list[tuple[str, Path | None]] = [("this", ROOT / "src")]
        if args.baseline is not None:
            trees.insert(0, ("baseline", args.baseline.resolve()))
        rounds: dict[str, list[dict[str, Any]]] = {label: [] for label, _src in trees}
        for index in range(args.rounds):
            for label, src in trees:
                dump = work / f"{label}.jsonl" if args.check and index == 0 else None
                result = measure(work, src, dump)
                rounds[label].append(result)
                print(
                    f"round {index + 1} {label:8} ({result['tree']}): day {result['day']['papers_per_second']:7.0f} "
                    f"papers/s, real {result['real']['papers_per_second']:7.0f} papers/s",
                    flush=True,
                )
        for name in ("day", "real"):
            papers = rounds["this"][0][name]["papers"]
            line = f"{name:4} ({papers} papers): this {_best(rounds['this'], name):7.0f} papers/s"
            if args.baseline is not None:
                base = _best(rounds["baseline"], name)
                line += f", baseline {base:7.0f} papers/s, ratio {_best(rounds['this'], name) / base:.2f}x"
            print(line)
        if args.check:
            compared, problems = compare(work / "this.jsonl", work / "baseline.jsonl")
            for problem in problems[:10]:
                print(f"DIFFERENT {problem}")
            print(f"identity: {compared} summaries compared, {len(problems)} differ")
            return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
