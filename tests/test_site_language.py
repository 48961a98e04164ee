"""One language per report (issue 9): a zh digest reads Chinese in every output, and says how it was summarized."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from lxml import html

from fakes.digests import sample_digest
from paperbrief.deliver.email import build_email
from paperbrief.models import Digest, Summary, SummaryStatus
from paperbrief.render.markdown import render_markdown
from paperbrief.render.site import build_site

SATURDAY = dt.date(2026, 2, 7)
INCOMPLETE = (
    "the day may be incomplete: the feed of cs.LG, cs.CV holds 2000 items, arXiv's limit: the day may be cut short"
)
UNFETCHED = "2 announced papers could not be fetched: 2602.00001v1, 2602.00002v1"
API_EMPTY = (
    "the day may be incomplete: the API returned no papers for the 2026-02-04 submission window of "
    "cs.LG although it is an announcement day"
)


def _weekend(language: str, reason: str = "weekend") -> Digest:
    return Digest(date=SATURDAY, language=language, no_announcement=True, no_announcement_reason=reason)


def _extractive(language: str = "zh") -> Digest:
    """The sample day summarized by the extractive backend (no model, no score)."""
    digest = sample_digest(language)
    for entry in digest.entries:
        assert entry.summary is not None
        entry.summary = Summary(
            arxiv_id=entry.paper.arxiv_id,
            tldr=entry.paper.abstract.split(". ")[0],
            language=language,
            status=SummaryStatus.EXTRACTIVE,
        )
    digest.stats.backend = digest.stats.model = "extractive"
    return digest


def _visible(markup: str, sep: str = "") -> str:
    root = html.fromstring(markup)
    for element in root.xpath("//script | //style"):
        element.drop_tree()
    return sep.join(root.find("body").itertext())


def test_weekend_reason_is_written_in_the_report_language(tmp_path: Path) -> None:
    zh = render_markdown(_weekend("zh"))
    assert "> 今日 arXiv 无新论文（周末/假日）\n\n原因：周末（arXiv 周六、周日不发布新论文）\n" in zh
    assert "weekend" not in zh
    en = render_markdown(_weekend("en"))
    assert "Reason: weekend (arXiv does not announce new papers on Saturdays and Sundays)\n" in en
    holiday = render_markdown(_weekend("zh", "holiday"))
    assert "原因：arXiv 节假日（当天不发布新论文）" in holiday and "holiday" not in holiday
    empty = render_markdown(_weekend("zh", "empty feed"))
    assert "原因：arXiv 当天的订阅源为空（可能是未列出的节假日）" in empty
    build_site([_weekend("zh"), sample_digest()], tmp_path)
    page = _visible((tmp_path / "site" / "2026-02-07.html").read_text(encoding="utf-8"))
    assert "（周末）" in page and "weekend" not in page
    mail = build_email(_weekend("zh"), "pb@example.org", ["a@example.org"])
    assert "（周末）" in mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "weekend" not in _visible(mail.get_body(("html",)).get_content())  # type: ignore[union-attr]


def test_incomplete_day_warnings_are_chinese_in_a_zh_report() -> None:
    digest = sample_digest()
    digest.warnings = [INCOMPLETE, UNFETCHED, API_EMPTY]
    text = render_markdown(digest)
    assert (
        "> ⚠️ 当天的论文可能不完整：cs.LG, cs.CV 的订阅源有 2000 条，已达 arXiv 的上限，当天的论文可能不全  \n" in text
    )
    assert "> ⚠️ 2 篇已公告的论文未能获取：2602.00001v1, 2602.00002v1  \n" in text
    assert (
        "> ⚠️ 当天的论文可能不完整：arXiv API 在 2026-02-04 的提交时间窗内没有返回 cs.LG 的论文，但当天是发布日\n"
        in text
    )
    assert "incomplete" not in text and "could not be fetched" not in text
    english = render_markdown(sample_digest("en").model_copy(update={"warnings": [INCOMPLETE]}))
    assert f"> ⚠️ {INCOMPLETE.replace('limit:', 'limit:')}\n" in english


def test_extractive_summaries_have_an_honest_heading_and_header(tmp_path: Path) -> None:
    zh = render_markdown(_extractive())
    assert zh.count("### 📝 摘要摘录\n") == 30 and "🤖" not in zh and "AI 总结" not in zh
    assert "> 共 30 篇论文，总结为摘要原句抽取（未使用AI）\n" in zh
    assert "- 总结来源：摘要原句抽取（未使用语言模型）；仅依据论文摘要，未阅读全文。\n" in zh
    # The heading's GitHub anchor changes with it: the TOC still resolves (first section is cs.LG).
    assert "- [cs.LG](#cslg) (17 篇)\n" in zh
    en = render_markdown(_extractive("en"))
    assert en.count("### 📝 Extractive summary\n") == 30 and "AI summary" not in en
    build_site([_extractive()], tmp_path)
    page = html.fromstring((tmp_path / "site" / "2026-02-04.html").read_text(encoding="utf-8"))
    assert page.xpath("//p[@id='made-by']")[0].text_content() == "摘要摘录：总结为论文摘要中的原句（未使用语言模型）"
    mail = build_email(_extractive(), "pb@example.org", ["a@example.org"])
    assert "摘要摘录：总结为论文摘要中的原句（未使用语言模型）" in mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_llm_header_names_the_model(tmp_path: Path) -> None:
    build_site([sample_digest(), sample_digest("en", dt.date(2026, 2, 3))], tmp_path)
    zh = html.fromstring((tmp_path / "site" / "2026-02-04.html").read_text(encoding="utf-8"))
    assert zh.xpath("//p[@id='made-by']")[0].text_content() == "总结由 reference-model 生成"
    en = html.fromstring((tmp_path / "site" / "2026-02-03.html").read_text(encoding="utf-8"))
    assert en.xpath("//p[@id='made-by']")[0].text_content() == "Summaries by reference-model"
    mail = build_email(sample_digest(), "pb@example.org", ["a@example.org"])
    assert "总结由 reference-model 生成" in _visible(mail.get_body(("html",)).get_content())  # type: ignore[union-attr]
    # The Markdown report keeps the reference's header for model summaries; its footer names the model.
    text = render_markdown(sample_digest())
    assert "> 共 30 篇论文，由AI自动总结\n" in text and "### 🤖 AI 总结\n" in text


def test_zh_site_page_has_no_english_words_but_names(tmp_path: Path) -> None:
    digest = _extractive()
    digest.warnings = [INCOMPLETE]
    build_site([digest, _weekend("zh")], tmp_path)
    for name in ("2026-02-04.html", "2026-02-07.html", "index.html"):
        text = _visible((tmp_path / "site" / name).read_text(encoding="utf-8"), sep="\n")
        own = [c for e in digest.entries for c in e.paper.categories]
        own += [p for e in digest.entries for p in (e.paper.title, *e.paper.authors, e.paper.abstract, e.summary.tldr)]  # type: ignore[union-attr]
        # The papers' own text may be English: take it out (around its math, which is shown as MathML).
        pieces = [piece for part in own for piece in re.split(r"\$[^$]*\$", part)]
        for part in sorted(pieces, key=len, reverse=True):
            text = text.replace(part, " ")
        words = set(re.findall(r"[A-Za-z]{3,}", text)) - {"arXiv", "PDF", "Atom", "paperbrief", "UTC"}
        assert words == set(), (name, words)
