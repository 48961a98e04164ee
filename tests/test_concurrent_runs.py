"""Runs and workers sharing one store cooperate through claims: no paper is paid for twice, none is lost.

Issue 11: two `paperbrief run` at once on the same home and day made 62 LLM requests for 30
papers. These tests start real `paperbrief` processes against the loopback fake LLM
(tests/fakes/llm_server.py, requests counted at the fake) on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from fakes.arxiv_server import FakeArxiv
from fakes.llm_server import FakeLLM, Fault, serve_fake_llm
from fakes.llm_support import FAKE_KEY, make_summarizer, synthetic_papers
from fakes.reference import reference_rows
from paperbrief.cli import main
from paperbrief.models import AnnounceType, Paper, RunStatus, Summary, SummaryStatus
from paperbrief.store import Store, sqlite_url
from paperbrief.summarize.stage import ClaimOptions, keep_alive, summarize_entries

ENTRY = [sys.executable, "-c", "from paperbrief.cli import entry; entry()"]
SAMPLE_IDS = sorted(row["id"] for row in reference_rows())  # the bundled sample day's 30 papers
DAY = dt.date(2026, 2, 4)


def _env(llm: FakeLLM, **extra: str) -> dict[str, str]:
    """The environment of a `paperbrief` process: the fake LLM, two requests in flight, no highlights."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PAPERBRIEF_", "OPENAI_"))}
    return env | {
        "PAPERBRIEF_LLM_BASE_URL": llm.base_url,
        "PAPERBRIEF_LLM_API_KEY": FAKE_KEY,
        "PAPERBRIEF_LLM_MODEL": "fake-model",
        "PAPERBRIEF_LLM_BATCH_SIZE": "1",  # one request per paper: requests at the fake count papers
        "PAPERBRIEF_LLM_CONCURRENCY": "2",
        # One highlights call per digest is not a per-paper summary: left out so requests = papers.
        "PAPERBRIEF_SELECT_HIGHLIGHTS": "false",
        **extra,
    }


def _database(store_url: str, home: Path) -> tuple[str, dict[str, str]]:
    """SQLite: the home's own file (as two runs on one home share it); PostgreSQL: the test schema."""
    if store_url.startswith("sqlite"):
        return sqlite_url(home / "paperbrief.db"), {}
    return store_url, {"PAPERBRIEF_DATABASE_URL": store_url}


