"""Offline pipeline benchmark: store + extractive summaries + Markdown + JSON on synthetic days.

Each size runs `pipeline.run_day` on a synthetic day file (the 30 sample papers repeated with new
ids and titles) in a fresh subprocess with its own temp home, so peak RSS
(`resource.getrusage(RUSAGE_SELF).ru_maxrss`) belongs to that size alone.

    python bench/bench_offline.py            # 1,000 and 10,000 papers
    python bench/bench_offline.py --quick    # 100 and 1,000 papers
    python bench/bench_offline.py --direct   # the four core stages without pipeline.run_day
    python bench/bench_offline.py --baseline OTHER/src   # also run another tree's code, back to back

Prints papers/second and peak RSS per size, the time-per-paper ratio large/small (linearity) and
PASS/FAIL against the bounds: peak RSS of the large run < 300 MB, ratio < 1.5, and (issue 15)
>= 400 papers/s on the large run. With `--baseline`, each size runs first with that tree's
`src` on PYTHONPATH, then with this one, and the speed and RSS ratios are printed.
Exit code 1 on FAIL. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

RSS_BOUND_MB = 300.0
LINEARITY_BOUND = 1.5
SPEED_TARGET = 400.0  # papers/s at 10,000 papers (issue 15)
SYNTHETIC_DATE = dt.date(2026, 2, 4)


def make_day_file(size: int, path: Path) -> None:
    """Write a day of `size` papers in the sample format, made from the 30 bundled sample papers."""
    from paperbrief.sources.sample import load_sample_day

    _date, papers = load_sample_day()
    items: list[dict[str, Any]] = []
    for i in range(size):
        base = papers[i % len(papers)]
        copy = i // len(papers)
        # New-style ids with five digits: 2602.10000 … 2602.99999 (the yymm.nnnnn form arXiv uses since 2015).
        items.append(
            {
                "id": f"2602.{10000 + i:05d}",
                "version": 1,
                "title": f"{base.title} (variant {copy})",
                "authors": base.authors,
                "abstract": base.abstract if copy == 0 else f"{base.abstract} This is variant {copy}.",
                "categories": base.categories,
                "published": (base.published or dt.datetime(2026, 2, 4, tzinfo=dt.UTC)).isoformat(),
            }
        )
    path.write_text(
        json.dumps({"announced": SYNTHETIC_DATE.isoformat(), "note": "synthetic", "papers": items}),
        encoding="utf-8",
    )


def run_child(size: int, workdir: Path) -> dict[str, Any]:
    """Run the offline pipeline once on `size` papers (inside the measuring subprocess)."""
    from paperbrief.pipeline import RunRequest, run_day
    from paperbrief.settings import Settings
    from paperbrief.store import Store

    day_file = workdir / "day.json"
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    settings = Settings(
        home=workdir / "home",
        out_dir=workdir / "out",
        summarizer="extractive",
        max_papers=size,
        select_mode="latest",
        select_highlights=False,
    )
    settings.home.mkdir(parents=True, exist_ok=True)
    store = Store.open(settings.resolved_database_url)
    started = time.perf_counter()
    outcome = run_day(
        settings,
        store,
        RunRequest(day_file=day_file, deliver=False, site=False),
    )
    elapsed = time.perf_counter() - started
    run = next((r for r in store.list_runs(5) if r.id == outcome.run_id), None)
    timings = dict((run.stats or {}).get("timings", {})) if run is not None else {}
    store.close()
    return {
        "size": size,
        "entries": len(outcome.digest.entries),
        "stages": timings,
        "seconds": elapsed,
        "papers_per_second": size / elapsed,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,  # Linux reports KiB
        "rss_after_imports_mb": rss_before,
        "files": {p.name: p.stat().st_size for p in outcome.files},
    }


def run_child_direct(size: int, workdir: Path) -> dict[str, Any]:
    """The four core stages driven directly: store, extractive summaries, Markdown + JSON files."""
    from paperbrief.models import Digest, DigestEntry, DigestStats
    from paperbrief.render.files import write_digest_files
    from paperbrief.sources.sample import load_day_file
    from paperbrief.store import Store
    from paperbrief.store.db import sqlite_url
    from paperbrief.summarize.extractive import ExtractiveSummarizer

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    (workdir / "home").mkdir(parents=True, exist_ok=True)
    store = Store.open(sqlite_url(workdir / "home" / "paperbrief.db"))
    started = time.perf_counter()
    date, papers = load_day_file(workdir / "day.json")
    assert date is not None
    store.record_announcement(date, papers)
    summarizer = ExtractiveSummarizer()
    summaries = summarizer.summarize(papers, on_result=store.put_summary).summaries
    entries = [DigestEntry(paper=p, summary=s) for p, s in zip(papers, summaries, strict=True)]
    digest = Digest(date=date, entries=entries, stats=DigestStats(selected=len(entries)), source="file")
    files = write_digest_files(digest, workdir / "out")
    elapsed = time.perf_counter() - started
    store.close()
    return {
        "size": size,
        "entries": len(digest.entries),
        "seconds": elapsed,
        "papers_per_second": size / elapsed,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_after_imports_mb": rss_before,
        "files": {p.name: p.stat().st_size for p in files},
    }


def measure(size: int, direct: bool = False, src: Path | None = None) -> dict[str, Any]:
    """Run one size in a fresh interpreter (with `src` first on PYTHONPATH if given) and return its figures."""
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(src), *filter(None, [env.get("PYTHONPATH")])])
    with tempfile.TemporaryDirectory(prefix="paperbrief-bench-") as tmp:
        # The day file is made by a process of its own: Linux carries ru_maxrss across fork+exec, so
        # a parent that had built it would lend its own peak to the measured child.
        subprocess.run([sys.executable, __file__, "--make-day", str(size), "--workdir", tmp], check=True)
        proc = subprocess.run(
            [sys.executable, __file__, "--child", str(size), "--workdir", tmp, *(["--direct"] if direct else [])],
            capture_output=True,
            text=True,
            check=False,
            env=env,
        )
    if proc.returncode != 0:
        raise SystemExit(f"run of {size} papers failed:\n{proc.stderr.strip()}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    """Run both sizes and print figures, ratios and PASS/FAIL."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="100 and 1,000 papers instead of 1,000 and 10,000")
    parser.add_argument(
        "--direct",
        action="store_true",
        help="drive store, summarizer and renderers directly instead of pipeline.run_day (no selection stage, "
        "no digest archive)",
    )
    parser.add_argument(
        "--baseline", type=Path, help="another tree's src directory, measured back to back with this one"
    )
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--make-day", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make_day is not None:
        make_day_file(args.make_day, args.workdir / "day.json")
        return 0
    if args.child is not None:
        child = run_child_direct if args.direct else run_child
        print(json.dumps(child(args.child, args.workdir)))
        return 0

    small, large = (100, 1000) if args.quick else (1000, 10_000)
    what = "store + extractive + Markdown + JSON, driven directly" if args.direct else "pipeline.run_day"
    print(f"offline pipeline ({what}), python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.1f}")
    baseline: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    for size in (small, large):
        if args.baseline is not None:
            baseline.append(measure(size, args.direct, args.baseline.resolve()))
        results.append(measure(size, args.direct))
    header = f"{'tree':>9} {'papers':>8} {'seconds':>9} {'papers/s':>9} {'peak RSS MB':>12} {'RSS after imports':>18}"
    print(f"{header}  files")
    for tree, rows in (("baseline", baseline), ("this", results)):
        for r in rows:
            _print_row(tree, r)
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    for base, new in zip(baseline, results, strict=False):
        speed = new["papers_per_second"] / base["papers_per_second"]
        rss = new["peak_rss_mb"] / base["peak_rss_mb"]
        print(f"{new['size']} papers: {speed:.2f}x the baseline's papers/s, {rss:.2f}x its peak RSS")
    return 0 if _verdict(results, small, large) else 1


