"""`paperbrief weekly` through the real CLI: days stored by `run --from-json`, the fake LLM, a local SMTP server."""

from __future__ import annotations

import email
import io
import json
import re
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import feedparser
from click.testing import CliRunner, Result
from PIL import Image

from fakes.llm_server import FakeLLM, score_for, serve_fake_llm
from fakes.publish_servers import smtp_server, webhook_server
from fakes.reference import reference_rows
from paperbrief.cli import main

SITE = "https://example.org/pb"
WEEK = "2026-W06"  # Monday 2026-02-02 to Sunday 2026-02-08
SAMPLE_IDS = {row["id"] for row in reference_rows()}


def _cli(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, ["--home", str(tmp_path / "home"), *args], env=env, catch_exceptions=False)


def _paper(pid: str, title: str, abstract: str, category: str = "cs.CL", day: str = "2026-02-04") -> dict[str, Any]:
    return {
        "id": pid,
        "version": 1,
        "title": title,
        "authors": ["Ada Lovelace"],
        "categories": [category],
        "published": f"{day}T10:00:00Z",
        "abstract": abstract,
    }


def _store_day(tmp_path: Path, day: str, papers: list[dict[str, Any]]) -> None:
    path = tmp_path / f"day-{day}.json"
    rows = [{**p, "published": f"{day}T10:00:00Z"} for p in papers]
    path.write_text(json.dumps({"announced": day, "papers": rows}, ensure_ascii=False), encoding="utf-8")
    result = _cli(tmp_path, "run", "--from-json", str(path), "--out", str(tmp_path / "out"), "--no-deliver")
    assert result.exit_code == 0, result.output


def _store_sample_week(tmp_path: Path) -> None:
    """The reference day (30 papers) stored as Wednesday 2026-02-04 of WEEK."""
    _store_day(tmp_path, "2026-02-04", reference_rows())


