"""`paperbrief search` through the real CLI on both backends, over the reference day stored in Chinese."""

from __future__ import annotations

import json
import statistics

import pytest
from click.testing import CliRunner, Result

from fakes.digests import SAMPLE_DATE, sample_digest
from paperbrief.cli import main
from paperbrief.models import Summary
from paperbrief.select.learn import LearnedRanker, reader_model
from paperbrief.store import Store
from paperbrief.store.feedback import NewFeedback

FIRST = "2602.04837"  # its zh TL;DR: …通过经验共享实现开放式自我改进…


@pytest.fixture
def url(store_url: str) -> str:
    digest = sample_digest("zh")
    store = Store.open(store_url)
    store.record_announcement(digest.date, [e.paper for e in digest.entries])
    store.put_summaries([e.summary for e in digest.entries if e.summary is not None])
    store.save_digest(digest)
    store.close()
    return store_url


def _search(url: str, *args: str) -> Result:
    return CliRunner().invoke(main, ["search", *args], env={"PAPERBRIEF_DATABASE_URL": url})


def _json(url: str, *args: str) -> list[dict[str, object]]:
    result = _search(url, *args, "--json")
    assert result.exit_code == 0, result.output
    rows: list[dict[str, object]] = json.loads(result.stdout)
    return rows


def test_json_results_carry_id_title_score_date_and_a_snippet(url: str) -> None:
    rows = _json(url, "经验共享")
    assert rows[0]["arxiv_id"] == FIRST
    assert rows[0]["date"] == SAMPLE_DATE.isoformat()
    assert rows[0]["digests"] == [SAMPLE_DATE.isoformat()]
    assert isinstance(rows[0]["score"], float)
    assert "**经验共享**" in str(rows[0]["snippet"])
    assert rows[0]["title"] == next(e.paper.title for e in sample_digest().entries if e.paper.arxiv_id == FIRST)


def _summary_text(s: Summary) -> str:
    return " ".join([s.tldr or "", s.motivation or "", s.method or "", s.conclusion or "", *s.keywords])


def test_filters_limit_and_reader(url: str) -> None:
    everything = _json(url, "代理", "--limit", "100")
    expected = {e.paper.arxiv_id for e in sample_digest().entries if e.summary and "代理" in _summary_text(e.summary)}
    assert {r["arxiv_id"] for r in everything} >= expected
    scores = [float(str(r["score"])) for r in everything]
    assert scores == sorted(scores, reverse=True)
    assert len(_json(url, "代理", "--limit", "2")) == 2
    in_cv = _json(url, "代理", "--category", "cs.CV", "--limit", "100")
    assert {r["arxiv_id"] for r in in_cv} == {
        r["arxiv_id"]
        for r in everything
        if "cs.CV" in list(r["categories"])  # type: ignore[call-overload]
    }
    assert _json(url, "代理", "--since", "2026-02-05") == []
    assert len(_json(url, "代理", "--until", "2026-02-04", "--limit", "100")) == len(everything)
    # A reader without feedback sees everything, in the same order.
    assert _json(url, "代理", "--reader", "alice", "--limit", "100") == everything


def test_human_output_lists_id_day_and_snippet(url: str) -> None:
    result = _search(url, "经验共享")
    assert result.exit_code == 0, result.output
    first = result.stdout.splitlines()[0]
    assert first.startswith(f"{FIRST}  {SAMPLE_DATE.isoformat()}  score ")
    assert "经验共享" in result.stdout
    empty = _search(url, "qqqxyz")
    assert empty.exit_code == 0 and "no stored paper matches 'qqqxyz'" in empty.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["x", "--since", "02/04/2026"], "invalid date '02/04/2026': expected YYYY-MM-DD"),
        (["x", "--since", "2026-02-06", "--until", "2026-02-05"], "--since 2026-02-06 is after --until 2026-02-05"),
        (["x", "--limit", "0"], "--limit"),
    ],
)
def test_bad_arguments_are_one_line_usage_errors(url: str, args: list[str], message: str) -> None:
    result = _search(url, *args)
    assert result.exit_code == 2
    assert message in result.stderr


def _feedback(url: str, reader: str, events: list[tuple[str, str]]) -> None:
    store = Store.open(url)
    try:
        store.add_feedback(reader, [NewFeedback(arxiv_id=i, action=a) for i, a in events])
    finally:
        store.close()


def test_reader_leaves_out_what_they_hid_and_limit_stays_exact(url: str) -> None:
    everything = [str(r["arxiv_id"]) for r in _json(url, "代理", "--limit", "100")]
    top = everything[0]
    _feedback(url, "ada", [(top, "hide")])
    assert [r["arxiv_id"] for r in _json(url, "代理", "--reader", "ada", "--limit", "100")] == everything[1:]
    assert [r["arxiv_id"] for r in _json(url, "代理", "--reader", "ada", "--limit", "2")] == everything[1:3]
    assert [r["arxiv_id"] for r in _json(url, "代理", "--limit", "2")] == everything[:2]  # others unchanged
    _feedback(url, "ada", [(top, "like")])  # the latest event counts: no longer hidden
    assert _json(url, "代理", "--reader", "ada", "--limit", "1")[0]["arxiv_id"] == top


def _z(values: list[float]) -> list[float]:
    mean, spread = statistics.fmean(values), statistics.pstdev(values)
    return [(v - mean) / spread for v in values]


def test_a_ready_model_reranks_close_hits_by_the_readers_score(url: str) -> None:
    ids = [e.paper.arxiv_id for e in sample_digest().entries]
    liked, disliked = ids[10:16], ids[20:25]
    _feedback(url, "bob", [*((i, "like") for i in liked), *((i, "dislike") for i in disliked)])
    plain = _json(url, "代理", "--limit", "100")
    mine = _json(url, "代理", "--reader", "bob", "--limit", str(len(plain)))
    store = Store.open(url)
    try:
        model = reader_model(store, "bob", (), ranker=LearnedRanker(exploration=0.1))
        papers = [p for p in store.announced_papers(SAMPLE_DATE) if p.arxiv_id in {r["arxiv_id"] for r in plain}]
    finally:
        store.close()
    assert model.ready_for_auto
    model_score = {s.arxiv_id: s.score for s in model.rank(papers, slots=len(papers))}
    # Relevance and the reader's score, each as standard deviations over the hits, the reader's at half weight.
    relevance = _z([float(str(r["score"])) for r in plain])
    taste = _z([model_score[str(r["arxiv_id"])] for r in plain])
    blended = {str(r["arxiv_id"]): a + 0.5 * b for r, a, b in zip(plain, relevance, taste, strict=True)}
    assert [r["arxiv_id"] for r in mine] == sorted(blended, key=lambda i: -blended[i])
    assert [r["arxiv_id"] for r in mine] != [r["arxiv_id"] for r in plain]  # the reader's taste moved some
    assert {str(r["arxiv_id"]): r["reader_score"] for r in mine} == pytest.approx(model_score)
    assert all(r["reader_score"] is None for r in plain)
