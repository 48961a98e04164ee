"""paperbrief against its peers on the same 30-paper day, same fake LLM (latency L), in one run.

Rows, each a fresh process against the fakes (fake arXiv in this process, fake LLM in its own):

- **replaced system** (the one in /work/shared/reference): sequential, 3-5 chat calls per paper
  (tldr+motivation, method, conclusion, then keywords and/or score: 3 + i mod 3 calls for paper i),
  each call the paper's title and abstract and one question, no cache;
- **daily-arXiv-ai-enhanced** (dw-dengwei): one function-calling request per paper (its short
  system text and template around the abstract only, one tool with its five string fields), 8 in
  flight, no cache; its process start and one read of the day's listing included;
- **paperbrief (baseline)**: `paperbrief run` of another git revision (default: the merge-base of
  HEAD and main; its src/ copied by `git archive`): the feed, the throttled API enrichment,
  summaries, highlights;
- **paperbrief**: `paperbrief run` of this tree, same settings (defaults: concurrency 8, batch 5).

Prompt tokens per paper are the characters of the message text sent for the day's summaries
divided by 3 (the engine's own estimate, `len(text) // 3`), the same rule for every row; the
highlights call is counted apart. Timelines are from the fakes' arrival times (time.monotonic,
one clock for every process on Linux), relative to the process start.

    python bench/bench_peers.py             # L = 1 s (the replaced system alone takes ~2 minutes)
    python bench/bench_peers.py --latency 0.2
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from fakes.arxiv_server import FakeArxiv  # noqa: E402

CATS = "cs.AI,cs.CL,cs.CV,cs.LG"
PAPERS = 30

# daily-arXiv-ai-enhanced, ai/system.txt and ai/template.txt (github.com/dw-dengwei/daily-arXiv-ai-enhanced).
PEER_SYSTEM = (
    "You are a professional paper analyst.\nReply in Chinese.\nReturn only a single JSON object with exactly five "
    "fields: tldr, motivation, method, result, conclusion.\nEach field value must be a string.\nDo not output any "
    "extra text, Markdown, code fences, or explanations outside the JSON object.\nBase your analysis only on the "
    "provided abstract and do not invent details.\n"
)
PEER_TEMPLATE = (
    "Analyze the following paper abstract and produce the required JSON output.\n\nAbstract:\n{content}\n\n"
    'Output JSON schema:\n{{\n  "tldr": "...",\n  "motivation": "...",\n  "method": "...",\n  "result": "...",\n'
    '  "conclusion": "..."\n}}\n'
)

PEER_SCRIPT = r"""
import json, sys, time, urllib.request
from concurrent.futures import ThreadPoolExecutor
import openai
base_url, feed_url, system, template = sys.argv[1:5]
FIELDS = ("tldr", "motivation", "method", "result", "conclusion")
abstracts = json.loads(sys.stdin.read())
urllib.request.urlopen(feed_url, timeout=30).read()  # the day's listing, read once
client = openai.OpenAI(api_key="sk-peer", base_url=base_url, max_retries=0)
tool = {"type": "function", "function": {"name": "Structure", "description": "paper summary", "parameters": {
    "type": "object", "properties": {k: {"type": "string"} for k in FIELDS}, "required": list(FIELDS)}}}
def one(abstract):
    r = client.chat.completions.create(model="fake-model", tools=[tool],
        tool_choice={"type": "function", "function": {"name": "Structure"}},
        messages=[{"role": "system", "content": system},
                  {"role": "user", "content": template.format(content=abstract)}])
    return json.loads(r.choices[0].message.tool_calls[0].function.arguments)
with ThreadPoolExecutor(8) as pool:
    out = list(pool.map(one, abstracts))
assert len(out) == len(abstracts) and all(o.get("tldr") for o in out)
"""

REPLACED_SCRIPT = r"""
import json, sys
import openai
base_url = sys.argv[1]
papers = json.loads(sys.stdin.read())
client = openai.OpenAI(api_key="sk-old", base_url=base_url, max_retries=0)
questions = ["Give a one-sentence TL;DR and the motivation.", "Describe the method.", "State the conclusion.",
             "List 5-10 keywords.", "Score the paper from 0 to 100."]