def _spawn(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([*ENTRY, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(proc: subprocess.Popen[str], code: int = 0) -> tuple[str, str]:
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == code, f"exit {proc.returncode}: {out}{err}"
    assert "Traceback" not in err
    return out, err


def _digest_summaries(out: Path) -> dict[str, Summary]:
    data = json.loads((out / "2026-02-04.json").read_text(encoding="utf-8"))
    return {e["paper"]["arxiv_id"]: Summary.model_validate(e["summary"]) for e in data["entries"]}


def _run_args(home: Path, out: Path) -> list[str]:
    return ["--home", str(home), "run", "--sample", "--no-deliver", "--no-site", "--out", str(out)]


def test_two_runs_of_the_same_day_pay_once_per_paper_and_both_write_the_whole_digest(
    store_url: str, tmp_path: Path
) -> None:
    """Issue 11: 62 requests for 30 papers before claims; now 30, each paper asked for once."""
    home = tmp_path / "home"
    url, db_env = _database(store_url, home)
    # 0.3 s an answer, two in flight: a run alone needs seconds, so the two runs overlap.
    with serve_fake_llm(FakeLLM(latency=0.3)) as llm:
        env = _env(llm, **db_env)
        procs = [_spawn(env, *_run_args(home, tmp_path / f"out-{n}")) for n in (1, 2)]
        outputs = [_finish(p) for p in procs]
        requests = list(llm.requests)
    assert len(requests) == 30
    assert Counter(i for r in requests for i in r.paper_ids) == Counter(SAMPLE_IDS)
    calls = [int(m) for out, _ in outputs for m in re.findall(r"LLM calls this run: (\d+)", out)]
    assert len(calls) == 2 and sum(calls) == 30
    for n in (1, 2):  # each run's digest is complete: every paper with the LLM's summary
        summaries = _digest_summaries(tmp_path / f"out-{n}")
        assert sorted(summaries) == SAMPLE_IDS
        assert {s.status for s in summaries.values()} == {SummaryStatus.OK}
        assert {s.model for s in summaries.values()} == {"fake-model"}
    store = Store.open(url)
    runs = store.list_runs()
    assert [r.status for r in runs] == [RunStatus.OK, RunStatus.OK]
    assert sum(store.count_llm_calls(r.id) for r in runs) == 30
    assert store.list_claims() == []
    store.close()


def test_two_runs_of_the_same_day_pay_once_for_the_highlights_too(store_url: str, tmp_path: Path) -> None:
    """The day's highlights call is claimed like a paper: one run pays, the other waits and reuses it."""
    home = tmp_path / "home"
    url, db_env = _database(store_url, home)
    with serve_fake_llm(FakeLLM(latency=0.3)) as llm:
        env = _env(llm, PAPERBRIEF_SELECT_HIGHLIGHTS="true", **db_env)
        procs = [_spawn(env, *_run_args(home, tmp_path / f"out-{n}")) for n in (1, 2)]
        for proc in procs:
            _finish(proc)
        requests = list(llm.requests)
    highlights = [r for r in requests if '"themes"' in r.system]
    assert len(highlights) == 1
    assert len(requests) == 30 + 1
    written = [json.loads((tmp_path / f"out-{n}" / "2026-02-04.json").read_text(encoding="utf-8")) for n in (1, 2)]
    assert written[0]["highlights"] and written[0]["highlights"] == written[1]["highlights"]
    store = Store.open(url)
    assert store.list_claims() == []  # the highlights claim ended with its call
    store.close()


def _wait_until(condition: Callable[[], bool], what: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout  # bounds the polling loop; not an assertion on speed
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_a_killed_run_is_marked_abandoned_by_the_next_run_which_pays_only_for_the_rest(
    store_url: str, tmp_path: Path
) -> None:
    home, out = tmp_path / "home", tmp_path / "out"
    url, db_env = _database(store_url, home)
    answered = 4
    # The first four requests are answered and every later one hangs: exactly four summaries exist
    # (and two requests are in flight) when the run is killed, whatever the machine's speed.
    with serve_fake_llm(FakeLLM(hang_seconds=30.0)) as llm:
        llm.push(*[Fault.OK] * answered, *[Fault.HANG] * 26)
        env = _env(llm, **db_env)
        first = _spawn(env, *_run_args(home, out))
        _wait_until(lambda: llm.count() >= answered + 2, "the first run's requests")
        store = Store.open(url)
        scope = {"model": "fake-model", "prompt_version": _prompt_version(llm), "language": "zh"}
        keys = [(i, 1) for i in SAMPLE_IDS]
        _wait_until(lambda: len(store.get_summaries(keys, **scope)) >= answered, "four stored summaries")
        first_run = store.list_runs()[0].id
        assert len(store.list_claims()) > 0  # the first run holds claims…
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        paid_before = {i for r in llm.requests[:answered] for i in r.paper_ids}
        seen = llm.count()
        llm.script.clear()  # the next run is answered normally
        _finish(_spawn(env, *_run_args(home, out)))
        later = llm.requests[seen:]
    assert len(later) == 30 - answered
    assert Counter(i for r in later for i in r.paper_ids) == Counter(sorted(set(SAMPLE_IDS) - paid_before))
    runs = {r.id: r for r in store.list_runs()}
    assert runs[first_run].status == RunStatus.ABANDONED
    assert runs[first_run].error is not None and "abandoned" in runs[first_run].error
    assert [r.status for i, r in runs.items() if i != first_run] == [RunStatus.OK]
    assert store.list_claims() == []  # …released when it was found dead
    summaries = _digest_summaries(out)
    assert sorted(summaries) == SAMPLE_IDS and {s.status for s in summaries.values()} == {SummaryStatus.OK}
    store.close()


def _prompt_version(llm: FakeLLM) -> str:
    return make_summarizer(llm).prompt_version


def test_a_run_waits_for_papers_another_run_holds_and_claims_those_it_did_not_deliver(store: Store) -> None:
    """The other run answers 5 of its 10 papers and stops: this run asks for its own 20 plus those 5."""
    papers = synthetic_papers(30)
    keys = sorted((p.arxiv_id, p.version) for p in papers)
    with serve_fake_llm() as llm:
        mine = store.start_run(DAY, source="test", summarizer="llm")
        summarizer = make_summarizer(llm, store, mine)
        scope = {"model": summarizer.model, "prompt_version": summarizer.prompt_version, "language": "zh"}
        other = store.start_run(DAY, source="test", summarizer="llm")  # alive: this very process
        held = keys[:10]
        assert store.claim_summaries(other, held, **scope) == held

        def other_run() -> None:
            _wait_until(lambda: llm.count() >= 20, "this run's own 20 papers")
            answers = [
                Summary(arxiv_id=a, version=v, tldr="from the other run", backend="llm", **scope) for a, v in held[:5]
            ]
            store.put_summaries(answers)
            store.finish_run(other, RunStatus.FAILED, error="stopped")  # gives up the other five

        thread = threading.Thread(target=other_run)
        thread.start()
        seen: list[tuple[int, int]] = []
        stage = summarize_entries(
            store,
            summarizer,
            papers,
            run_id=mine,
            progress=lambda _stage, done, total: seen.append((done, total)),
            claims=ClaimOptions(batch=8, poll_seconds=0.05, window_seconds=0.2),
        )
        thread.join()
        asked = Counter(i for r in llm.requests for i in r.paper_ids)
    assert asked == Counter(a for a, _ in keys[5:])  # 25 papers, each once
    assert {stage.summaries[k].tldr for k in held[:5]} == {"from the other run"}
    assert {s.status for s in stage.summaries.values()} == {SummaryStatus.OK} and len(stage.summaries) == 30
    assert stage.from_others == 5
    assert seen[0] == (0, 30) and seen[-1] == (30, 30)  # the other run's answers count as progress
    assert store.count_llm_calls(mine) == 25


def test_papers_a_live_run_holds_without_answering_are_given_up_after_the_wait_not_paid_twice(store: Store) -> None:
    papers = synthetic_papers(6)
    keys = sorted((p.arxiv_id, p.version) for p in papers)
    with serve_fake_llm() as llm:
        mine = store.start_run(DAY, source="test", summarizer="llm")
        summarizer = make_summarizer(llm, store, mine)
        scope = {"model": summarizer.model, "prompt_version": summarizer.prompt_version, "language": "zh"}
        stuck = store.start_run(DAY, source="test", summarizer="llm")  # alive (this process), never answers
        assert store.claim_summaries(stuck, keys[:2], **scope) == keys[:2]
        options = ClaimOptions(batch=8, wait_seconds=0.5, poll_seconds=0.05, window_seconds=0.1)
        stage = summarize_entries(store, summarizer, papers, run_id=mine, claims=options)
        asked = Counter(i for r in llm.requests for i in r.paper_ids)
    assert asked == Counter(a for a, _ in keys[2:])
    for key in keys[:2]:
        failed = stage.summaries[key]
        assert failed.status is SummaryStatus.FAILED
        assert failed.error is not None and "another run still held this paper" in failed.error
    assert "2 papers were still held by another run after 0.5 s: not summarized" in stage.notes
    assert store.get_summaries(keys[:2], **scope) == {}  # nothing stored for them: a rerun asks again


def test_a_heartbeat_keeps_a_long_runs_claims_and_without_one_they_expire(store_url: str) -> None:
    store = Store.open(store_url, lease_seconds=1.0)
    scope = {"model": "fake-model", "prompt_version": "p1", "language": "zh"}
    beating, silent = [("2602.00001", 1)], [("2602.00002", 1)]
    alive = store.start_run(DAY, source="test", summarizer="llm")
    quiet = store.start_run(DAY, source="test", summarizer="llm")
    assert store.claim_summaries(alive, beating, **scope) == beating
    assert store.claim_summaries(quiet, silent, **scope) == silent
    taker = store.start_run(DAY, source="test", summarizer="llm")
    with keep_alive(store, alive, every=0.1):
        time.sleep(2.0)  # twice the lease
        assert store.claim_summaries(taker, beating + silent, **scope) == silent
    [run] = [r for r in store.list_runs() if r.id == alive]
    assert run.lease_until is not None and run.status == RunStatus.RUNNING
    store.close()


# --- backfill --summarize: several workers, one store ---------------------------------------


def _stored_range(store: Store) -> list[str]:
    """Three days of cs.LG papers (20 a day) plus a replacement and an off-category paper; the ids to summarize."""
    papers = synthetic_papers(60)
    for n, day in enumerate((dt.date(2026, 2, 2), dt.date(2026, 2, 3), dt.date(2026, 2, 4))):
        store.record_announcement(day, papers[20 * n : 20 * (n + 1)])
    replaced = Paper(arxiv_id="2601.00001", version=2, title="A replaced paper", categories=["cs.LG"])
    replaced.announce_type = AnnounceType.REPLACE
    elsewhere = Paper(arxiv_id="2602.09999", title="Galaxies", categories=["astro-ph.GA"])
    store.record_announcement(dt.date(2026, 2, 3), [replaced, elsewhere])
    outside = Paper(arxiv_id="2602.08888", title="The day after", categories=["cs.LG"])
    store.record_announcement(dt.date(2026, 2, 5), [outside])
    return sorted(p.arxiv_id for p in papers)


def _backfill_args(*extra: str) -> list[str]:
    return ["backfill", "--from", "2026-02-02", "--to", "2026-02-04", "--categories", "cs.LG", "--summarize", *extra]


def test_backfill_workers_share_the_papers_of_the_range_none_twice_none_lost(store_url: str, tmp_path: Path) -> None:
    store = Store.open(store_url)
    expected = _stored_range(store)
    with serve_fake_llm(FakeLLM(latency=0.1)) as llm:
        env = _env(llm, PAPERBRIEF_DATABASE_URL=store_url)
        workers = [_spawn(env, "--home", str(tmp_path / f"w{n}"), *_backfill_args("--no-fetch")) for n in range(3)]
        outputs = [_finish(w) for w in workers]
        requests = list(llm.requests)
    assert Counter(i for r in requests for i in r.paper_ids) == Counter(expected)  # 60 calls for 60 papers
    assert len(requests) == 60
    calls = [int(m) for _, err in outputs for m in re.findall(r"LLM calls this worker: (\d+)", err)]
    assert len(calls) == 3 and sum(calls) == 60
    assert all("60 papers, 60 summarized" in err for _, err in outputs)
    runs = store.list_runs()
    assert [(r.source, r.status) for r in runs] == [("backfill", RunStatus.OK)] * 3
    assert store.list_claims() == []
    store.close()


def test_backfill_summarize_harvests_then_summarizes_and_a_rerun_pays_nothing(store_url: str, tmp_path: Path) -> None:
    """`backfill … --summarize` after an API harvest (fake arXiv): 30 calls; again with --no-fetch: none."""
    with FakeArxiv() as arxiv, serve_fake_llm() as llm:
        env = _env(llm, PAPERBRIEF_DATABASE_URL=store_url) | {
            "PAPERBRIEF_ARXIV_API_URL": arxiv.api_url,
            "PAPERBRIEF_ARXIV_RSS_URL": arxiv.rss_url,
            "PAPERBRIEF_ARXIV_DELAY_SECONDS": "0.01",
        }
        args = ["--home", str(tmp_path / "home"), "backfill", "--from", "2026-02-05", "--to", "2026-02-05"]
        first = CliRunner().invoke(main, [*args, "--source", "api", "--summarize"], env=env)
        assert first.exit_code == 0, first.output
        assert "30 papers stored" in first.stderr
        assert "30 papers, 30 summarized (30 by this worker, 0 by other workers, 0 cached)" in first.stderr
        assert Counter(i for r in llm.requests for i in r.paper_ids) == Counter(SAMPLE_IDS)
        harvested = len(arxiv.requests())
        again = CliRunner().invoke(main, [*args, "--summarize", "--no-fetch"], env=env)
        assert again.exit_code == 0, again.output
        assert "30 papers, 30 summarized (0 by this worker, 0 by other workers, 30 cached)" in again.stderr
        assert llm.count() == 30 and len(arxiv.requests()) == harvested  # no LLM call, no arXiv request


def test_backfill_no_fetch_without_summarize_is_a_usage_error(tmp_path: Path) -> None:
    args = ["--home", str(tmp_path / "home"), "backfill", "--from", "2026-02-02", "--to", "2026-02-04", "--no-fetch"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert result.output.strip() == "Error: --no-fetch only makes sense with --summarize"


def test_two_runs_saving_the_same_days_digest_at_once_both_succeed(store: Store) -> None:
    """Found by the two-run test on PostgreSQL: delete-then-insert of one day's digest broke its primary key."""
    from paperbrief.models import Digest, DigestEntry

    papers = synthetic_papers(3)
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def save(tag: str) -> None:
        for n in range(10):
            digest = Digest(date=DAY, entries=[DigestEntry(number=i + 1, paper=p) for i, p in enumerate(papers)])
            digest.warnings = [f"{tag} {n}"]
            try:
                barrier.wait(timeout=30)
                store.save_digest(digest)
            except BaseException as exc:  # collected: the assertion below names it
                errors.append(exc)

    threads = [threading.Thread(target=save, args=(tag,)) for tag in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    saved = store.load_digest(DAY)
    assert saved is not None and len(saved.entries) == 3 and saved.warnings[0] in ("a 9", "b 9")


def test_a_run_claims_past_a_window_of_papers_another_run_holds(store: Store) -> None:
    """Claims look at a window of keys first (cheap on a 10,000-paper day); when another run holds the
    whole window, the papers after it are still claimed and paid for here, not left to wait."""
    papers = synthetic_papers(12)
    order = [(p.arxiv_id, p.version) for p in papers]
    with serve_fake_llm() as llm:
        mine = store.start_run(DAY, source="test", summarizer="llm")
        summarizer = make_summarizer(llm, store, mine)
        scope = {"model": summarizer.model, "prompt_version": summarizer.prompt_version, "language": "zh"}
        stuck = store.start_run(DAY, source="test", summarizer="llm")  # alive (this process), never answers
        window = order[:8]  # batch 2 → a window of 8 keys, all held by the other run
        assert sorted(store.claim_summaries(stuck, window, **scope)) == sorted(window)
        options = ClaimOptions(batch=2, wait_seconds=0.5, poll_seconds=0.05, window_seconds=0.1)
        stage = summarize_entries(store, summarizer, papers, run_id=mine, claims=options)
        asked = Counter(i for r in llm.requests for i in r.paper_ids)
    assert asked == Counter(a for a, _ in order[8:])  # the four past the window, each once
    assert {stage.summaries[k].status for k in order[8:]} == {SummaryStatus.OK}
    assert {stage.summaries[k].status for k in window} == {SummaryStatus.FAILED}  # held, given up, not paid
