"""Issue 16 end to end: `paperbrief run` checks the numbers of each LLM summary against its abstract.

Real CLI, real LLM client against the loopback fake (tests/fakes/llm_server.py), real SMTP sink and
webhook sink. The fake states the issue's invented result ("准确率达到 97.3%，比最强基线高 12.6 个
百分点") for chosen papers, then corrects itself on the re-ask or keeps inventing. None of the
sample day's abstracts states 97.3 or 12.6 (asserted below), so both numbers are unsupported.
"""

from __future__ import annotations

import datetime as dt
import email
import json
import re
import sqlite3
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

import pytest
from click.testing import CliRunner

from fakes.llm_server import INVENTED, FakeLLM, Fault, NumbersScript, serve_fake_llm
from fakes.llm_support import FAKE_KEY, make_summarizer, synthetic_papers
from fakes.publish_servers import smtp_server, webhook_server
from paperbrief.cli import main
from paperbrief.deliver.chat import chat_message
from paperbrief.models import Digest, DigestEntry, Paper, Summary
from paperbrief.render.markdown import render_markdown
from paperbrief.sources.sample import load_sample_day
from paperbrief.store import Store
from paperbrief.store.db import sqlite_url

DAY = "2026-02-04"
FIXED = "2602.04883"  # invents, then corrects itself on the re-ask
KEEPS = "2602.04877"  # invents, and invents again on the re-ask: kept and marked
SUPPORTED = "2602.04870"  # restates a number its abstract states ($1.61\times$)
NO_NUMBERS = ["2602.04863", "2602.04868"]  # no number in the summary nor in the abstract
RESTATED = "速度提升 1.61 倍。"
FLAGGED = ["97.3%", "12.6 个百分点"]  # the invented sentence's numbers, as written
NUMBERS_PROMPT = "numbers-2026.11.1"


@pytest.fixture(autouse=True)
def _work_in_tmp_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def fake() -> Iterator[FakeLLM]:
    with serve_fake_llm() as server:
        server.numbers_by_id = {
            FIXED: NumbersScript(INVENTED),
            KEEPS: NumbersScript(INVENTED, INVENTED),
            SUPPORTED: NumbersScript(RESTATED, RESTATED),
        }
        yield server


def _env(fake: FakeLLM, home: Path, smtp_port: int | None = None, hook_port: int | None = None) -> dict[str, str]:
    env = {
        "PAPERBRIEF_HOME": str(home),
        "PAPERBRIEF_LLM_BASE_URL": fake.base_url,
        "PAPERBRIEF_LLM_API_KEY": FAKE_KEY,
        "PAPERBRIEF_LLM_MODEL": "fake-model",
        "PAPERBRIEF_SELECT_HIGHLIGHTS": "false",  # the chat push then lists the top papers
        "PAPERBRIEF_SITE_BASE_URL": "https://example.org/pb/",
        "PAPERBRIEF_LLM_BATCH_SIZE": "1",  # the fake's numbers are scripted per request, one paper each
    }
    if smtp_port is not None:
        env.update(
            {
                "PAPERBRIEF_SMTP_HOST": "127.0.0.1",
                "PAPERBRIEF_SMTP_PORT": str(smtp_port),
                "PAPERBRIEF_SMTP_SECURITY": "none",
                "PAPERBRIEF_EMAIL_FROM": "paperbrief@example.org",
                "PAPERBRIEF_EMAIL_TO": "ada@example.org",
            }
        )
    if hook_port is not None:
        env["PAPERBRIEF_NOTIFY_URLS"] = f"json://127.0.0.1:{hook_port}/hook"
    return env


def _run(env: dict[str, str], *args: str) -> str:
    result = CliRunner().invoke(main, ["run", "--sample", "--max-papers", "6", "--out", "out", *args], env=env)
    assert result.exit_code == 0, result.output
    return result.output


def _reasks(fake: FakeLLM) -> list[str]:
    """Paper ids of the number re-asks the fake received (a follow-up after the model's own answer)."""
    return [r.paper_ids[0] for r in fake.requests if any(m["role"] == "assistant" for m in r.body["messages"])]


