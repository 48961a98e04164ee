"""Writing a day's Markdown + JSON and selecting its papers: this tree against a baseline tree, same run.

    python bench/bench_render.py --baseline /work/base/src            # 10,000 synthetic papers
    python bench/bench_render.py --baseline /work/base/src --real     # the ~1,550 real papers of tests/data

One digest is prepared first (selection `latest`, extractive summaries, report order; by the
baseline tree when given) and saved as JSON. Then each tree, in fresh subprocesses taking turns,
loads that digest and times `render.files.write_digest_files` (into a new directory each time, so
no run finds its files already written) and `select.select_papers` on the day's papers (best of
`--repeat`). Prints seconds per tree and the ratios, and checks that both trees wrote the same
bytes (Markdown and JSON) and made the same selection (entries, decisions, reasons). Exit code 1
when the outputs differ. The synthetic day is bench_offline's (the 30 sample papers repeated with
new ids and titles); `--real` checks identity on varied real text.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"


def _make_real_day(path: Path) -> None:
    """A day file of every real paper the repository holds (bench_ranking.load_papers), comments included."""
    sys.path.insert(0, str(HERE))
    from bench_ranking import load_papers

    items = [
        {
            "id": p.arxiv_id,
            "version": p.version,
            "title": p.title,
            "authors": p.authors,
            "abstract": p.abstract,
            "categories": p.categories,
            "primary_category": p.primary_category,
            "published": (p.published.isoformat() if p.published else "2026-02-04T00:00:00+00:00"),
            "comment": p.comment,
            "journal_ref": p.journal_ref,
        }
        for p in load_papers()
    ]
    path.write_text(json.dumps({"announced": "2026-02-04", "papers": items}), encoding="utf-8")


def _options(size: int) -> Any:
    from paperbrief.select import SelectOptions

    return SelectOptions(mode="latest", max_papers=size, language="zh")


def prepare(workdir: Path) -> None:
    """Select, summarize (extractive) and order the day; save the digest as `workdir/digest.json`."""
    from paperbrief.models import Digest, DigestStats
    from paperbrief.render.json_out import render_json
    from paperbrief.render.layout import ordered_entries
    from paperbrief.select import select_papers
    from paperbrief.sources.sample import load_day_file
    from paperbrief.summarize.extractive import ExtractiveSummarizer

    date, papers = load_day_file(workdir / "day.json")
    assert date is not None
    selection = select_papers(papers, _options(len(papers)))
    summaries = ExtractiveSummarizer().summarize([e.paper for e in selection.entries]).summaries
    for entry, summary in zip(selection.entries, summaries, strict=True):
        entry.summary = summary
    entries = ordered_entries(Digest(date=date, entries=selection.entries))
    stats = DigestStats(selected=len(entries), summarized=len(entries), announced={"cs.AI": len(papers)})
    digest = Digest(date=date, entries=entries, stats=stats, source="file", warnings=selection.notes)
    (workdir / "digest.json").write_text(render_json(digest), encoding="utf-8")


def time_child(workdir: Path, out: Path, repeat: int) -> dict[str, float]:
    """Time write_digest_files and select_papers in this interpreter; leave the outputs in `out`."""
    from paperbrief.render.files import write_digest_files
    from paperbrief.render.json_out import load_digest_json
    from paperbrief.select import select_papers
    from paperbrief.sources.sample import load_day_file

    digest = load_digest_json((workdir / "digest.json").read_text(encoding="utf-8"))
    _date, papers = load_day_file(workdir / "day.json")
    options = _options(len(papers))
    write_times: list[float] = []
    select_times: list[float] = []
    for i in range(repeat):
        target = out / f"write-{i}"
        started = time.perf_counter()
        write_digest_files(digest, target)
        write_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        selection = select_papers(papers, options)
        select_times.append(time.perf_counter() - started)
    dump = {
        "entries": [e.model_dump(mode="json") for e in selection.entries],
        "decisions": selection.decisions,
        "reasons": {k: v.model_dump(mode="json") for k, v in selection.reasons.items()},
        "notes": selection.notes,
        "candidates": selection.candidates,
        "mode": str(selection.mode),
    }
    (out / "selection.json").write_text(json.dumps(dump, ensure_ascii=False, indent=1), encoding="utf-8")
    return {"write": min(write_times), "select": min(select_times)}


def _run(args: list[str], src: Path) -> str:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(src), *filter(None, [env.get("PYTHONPATH")])])
    proc = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} with {src} failed:\n{proc.stderr.strip()}")
    return proc.stdout


def _same_outputs(a: Path, b: Path) -> list[str]:
    """Names of the files that differ between two output directories (first write of each)."""
    problems: list[str] = []
    first_a, first_b = a / "write-0", b / "write-0"
    names = sorted({p.name for p in first_a.iterdir()} | {p.name for p in first_b.iterdir()})
    for name in names:
        if not (first_a / name).is_file() or not (first_b / name).is_file():
            problems.append(f"{name}: missing in one tree")
        elif not filecmp.cmp(first_a / name, first_b / name, shallow=False):
            problems.append(f"{name}: bytes differ")
    if not filecmp.cmp(a / "selection.json", b / "selection.json", shallow=False):
        problems.append("selection (entries, decisions or reasons) differs")
    return problems


def _prepare(args: argparse.Namespace, workdir: Path, src: Path) -> None:
    if args.real:
        _run(["--make-real", "--workdir", str(workdir)], SRC)
    else:
        offline = HERE / "bench_offline.py"
        subprocess.run(
            [sys.executable, str(offline), "--make-day", str(args.size), "--workdir", str(workdir)],
            check=True,
            env={**os.environ, "PYTHONPATH": str(SRC)},
        )
    _run(["--prepare", "--workdir", str(workdir)], src)


def main() -> int:
    """Prepare the day, time both trees in turns, print ratios and the identity check."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--baseline", type=Path, help="another tree's src directory, measured in the same run")
    parser.add_argument("--size", type=int, default=10_000, help="papers of the synthetic day (default 10,000)")
    parser.add_argument("--real", action="store_true", help="the real papers of tests/data instead of a synthetic day")
    parser.add_argument("--repeat", type=int, default=3, help="timed repetitions per process (best is kept)")
    parser.add_argument("--rounds", type=int, default=2, help="fresh processes per tree, taking turns")
    parser.add_argument("--workdir", type=Path, help="keep the day, digest and outputs here")
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--time", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--make-real", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make_real:
        _make_real_day(args.workdir / "day.json")
        return 0
    if args.prepare:
        prepare(args.workdir)
        return 0
    if args.time is not None:
        args.time.mkdir(parents=True, exist_ok=True)
        print(json.dumps(time_child(args.workdir, args.time, args.repeat)))
        return 0
    with tempfile.TemporaryDirectory(prefix="paperbrief-bench-render-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        return _compare(args, workdir.resolve())


def _compare(args: argparse.Namespace, workdir: Path) -> int:
    trees = {"this": SRC}
    if args.baseline is not None:
        trees = {"baseline": args.baseline.resolve(), "this": SRC}
    if (workdir / "digest.json").is_file():
        print(f"reusing the day and digest in {workdir}")
    else:
        _prepare(args, workdir, next(iter(trees.values())))
    papers = len(json.loads((workdir / "day.json").read_text(encoding="utf-8"))["papers"])
    shutil.rmtree(workdir / "out", ignore_errors=True)
    print(f"{papers} papers ({'real' if args.real else 'synthetic'}), load average {os.getloadavg()[0]:.1f}")
    best: dict[str, dict[str, float]] = {}
    for round_ in range(args.rounds):
        for name, src in trees.items():
            out = workdir / "out" / name
            line = _run(["--time", str(out), "--workdir", str(workdir), "--repeat", str(args.repeat)], src)
            figures = json.loads(line.strip().splitlines()[-1])
            print(f"round {round_ + 1} {name:>8}: write {figures['write']:.3f} s, select {figures['select']:.3f} s")
            kept = best.setdefault(name, figures)
            best[name] = {k: min(kept[k], figures[k]) for k in figures}
    for name, figures in best.items():
        print(f"best {name:>8}: write_digest_files {figures['write']:.3f} s, select_papers {figures['select']:.3f} s")
    if "baseline" not in best:
        return 0
    for key in ("write", "select"):
        print(f"{key}: this tree takes {best['this'][key] / best['baseline'][key]:.2f}x the baseline's time")
    problems = _same_outputs(workdir / "out" / "baseline", workdir / "out" / "this")
    for problem in problems:
        print(f"DIFFERENT: {problem}")
    print("identical outputs: Markdown, JSON, selection" if not problems else "FAIL: outputs differ")
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