def _weekly(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return _cli(tmp_path, "weekly", "--week", WEEK, "--out", str(tmp_path / "out"), *args, env=env)


def _report(tmp_path: Path, week: str = WEEK) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((tmp_path / "out" / f"{week}.json").read_text(encoding="utf-8"))
    return data


# --- trends ---------------------------------------------------------------------------------

BASELINE = [
    _paper("2601.10001", "Diffusion Models for Speech Synthesis", "We train diffusion models on speech."),
    _paper("2601.10002", "Fast Sampling of Diffusion Models", "Sampling is slow; we make it fast."),
    _paper("2601.10003", "A Diffusion Model for Tabular Records", "Tables are hard to generate."),
    _paper("2601.10004", "Large Language Models as Tutors", "Tutoring with a chat model."),
]
CURRENT = [
    _paper("2602.20001", "LLMs Can Plan Trips", "Planning holiday trips with a chat assistant."),
    _paper("2602.20002", "Probing Large Language Models", "What do they know about geography?"),
    _paper("2602.20003", "面向医疗问答的检索方法", "我们研究大语言模型在医疗问答中的应用。"),
    _paper("2602.20004", "Weather Forecasting with Graph Networks", "We forecast rain over Europe."),
]


def test_trends_count_synonyms_once_and_compare_with_earlier_weeks(tmp_path: Path) -> None:
    _store_day(tmp_path, "2026-01-28", BASELINE)  # week 2026-W05, the only earlier week with data
    _store_day(tmp_path, "2026-02-04", CURRENT)
    result = _weekly(tmp_path, "--lang", "en")
    assert result.exit_code == 0, result.output
    report = _report(tmp_path)
    trends = {t["term"]: t for t in report["trends"]}
    # LLM, LLMs, large language models and 大语言模型: three papers this week, one the week before.
    assert (trends["LLM"]["count"], trends["LLM"]["previous"]) == (3, 1.0)
    assert trends["LLM"]["change"] == 2.0 and trends["LLM"]["direction"] == "rising"
    assert (trends["diffusion model"]["count"], trends["diffusion model"]["previous"]) == (0, 3.0)
    assert trends["diffusion model"]["direction"] == "falling"
    assert report["baseline_weeks"] == ["2026-W05"]
    markdown = (tmp_path / "out" / f"{WEEK}.md").read_text(encoding="utf-8")
    assert "| LLM | 3 | 1 | ↑ +2 |" in markdown
    assert "| diffusion model | 0 | 3 | ↓ -3 |" in markdown
    page = (tmp_path / "out" / "site" / "weekly" / f"{WEEK}.html").read_text(encoding="utf-8")
    assert page.count('<g class="trend trend-rising">') >= 1 and '<g class="trend trend-falling">' in page


# --- the report, the site, missing days -----------------------------------------------------


def test_week_report_files_site_page_index_and_feed(tmp_path: Path) -> None:
    _store_sample_week(tmp_path)
    result = _weekly(tmp_path, "--reader", "ada")
    assert result.exit_code == 0, result.output
    report = _report(tmp_path)
    assert report["week"] == WEEK and report["reader"] == "ada"
    assert report["start"] == "2026-02-02" and report["end"] == "2026-02-08"
    assert report["missing_days"] == ["2026-02-02", "2026-02-03", "2026-02-05", "2026-02-06"]
    assert {p["arxiv_id"] for p in report["papers"]} == SAMPLE_IDS
    assert all({"arxiv_id", "title", "score"} <= set(p) for p in report["papers"])
    # No scores (extractive summaries): the day's report order, i.e. the day's own numbering.
    digest = json.loads((tmp_path / "out" / "2026-02-04.json").read_text(encoding="utf-8"))
    assert [p["arxiv_id"] for p in report["papers"]] == [e["paper"]["arxiv_id"] for e in digest["entries"]]
    assert 3 <= len(report["themes"]) <= 6
    themed = [pid for theme in report["themes"] for pid in theme["papers"]]
    assert sorted(themed) == sorted(SAMPLE_IDS)  # every paper in exactly one theme
    for theme in report["themes"]:
        assert theme["text"] == "" and theme["title"]  # no LLM: named by terms, no prose invented
    assert report["per_day"] == [
        {"date": "2026-02-04", "categories": _primary_counts(digest)},
    ]
    markdown = (tmp_path / "out" / f"{WEEK}.md").read_text(encoding="utf-8")
    assert "> 缺少的日期: 2026-02-02 (Mon), 2026-02-03 (Tue), 2026-02-05 (Thu), 2026-02-06 (Fri)" in markdown
    site = tmp_path / "out" / "site"
    page = (site / "weekly" / f"{WEEK}.html").read_text(encoding="utf-8")
    assert page.count("<svg") == 2 and 'id="theme-toggle"' in page and 'id="controls"' in page
    assert "<script src" not in page and 'http-equiv="Content-Security-Policy"' in page
    assert page.count('<article class="card"') == 30
    assert 'href="../2026-02-04.html"' in page
    index = (site / "index.html").read_text(encoding="utf-8")
    assert f'href="weekly/{WEEK}.html"' in index
    feed = feedparser.parse((site / "feed.xml").read_bytes())
    weekly_entries = [e for e in feed.entries if e.id == f"urn:paperbrief:weekly:{WEEK}"]
    assert len(weekly_entries) == 1 and weekly_entries[0].link == f"weekly/{WEEK}.html"
    # A later daily rebuild keeps the link.
    assert _cli(tmp_path, "site", "--out", str(tmp_path / "out")).exit_code == 0
    assert f'href="weekly/{WEEK}.html"' in (site / "index.html").read_text(encoding="utf-8")


def _primary_counts(digest: dict[str, Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for entry in digest["entries"]:
        cat = entry["paper"]["primary_category"]
        counts[cat] = counts.get(cat, 0) + 1
    return dict(sorted(counts.items()))


def test_empty_week_is_an_honest_empty_report_and_sends_nothing(tmp_path: Path) -> None:
    with smtp_server() as (port, received):
        result = _cli(
            tmp_path,
            "weekly",
            "--week",
            "2026-W10",
            "--out",
            str(tmp_path / "out"),
            "--lang",
            "en",
            env=_smtp_env(port),
        )
    assert result.exit_code == 0, result.output
    assert received == []
    report = _report(tmp_path, "2026-W10")
    assert (report["papers"], report["trends"], report["themes"]) == ([], [], [])
    assert report["missing_days"] == ["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05", "2026-03-06"]
    markdown = (tmp_path / "out" / "2026-W10.md").read_text(encoding="utf-8")
    assert "No digest was stored this week: there are no papers to report." in markdown
    assert "weekly:email: nothing-to-send" in result.output


def test_bad_week_is_a_one_line_usage_error(tmp_path: Path) -> None:
    for bad in ("2026-8", "2026-W54", "W08"):
        result = _cli(tmp_path, "weekly", "--week", bad)
        assert result.exit_code == 2
        assert result.output.startswith(f"Error: invalid week {bad!r}") and result.output.count("\n") == 1


# --- themes by the (fake) LLM ---------------------------------------------------------------

OUTSIDE = "9999.99999"


def _llm_env(fake: FakeLLM) -> dict[str, str]:
    return {"PAPERBRIEF_LLM_MODEL": "fake-model", "PAPERBRIEF_LLM_BASE_URL": fake.base_url}


def test_llm_themes_cite_only_their_own_papers_and_are_cached(tmp_path: Path) -> None:
    _store_sample_week(tmp_path)
    cited = ["2602.04837", "2602.04883", "2602.04870"]
    answer = {
        "title": "Agents, proteins and experts",
        "text": f"Work on agents [{cited[0]}], proteins [{cited[1]}; {OUTSIDE}] and experts ({cited[2]}) "
        f"and a ghost [{OUTSIDE}].",
    }
    fake = FakeLLM(highlights_answer=json.dumps(answer))
    with serve_fake_llm(fake):
        first = _weekly(tmp_path, env=_llm_env(fake))
        calls = fake.count()
        files = _snapshot(tmp_path)
        second = _weekly(tmp_path, env=_llm_env(fake))
        assert fake.count() == calls  # cached: no new call on the rerun
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    report = _report(tmp_path)
    assert 3 <= len(report["themes"]) == calls
    for theme in report["themes"]:
        assert theme["title"] == answer["title"] and theme["source"] == "llm"
        ids_in_text = set(re.findall(r"\d{4}\.\d{4,5}", theme["text"]))
        assert OUTSIDE not in theme["text"]
        assert ids_in_text == {pid for pid in cited if pid in theme["papers"]}
    assert _snapshot(tmp_path) == files  # same files on the rerun
    for received in fake.requests:  # one call per theme, listing only that theme's papers
        listed = set(re.findall(r"^\[(\S+)\]", received.user, re.MULTILINE))
        assert listed in [set(t["papers"]) for t in report["themes"]]


def _snapshot(tmp_path: Path) -> dict[str, bytes]:
    out = tmp_path / "out"
    names = [f"{WEEK}.md", f"{WEEK}.json", f"site/weekly/{WEEK}.html"]
    return {name: (out / name).read_bytes() for name in names}


# --- e-mail: inline chart, sent once ----------------------------------------------------------


def _smtp_env(port: int) -> dict[str, str]:
    return {
        "PAPERBRIEF_SMTP_HOST": "127.0.0.1",
        "PAPERBRIEF_SMTP_PORT": str(port),
        "PAPERBRIEF_SMTP_SECURITY": "none",
        "PAPERBRIEF_EMAIL_FROM": "paperbrief@example.org",
        "PAPERBRIEF_EMAIL_TO": "ada@example.org",
    }


def test_email_carries_charts_inline_and_is_sent_once_per_week(tmp_path: Path) -> None:
    _store_sample_week(tmp_path)
    with smtp_server() as (port, received):
        first = _weekly(tmp_path, env=_smtp_env(port))
        second = _weekly(tmp_path, env=_smtp_env(port))
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert "weekly:email: sent" in first.output and "weekly:email: skipped" in second.output
    assert len(received) == 1
    message = email.message_from_bytes(received[0].data, policy=default_policy)
    assert isinstance(message, EmailMessage)
    assert message["Subject"] == "arXiv AI 论文周报 | 2026-W06（2026-02-02–2026-02-08，30 篇）"
    assert message.get_content_type() == "multipart/alternative"
    plain, related = list(message.iter_parts())
    assert plain.get_content_type() == "text/plain" and related.get_content_type() == "multipart/related"
    html_part, *images = list(related.iter_parts())
    html = html_part.get_content()
    assert "<img" in html and "http" not in re.findall(r'<img src="([^"]+)"', html)[0]
    cids = set(re.findall(r'src="cid:([^"]+)"', html))
    assert len(images) == 2 and len(cids) == 2
    for image in images:
        assert image.get_content_type() == "image/png"
        assert image["Content-ID"].strip("<>") in cids
        with Image.open(io.BytesIO(image.get_content())) as png:
            assert png.format == "PNG" and png.width > 100 and png.height > 50


def test_chat_push_once_per_week_with_the_secret_masked(tmp_path: Path) -> None:
    _store_sample_week(tmp_path)
    secret = "t0ken-s3cret"
    with webhook_server() as (port, posts):
        env = {"PAPERBRIEF_NOTIFY_URLS": f"json://127.0.0.1:{port}/{secret}", "PAPERBRIEF_SITE_BASE_URL": SITE}
        first = _weekly(tmp_path, "--lang", "en", env=env)
        second = _weekly(tmp_path, "--lang", "en", env=env)
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert len(posts) == 1
    body = posts[0].json()
    assert body["title"] == "arXiv AI weekly report | 2026-W06 (2026-02-02–2026-02-08, 30 papers)"
    first_paper = _report(tmp_path)["papers"][0]
    assert f"1. {first_paper['title']}" in body["message"]
    assert f"{SITE}/weekly/{WEEK}.html" in body["message"]
    assert re.search(rf"{WEEK} weekly:chat:json://127\.0\.0\.1:{port}/\*\*\*\*#[0-9a-f]{{8}}: sent", first.output)
    assert "skipped" in second.output
    assert secret not in first.output + second.output


def test_unusable_llm_answer_falls_back_to_terms_and_is_not_cached(tmp_path: Path) -> None:
    _store_sample_week(tmp_path)
    fake = FakeLLM(highlights_answer="Sorry, I cannot help with that.")
    with serve_fake_llm(fake):
        first = _weekly(tmp_path, env=_llm_env(fake))
        calls = fake.count()
        _weekly(tmp_path, env=_llm_env(fake))
        assert fake.count() == 2 * calls  # nothing cached: asked again
    assert first.exit_code == 0, first.output
    assert "note: the answer is not a JSON object with a title and a text" in first.output
    report = _report(tmp_path)
    assert calls == len(report["themes"]) >= 3
    assert all(t["source"] == "terms" and t["text"] == "" for t in report["themes"])


def test_token_budget_stops_theme_calls(tmp_path: Path) -> None:
    _store_sample_week(tmp_path)
    fake = FakeLLM(highlights_answer=json.dumps({"title": "One theme", "text": "Prose."}))
    with serve_fake_llm(fake):
        result = _weekly(tmp_path, env=_llm_env(fake) | {"PAPERBRIEF_LLM_MAX_TOKENS": "1"})
        assert fake.count() == 1  # the first call spends the budget
    assert result.exit_code == 0, result.output
    sources = [t["source"] for t in _report(tmp_path)["themes"]]
    assert sources[0] == "llm" and set(sources[1:]) == {"terms"}
    assert "token budget spent" in result.output


def test_best_papers_ranked_by_stored_scores_across_days(tmp_path: Path) -> None:
    fake = FakeLLM()
    with serve_fake_llm(fake):
        env = _llm_env(fake)
        for day, rows in (("2026-02-04", reference_rows()[:8]), ("2026-02-05", reference_rows()[8:14])):
            path = tmp_path / f"{day}.json"
            path.write_text(json.dumps({"announced": day, "papers": rows}, ensure_ascii=False), encoding="utf-8")
            ran = _cli(tmp_path, "run", "--from-json", str(path), "--out", str(tmp_path / "out"), "--no-deliver",
                       env=env)  # fmt: skip
            assert ran.exit_code == 0, ran.output
        result = _weekly(tmp_path, "--no-deliver")
    assert result.exit_code == 0, result.output
    papers = _report(tmp_path)["papers"]
    expected = sorted((row["id"] for row in reference_rows()[:14]), key=lambda pid: -score_for(pid))
    assert [p["score"] for p in papers] == [score_for(pid) for pid in expected]
    assert {p["arxiv_id"] for p in papers} == set(expected)
    assert [p["rank"] for p in papers] == list(range(1, 15))
    day_of = {row["id"]: "2026-02-04" for row in reference_rows()[:8]} | {
        row["id"]: "2026-02-05" for row in reference_rows()[8:14]
    }
    assert all(p["date"] == day_of[p["arxiv_id"]] for p in papers)
    assert _report(tmp_path)["missing_days"] == ["2026-02-02", "2026-02-03", "2026-02-06"]