def _summaries(path: Path) -> dict[str, dict[str, object]]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    return {e["paper"]["arxiv_id"]: e["summary"] for e in doc["entries"]}


def _parts(raw: bytes) -> tuple[str, str]:
    message = email.message_from_bytes(raw, policy=default_policy)
    assert isinstance(message, EmailMessage)
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    return str(text.get_content()), str(html.get_content())


def test_the_fixture_abstracts_do_not_state_the_invented_numbers() -> None:
    _, papers = load_sample_day()
    by_id = {p.arxiv_id: p for p in papers}
    for arxiv_id in [FIXED, KEEPS, SUPPORTED, *NO_NUMBERS]:
        text = by_id[arxiv_id].title + by_id[arxiv_id].abstract
        assert "97.3" not in text and "12.6" not in text
    assert "1.61" in by_id[SUPPORTED].abstract
    assert not re.search(r"[0-9]", by_id[NO_NUMBERS[0]].title + by_id[NO_NUMBERS[0]].abstract)


def test_invented_numbers_are_reasked_once_and_survivors_marked_everywhere(fake: FakeLLM, tmp_path: Path) -> None:
    home = tmp_path / "home"
    with smtp_server() as (smtp_port, mails), webhook_server() as (hook_port, posts):
        output = _run(_env(fake, home, smtp_port, hook_port))
        # Six summaries in one call each, then exactly one re-ask per paper with an invented number.
        assert sorted(_reasks(fake)) == sorted([FIXED, KEEPS])
        assert fake.count() == 6 + 2

        summaries = _summaries(tmp_path / "out" / f"{DAY}.json")
        assert summaries[KEEPS]["unsupported_numbers"] == FLAGGED
        assert INVENTED in str(summaries[KEEPS]["conclusion"])  # kept, never deleted
        assert summaries[FIXED]["unsupported_numbers"] == []
        assert INVENTED not in str(summaries[FIXED]["conclusion"])  # the corrected answer was kept
        assert summaries[SUPPORTED]["unsupported_numbers"] == []
        assert RESTATED in str(summaries[SUPPORTED]["conclusion"])
        for arxiv_id in NO_NUMBERS:
            assert summaries[arxiv_id]["unsupported_numbers"] == []

        # The cost is reported: re-asks and their tokens, as logged for the re-ask calls.
        rows = json.loads(CliRunner().invoke(main, ["logs", "--json", "-n", "50"], env=_env(fake, home)).output)
        numbers_rows = [r for r in rows if r["prompt_version"] == NUMBERS_PROMPT]
        assert sorted(r["paper_ids"] for r in numbers_rows) == sorted([f"{FIXED}v1", f"{KEEPS}v1"])
        tokens = sum(r["tokens_in"] + r["tokens_out"] for r in numbers_rows)
        assert tokens > 0
        assert f"numbers: 2 summaries re-asked ({tokens:,} tokens), 1 still unsupported" in " ".join(output.split())

        markdown = (tmp_path / "out" / f"{DAY}.md").read_text(encoding="utf-8")
        marked = [line for line in markdown.splitlines() if "⚠ 摘要中未见" in line]
        assert marked == [
            f"**主要结论**：Results of the paper are reported. {INVENTED} ⚠ 摘要中未见：97.3%、12.6 个百分点"
        ]
        assert "⚠ 标出的数字在论文的标题和摘要中找不到" in markdown  # the legend line

        page = (tmp_path / "out" / "site" / f"{DAY}.html").read_text(encoding="utf-8")
        card = page.split(f'id="{KEEPS}"', 1)[1].split("</article>", 1)[0]
        assert 'class="num-warn" title="⚠ 标出的数字' in card and "⚠ 摘要中未见：97.3%、12.6 个百分点" in card
        assert page.count('class="num-warn"') == 2  # the collapsed label and the conclusion itself
        assert 'id="numbers-legend"' in page

        feed = (tmp_path / "out" / "site" / "feed.xml").read_text(encoding="utf-8")
        assert feed.count("⚠ 摘要中未见：97.3%、12.6 个百分点") == 2  # the entry's summary and content

        [mail] = mails
        text, html = _parts(mail.data)
        assert "⚠ 摘要中未见：97.3%、12.6 个百分点" in text and "⚠ 标出的数字" in text
        assert text.count("⚠ 摘要中未见") == 1
        assert 'class="num-warn" title="⚠ 标出的数字' in html and "⚠ 摘要中未见：97.3%、12.6 个百分点" in html
        assert 'id="numbers-legend"' in html

        [post] = posts
        assert "⚠ 摘要中未见：97.3%、12.6 个百分点" in post.json()["message"]

    # A rerun takes every summary from the store: no call, no re-check.
    before = fake.count()
    _run(_env(fake, home), "--no-deliver")
    assert fake.count() == before
    assert _summaries(tmp_path / "out" / f"{DAY}.json")[KEEPS]["unsupported_numbers"] == FLAGGED

    # --refresh asks again, and checks again: the same two re-asks.
    _run(_env(fake, home), "--no-deliver", "--refresh")
    assert fake.count() == before + 8
    assert sorted(_reasks(fake)[2:]) == sorted([FIXED, KEEPS])