for i, (title, abstract) in enumerate(papers):
    for question in questions[: 3 + i % 3]:
        client.chat.completions.create(model="fake-model", messages=[
            {"role": "system", "content": "You are an expert assistant who summarizes arXiv papers in Chinese."},
            {"role": "user", "content": f"Title: {title}\nAbstract: {abstract}\n\n{question}"}])
"""


@dataclass
class Row:
    """One measured system."""

    name: str
    wall: float
    requests: list[dict[str, Any]]
    arxiv: list[tuple[str, float]] = field(default_factory=list)
    started: float = 0.0
    ok: str = ""

    def tokens_per_paper(self) -> float:
        """Summary message characters / 3 per paper (highlights and other calls excluded)."""
        chars = sum(r["chars"] for r in self.requests if r["kind"] in ("summary", "tools", "plain"))
        return chars / 3 / PAPERS

    def other_tokens(self) -> float:
        """Characters / 3 of the calls that are not per-paper summaries (the highlights call)."""
        return sum(r["chars"] for r in self.requests if r["kind"] == "other") / 3


@contextmanager
def fake_llm(latency: float) -> Iterator[str]:
    """The fake LLM in a process of its own (a provider does not share our GIL), with a prefix cache."""
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "fakes" / "llm_server.py"), "--latency", str(latency), "--prefix-cache"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "tests")},
    )
    try:
        assert proc.stdout is not None
        yield proc.stdout.readline().strip()
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=10)


def llm_requests(base_url: str) -> list[dict[str, Any]]:
    """What the fake LLM received (arrival time, ids, characters, kind)."""
    with urllib.request.urlopen(base_url + "/requests", timeout=10) as response:
        rows: list[dict[str, Any]] = json.loads(response.read())["requests"]
    return rows


def reference() -> list[dict[str, Any]]:
    """The reference day's 30 papers (the fake arXiv serves the same ones)."""
    rows: list[dict[str, Any]] = json.loads(
        (ROOT / "tests" / "data" / "reference" / "sample-2026-02-04.json").read_text(encoding="utf-8")
    )
    return rows


def run_replaced(latency: float) -> Row:
    """The replaced system's call pattern: sequential, 3-5 calls per paper."""
    papers = [[r["title"], r["abstract"]] for r in reference()]
    with fake_llm(latency) as base_url:
        started = time.monotonic()
        subprocess.run(
            [sys.executable, "-c", REPLACED_SCRIPT, base_url], input=json.dumps(papers), text=True, check=True
        )
        wall = time.monotonic() - started
        requests = llm_requests(base_url)
    for r in requests:
        r["kind"] = "plain"
    return Row("replaced system (sequential, 3-5 calls/paper)", wall, requests, started=started, ok="no validation")


def run_peer(latency: float, arxiv: FakeArxiv) -> Row:
    """daily-arXiv-ai-enhanced's request shape: one function call per paper, abstract only, 8 in flight."""
    abstracts = [r["abstract"] for r in reference()]
    feed = f"{arxiv.rss_url}/{CATS.replace(',', '+')}"
    with fake_llm(latency) as base_url:
        started = time.monotonic()
        subprocess.run(
            [sys.executable, "-c", PEER_SCRIPT, base_url, feed, PEER_SYSTEM, PEER_TEMPLATE],
            input=json.dumps(abstracts),
            text=True,
            check=True,
        )
        wall = time.monotonic() - started
        requests = llm_requests(base_url)
    return Row("daily-arXiv-ai-enhanced (function call/paper, C = 8)", wall, requests, started=started, ok="no score")