def _print_row(tree: str, r: dict[str, Any]) -> None:
    files = ", ".join(f"{name} {size / 1e6:.1f} MB" for name, size in r["files"].items())
    print(
        f"{tree:>9} {r['size']:>8} {r['seconds']:>9.2f} {r['papers_per_second']:>9.1f} {r['peak_rss_mb']:>12.1f} "
        f"{r['rss_after_imports_mb']:>18.1f}  {files}"
    )
    if r.get("stages"):
        # The run's own stage clock (`runs.stats.timings`): where the seconds went.
        stages = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in r["stages"].items())
        print(f"{'':>9} {'':>8} stages: {stages}")


def _verdict(results: list[dict[str, Any]], small: int, large: int) -> bool:
    """Print PASS/FAIL for entries, linearity, peak RSS and speed; True when all pass."""
    ok = True
    for r in results:
        if r["entries"] != r["size"]:
            print(f"FAIL: the {r['size']}-paper digest has {r['entries']} entries")
            ok = False
    per_paper = [r["seconds"] / r["size"] for r in results]
    ratio = per_paper[1] / per_paper[0]
    linear = ratio < LINEARITY_BOUND
    print(
        f"time per paper {large} vs {small}: {per_paper[1] * 1000:.2f} ms / {per_paper[0] * 1000:.2f} ms = "
        f"{ratio:.2f} (bound < {LINEARITY_BOUND}) {'PASS' if linear else 'FAIL'}"
    )
    peak = results[1]["peak_rss_mb"]
    within = peak < RSS_BOUND_MB
    verdict = "PASS" if within else "FAIL"
    print(f"peak RSS of the {large}-paper run: {peak:.1f} MB (bound < {RSS_BOUND_MB:.0f} MB) {verdict}")
    speed = results[1]["papers_per_second"]
    fast = speed >= SPEED_TARGET
    verdict = "PASS" if fast else "FAIL"
    print(f"speed of the {large}-paper run: {speed:.1f} papers/s (target >= {SPEED_TARGET:.0f}) {verdict}")
    return ok and linear and within and fast


if __name__ == "__main__":
    sys.exit(main())