def test_a_stored_summary_keeps_its_numbers_across_the_store(store: Store) -> None:
    summary = Summary(arxiv_id="2602.04877", tldr="x 97.3%", unsupported_numbers=["97.3%", "12.6 个百分点"])
    summary.created = dt.datetime(2026, 2, 4, tzinfo=dt.UTC)
    store.put_summary(summary)
    got = store.get_summaries([("2602.04877", 1)], model="extractive", prompt_version="none", language="zh")
    assert got[("2602.04877", 1)].unsupported_numbers == ["97.3%", "12.6 个百分点"]


def test_summaries_stored_before_the_check_read_as_unchecked(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    history = Path(__file__).parent / "data" / "store" / "as_of_m003.sql"
    with sqlite3.connect(path) as conn:
        conn.executescript(history.read_text(encoding="utf-8"))
    store = Store.open(sqlite_url(path))
    assert "m006_summary_unsupported_numbers" in store.applied_migrations()
    [summary] = store.get_summaries([("2602.04883", 1)], model="m", prompt_version="p1", language="zh").values()
    assert summary.tldr and summary.unsupported_numbers == []
    store.close()


def test_extractive_summaries_are_not_checked(tmp_path: Path) -> None:
    # Extractive summaries are sentences copied from the abstract: nothing to check, no LLM at all.
    env = {"PAPERBRIEF_HOME": str(tmp_path / "home")}
    result = CliRunner().invoke(
        main,
        ["run", "--sample", "--max-papers", "6", "--out", "out", "--no-deliver", "--summarizer", "extractive"],
        env=env,
    )
    assert result.exit_code == 0, result.output
    summaries = _summaries(tmp_path / "out" / f"{DAY}.json")
    assert summaries and all(s["unsupported_numbers"] == [] for s in summaries.values())
    assert "⚠" not in (tmp_path / "out" / f"{DAY}.md").read_text(encoding="utf-8").split("**页脚**")[0].replace(
        "> ⚠️", ""
    )
    assert "numbers:" not in result.output


def test_the_chat_text_marks_a_summary_with_unsupported_numbers() -> None:
    paper = Paper(arxiv_id="2602.04877", title="A paper", abstract="No figures here.")
    summary = Summary(arxiv_id=paper.arxiv_id, tldr="Accuracy 97.3%.", unsupported_numbers=["97.3%"], language="en")
    digest = Digest(
        date=dt.date(2026, 2, 4), language="en", entries=[DigestEntry(number=1, paper=paper, summary=summary)]
    )
    _, body = chat_message(digest)
    assert "   ⚠ not in the abstract: 97.3%" in body.splitlines()
    assert "Accuracy 97.3%. ⚠ not in the abstract: 97.3%" in render_markdown(digest)


@pytest.mark.parametrize("batch_size", [1, 2])
def test_the_first_answer_is_kept_when_the_reask_fails_or_invents_more(store: Store, batch_size: int) -> None:
    """`pick_after_reask` in the engine: an invalid re-ask, or one with more invented numbers, keeps the first."""
    worse, broken = synthetic_papers(2)
    more = INVENTED + " 另有 55.5% 与 66.6%。"
    with serve_fake_llm() as fake:
        fake.numbers_by_id = {worse.arxiv_id: NumbersScript(INVENTED, more), broken.arxiv_id: NumbersScript(INVENTED)}
        fake.push_for(broken.arxiv_id, Fault.OK, Fault.NON_JSON)  # the summary, then an invalid re-ask
        summarizer = make_summarizer(fake, store, batch_size=batch_size)
        result = summarizer.summarize([worse, broken])
        assert sorted(_reasks(fake)) == sorted([worse.arxiv_id, broken.arxiv_id])
    got = {s.arxiv_id: s for s in result.summaries}
    for paper in (worse, broken):
        assert got[paper.arxiv_id].unsupported_numbers == FLAGGED
        assert INVENTED in (got[paper.arxiv_id].conclusion or "") and "55.5" not in (
            got[paper.arxiv_id].conclusion or ""
        )
    logged = [row for row in store.recent_llm_calls(20) if row.prompt_version == NUMBERS_PROMPT]
    assert sorted(row.status for row in logged) == ["invalid", "ok"]
    # The re-asks are paid for by their papers and reported in a note.
    tokens = sum(row.tokens_in + row.tokens_out for row in logged)
    assert result.notes[-1] == f"numbers: 2 summaries re-asked ({tokens:,} tokens), 2 still unsupported"
    assert sum(s.tokens_in + s.tokens_out for s in result.summaries) == result.usage.tokens


def test_the_weekly_report_marks_a_tldr_whose_numbers_its_source_does_not_state(tmp_path: Path) -> None:
    # Issue 16 in the weekly report: the best papers show their tldr; an invented number in it is
    # kept and marked, in the Markdown, the JSON and both parts of the e-mail, with the legend once.
    home = tmp_path / "home"
    with serve_fake_llm() as server:
        server.numbers_by_id = {KEEPS: NumbersScript(INVENTED, INVENTED, field="tldr")}
        _run(_env(server, home), "--no-deliver")
        with smtp_server() as (smtp_port, mails):
            result = CliRunner().invoke(
                main, ["weekly", "--week", "2026-W06", "--out", "out"], env=_env(server, home, smtp_port)
            )
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "out" / "2026-W06.json").read_text(encoding="utf-8"))
    by_id = {p["arxiv_id"]: p for p in report["papers"]}
    assert by_id[KEEPS]["unsupported_numbers"] == FLAGGED and by_id[KEEPS]["full_text"] is False
    assert INVENTED in by_id[KEEPS]["tldr"]
    assert all(p["unsupported_numbers"] == [] for i, p in by_id.items() if i != KEEPS)

    markdown = (tmp_path / "out" / "2026-W06.md").read_text(encoding="utf-8")
    marked = [line for line in markdown.splitlines() if "⚠ 摘要中未见" in line]
    assert len(marked) == 1 and marked[0].endswith(f"{INVENTED} ⚠ 摘要中未见：97.3%、12.6 个百分点")
    assert markdown.count("⚠ 标出的数字在论文的标题和摘要中找不到") == 1
    page = (tmp_path / "out" / "site" / "weekly" / "2026-W06.html").read_text(encoding="utf-8")
    assert "⚠ 摘要中未见：97.3%、12.6 个百分点" in page.split(f'id="{KEEPS}"', 1)[1].split("</article>", 1)[0]

    [mail] = mails
    text, html = _parts(mail.data)
    assert text.count("⚠ 摘要中未见：97.3%、12.6 个百分点") == 1 and "⚠ 标出的数字" in text
    assert html.count("⚠ 摘要中未见：97.3%、12.6 个百分点") == 1 and "⚠ 标出的数字" in html