def run_paperbrief(name: str, src: Path, latency: float, arxiv: FakeArxiv, tmp: Path) -> Row:
    """`paperbrief run` of the tree at `src` against both fakes, default settings, arXiv's 3 s throttle."""
    home, out = tmp / f"{name}-home", tmp / f"{name}-out"
    first = len(arxiv.requests())
    with fake_llm(latency) as base_url:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PAPERBRIEF_", "OPENAI_"))}
        env |= {
            "PYTHONPATH": str(src),
            "PAPERBRIEF_ARXIV_RSS_URL": arxiv.rss_url,
            "PAPERBRIEF_ARXIV_API_URL": arxiv.api_url,
            "PAPERBRIEF_ARXIV_CATEGORIES": CATS,
            "PAPERBRIEF_LLM_BASE_URL": base_url,
            "PAPERBRIEF_LLM_API_KEY": "sk-bench-0123456789",
            "PAPERBRIEF_LLM_MODEL": "fake-model",
            "PAPERBRIEF_SUMMARIZER": "llm",
        }
        argv = ["--home", str(home), "run", "--no-deliver", "--out", str(out)]
        started = time.monotonic()
        proc = subprocess.run(
            [sys.executable, "-c", "from paperbrief.cli import entry; entry()", *argv],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.monotonic() - started
        requests = llm_requests(base_url)
    if proc.returncode != 0:
        raise SystemExit(f"paperbrief run ({name}) failed:\n{proc.stderr}")
    digest = json.loads(next(out.glob("*.json")).read_text(encoding="utf-8"))
    scored = sum(1 for e in digest["entries"] if (e.get("summary") or {}).get("status") == "ok")
    arxiv_times = [(r.path.split("/")[1], r.start) for r in arxiv.requests()[first:]]
    ok = f"{scored}/{len(digest['entries'])} scored and validated"
    return Row(f"paperbrief ({name})", wall, requests, arxiv_times, started, ok)


def timeline(row: Row, latency: float) -> str:
    """The run's events relative to its start."""
    events = [(t - row.started, f"arXiv {path}") for path, t in row.arxiv]
    summaries = sorted(r["at"] - row.started for r in row.requests if r["kind"] != "other")
    if summaries:
        events.append((summaries[0], f"first summary request ({len(summaries)} in all)"))
        events.append((summaries[-1] + latency, "last summary answer"))
    events += [(r["at"] - row.started, "highlights request") for r in row.requests if r["kind"] == "other"]
    events.append((row.wall, "process exit"))
    return "; ".join(f"{t:.2f} s {what}" for t, what in sorted(events))


def main() -> int:
    """Run every row and print the table, the timelines and the verdicts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--latency", type=float, default=1.0, help="seconds per LLM request [1.0]")
    parser.add_argument(
        "--baseline", default=None, help="git revision of the paperbrief baseline row [merge-base of HEAD and main]"
    )
    args = parser.parse_args()
    if args.baseline is None:  # the main this branch started from: the code it replaces
        args.baseline = subprocess.run(
            ["git", "-C", str(ROOT), "merge-base", "HEAD", "main"], capture_output=True, text=True, check=True
        ).stdout.strip()[:12]
    with tempfile.TemporaryDirectory(prefix="paperbrief-peers-") as tmp_name, FakeArxiv() as arxiv:
        tmp = Path(tmp_name)
        base = tmp / "base"
        base.mkdir()
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", args.baseline, "src"], capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(base)], input=archive, check=True)
        rows = [
            run_replaced(args.latency),
            run_peer(args.latency, arxiv),
            run_paperbrief(args.baseline, base / "src", args.latency, arxiv, tmp),
            run_paperbrief("this tree", ROOT / "src", args.latency, arxiv, tmp),
        ]
    replaced, peer, ours = rows[0], rows[1], rows[-1]
    print(f"30 papers, L = {args.latency} s per LLM request, arXiv throttle 3 s (default)\n")
    print("| system | wall s | LLM requests | prompt tok/paper (chars/3) | highlights tok | papers |")
    print("|---|---:|---:|---:|---:|---|")
    for r in rows:
        n = sum(1 for q in r.requests if q["kind"] != "other")
        print(f"| {r.name} | {r.wall:.2f} | {n} | {r.tokens_per_paper():.0f} | {r.other_tokens():.0f} | {r.ok} |")
    print("\nTimelines (seconds from process start):\n")
    for r in rows[2:]:
        print(f"- {r.name}: {timeline(r, args.latency)}")
    checks = [
        ("wall ≤ 1/20 of the replaced system's", ours.wall <= replaced.wall / 20, ours.wall / replaced.wall),
        ("wall < daily-arXiv-ai-enhanced's", ours.wall < peer.wall, ours.wall / peer.wall),
        (
            "prompt tokens/paper ≤ daily-arXiv-ai-enhanced's",
            ours.tokens_per_paper() <= peer.tokens_per_paper(),
            ours.tokens_per_paper() / peer.tokens_per_paper(),
        ),
    ]
    print()
    for what, passed, ratio in checks:
        print(f"{'PASS' if passed else 'FAIL'}: {what} (ratio {ratio:.3f})")
    return 0 if all(passed for _, passed, _ in checks) else 1


if __name__ == "__main__":
    raise SystemExit(main())
