"""Golden test of the Markdown report against the reference, plus the renderer's deliberate behaviours."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from fakes.reference import reference_paper, reference_rows, reference_summary
from paperbrief.models import (
    Digest,
    DigestEntry,
    DigestStats,
    Enrichment,
    Paper,
    SelectionReason,
    Summary,
    SummaryStatus,
)
from paperbrief.render.files import OutputError, write_digest_files, write_files_together, write_text_atomic
from paperbrief.render.layout import github_slug  # only its own rule test uses it
from paperbrief.render.markdown import escape_markdown, render_markdown

REFERENCE = Path(__file__).parent / "data" / "reference"
REFERENCE_MD = REFERENCE / "arxiv-daily-2026-02-04.md"

# When the golden digest was generated: 09:30 in UTC+8 is 01:30 UTC, the time the footer prints.
GENERATED = dt.datetime(2026, 2, 5, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))

# Fix 4: the footer our renderer appends after the last `---` for the legacy summaries: who wrote
# the summaries, that they are based on the abstract, and when the report was generated.
EXPECTED_FOOTER = (
    "**关于本报告**\n\n"
    "- 总结来源：legacy 后端（模型 legacy，提示版本 none）；仅依据论文摘要，未阅读全文。\n"
    "- 生成时间：2026-02-05 01:30 UTC\n"
)


def reference_digest() -> Digest:
    """The 30 sample papers in the reference's order, summarized by the reference's `seed_output`."""
    entries = []
    for row in reference_rows():
        # The golden digest is the old report itself: no announce type, the legacy backend.
        paper = reference_paper(row).model_copy(update={"announce_type": None})
        summary = reference_summary(row, backend="legacy", model="legacy", prompt_version="none")
        entries.append(DigestEntry(paper=paper, summary=summary))
    return Digest(date=dt.date(2026, 2, 4), entries=entries, generated=GENERATED)


def _toc_slug(category: str) -> str:
    # GitHub's rule for a plain ASCII heading, written out independently of the code under test.
    return re.sub(r"[^\w\- ]", "", category.lower()).replace(" ", "-")


def apply_fixes(reference: str) -> str:
    """The reference with fixes 1 (slugs), 2 (TOC order, sections in that order, renumbered), 4 (footer)."""
    head, body = reference.split("\n---\n\n", 1)
    lines = head.split("\n")
    toc_at = [i for i, line in enumerate(lines) if line.startswith("- [")]
    toc = []
    for i in toc_at:
        match = re.fullmatch(r"- \[(.+?)\]\(#.+?\) \((\d+) 篇\)", lines[i])
        assert match, lines[i]
        toc.append((match.group(1), int(match.group(2))))
    order = sorted(toc, key=lambda item: (-item[1], item[0]))
    lines[toc_at[0] : toc_at[-1] + 1] = [f"- [{c}](#{_toc_slug(c)}) ({n} 篇)" for c, n in order]
    sections = {}
    for chunk in re.split(r"(?m)^(?=## cs\.)", body):
        if chunk:
            sections[chunk.split("\n", 1)[0].removeprefix("## ")] = chunk
    assert sorted(sections) == sorted(c for c, _ in toc)
    moved = "".join(sections[c] for c, _ in order)
    numbers = iter(range(1, 10_000))
    renumbered = re.sub(r"(?m)^## \[\d+\. ", lambda _m: f"## [{next(numbers)}. ", moved)
    return "\n".join(lines) + "\n---\n\n" + renumbered + EXPECTED_FOOTER


def test_golden_reference_reproduced_except_fixes_1_2_4() -> None:
    reference = REFERENCE_MD.read_text(encoding="utf-8")
    assert render_markdown(reference_digest()) == apply_fixes(reference)


def test_golden_differences_are_exactly_the_fixes() -> None:
    reference = REFERENCE_MD.read_text(encoding="utf-8")
    ours = render_markdown(reference_digest())
    ref_lines, our_lines = Counter(reference.split("\n")), Counter(ours.split("\n"))
    removed = ref_lines - our_lines
    added = our_lines - ref_lines
    toc_line = re.compile(r"- \[cs\.\w+\]\(#[\w-]+\) \(\d+ 篇\)")
    paper_heading = re.compile(r"## \[(\d+)\. (.+)\]\((https://arxiv\.org/abs/\S+)\)")
    footer_lines = set(EXPECTED_FOOTER.split("\n"))
    for line in removed:
        assert toc_line.fullmatch(line) or paper_heading.fullmatch(line), f"unexpected removed line: {line!r}"
    for line in added:
        assert toc_line.fullmatch(line) or paper_heading.fullmatch(line) or line in footer_lines, (
            f"unexpected added line: {line!r}"
        )
    # Fix 1: every TOC link changed, and only its anchor.
    ref_toc = [line for line in reference.split("\n") if toc_line.fullmatch(line)]
    our_toc = [line for line in ours.split("\n") if toc_line.fullmatch(line)]
    strip_anchor = re.compile(r"\(#[\w-]+\)")
    assert sorted(strip_anchor.sub("", x) for x in ref_toc) == sorted(strip_anchor.sub("", x) for x in our_toc)
    assert all(f"(#{_toc_slug(line[3:].split(']')[0])})" in line for line in our_toc)
    assert not set(ref_toc) & set(our_toc)  # the reference's #csLG anchors are all gone
    # Fix 2: the paper headings are the same papers with new numbers, numbered 1..30 in order.
    ref_papers = {m.group(3): m.group(2) for m in map(paper_heading.fullmatch, reference.split("\n")) if m}
    our_heads = [m for m in map(paper_heading.fullmatch, ours.split("\n")) if m]
    assert {m.group(3): m.group(2) for m in our_heads} == ref_papers
    assert [int(m.group(1)) for m in our_heads] == list(range(1, 31))
    sections = re.findall(r"(?m)^## (cs\.\w+)$", ours)
    assert sections == ["cs.LG", "cs.CV", "cs.AI", "cs.CL"]
    # Fix 4: the footer comes after the reference's last `---`, and nothing else is appended.
    assert ours.endswith("\n---\n\n" + EXPECTED_FOOTER)
    assert "- 生成时间：2026-02-05 01:30 UTC" in added  # the "when generated" part, in UTC
    assert reference.endswith("\n---\n\n")


def _paper(**changes: object) -> Paper:
    base: dict[str, object] = {
        "arxiv_id": "2602.00001",
        "title": "A plain title",
        "authors": ["Ann A", "Bob B"],
        "abstract": "We study things. We find results.",
        "categories": ["cs.LG"],
        "primary_category": "cs.LG",
        "published": dt.datetime(2026, 2, 3, 23, 30, tzinfo=dt.UTC),
    }
    base.update(changes)
    return Paper.model_validate(base)


def _summary(**changes: object) -> Summary:
    base: dict[str, object] = {
        "arxiv_id": "2602.00001",
        "tldr": "一句话。",
        "motivation": "动机。",
        "method": "方法。",
        "conclusion": "结论。",
        "keywords": ["a", "b"],
        "score": 50,
        "backend": "llm",
        "model": "m",
        "prompt_version": "p1",
        "status": SummaryStatus.OK,
    }
    base.update(changes)
    return Summary.model_validate(base)


def _digest(*entries: DigestEntry, **changes: object) -> Digest:
    base: dict[str, object] = {"date": dt.date(2026, 2, 4), "entries": list(entries)}
    base.update(changes)
    return Digest.model_validate(base)


def test_markup_in_title_and_abstract_renders_as_text() -> None:
    paper = _paper(
        title="Attack <script>alert(1)</script> on *bold* [link](http://x) `code`",
        abstract="See ]] and <img src=x onerror=alert(1)> plus **strong** and _em_ and `a` `b`.",
        authors=["Eve <b>", "M*a*llory"],
    )
    text = render_markdown(_digest(DigestEntry(paper=paper, summary=_summary(tldr="摘要 <script>x</script> [y]"))))
    assert "<script>" not in text and "<img" not in text and "<b>" not in text
    assert "## [1. Attack &lt;script>alert(1)&lt;/script> on \\*bold\\* \\[link\\](http://x) \\`code\\`](" in text
    abstract = r"See \]\] and &lt;img src=x onerror=alert(1)> plus \*\*strong\*\* and \_em\_ and \`a\` \`b\`."
    assert abstract in text
    assert "Eve &lt;b>, M\\*a\\*llory" in text
    assert "**一句话总结**：摘要 &lt;script>x&lt;/script> \\[y\\]" in text


def test_escape_keeps_reference_text_plain() -> None:
    # LaTeX, percent, ampersand, quotes, intraword underscores and lone backticks stay as arXiv wrote them.
    for plain in (
        "$AUC_L$ and $AUC^*$ with 91.4\\% and \\method, T$^2$",
        'Healthcare & Medicine: "I Don\'t Know" (~76% done) (~92% not) (>25 mm/day)',
        "AUC_L和AUC_U, ``new'' knowledge",
    ):
        assert escape_markdown(plain) == plain


def test_escape_block_start_and_newlines() -> None:
    assert escape_markdown("# not a heading", block_start=True) == "\\# not a heading"
    assert escape_markdown("1. not a list", block_start=True) == "1\\. not a list"
    assert escape_markdown("> not a quote", block_start=True) == "\\> not a quote"
    assert escape_markdown("line one\n\n# two\n- three") == "line one # two - three"


def test_missing_score_is_never_zero() -> None:
    extractive = _summary(score=None, status=SummaryStatus.EXTRACTIVE, backend="extractive")
    failed = _summary(score=None, status=SummaryStatus.FAILED, error="HTTP 500 from provider")
    text = render_markdown(
        _digest(
            DigestEntry(paper=_paper(), summary=extractive),
            DigestEntry(paper=_paper(arxiv_id="2602.00002"), summary=failed),
        )
    )
    assert "**评分**：—（未评分）" in text
    assert "**评分**：—（评分失败）" in text
    assert "评分**：0" not in text and "N/A" not in text


def test_failed_and_absent_fields_say_so() -> None:
    failed = _summary(
        tldr=None,
        motivation=None,
        method=None,
        conclusion=None,
        keywords=[],
        score=None,
        status=SummaryStatus.FAILED,
        error="provider returned invalid JSON\ntraceback line",
    )
    extractive = _summary(motivation=None, score=None, status=SummaryStatus.EXTRACTIVE, backend="extractive")
    skipped = _summary(tldr=None, score=None, status=SummaryStatus.SKIPPED_BUDGET)
    text = render_markdown(
        _digest(
            DigestEntry(paper=_paper(arxiv_id="2602.00001"), summary=failed),
            DigestEntry(paper=_paper(arxiv_id="2602.00002"), summary=extractive),
            DigestEntry(paper=_paper(arxiv_id="2602.00003"), summary=skipped),
            DigestEntry(paper=_paper(arxiv_id="2602.00004"), summary=None),
        )
    )
    assert "**一句话总结**：（生成失败：provider returned invalid JSON）" in text
    assert "**关键词**：（生成失败：provider returned invalid JSON）" in text
    assert "traceback line" not in text
    assert "**研究动机**：（摘要中未找到）" in text
    assert "（因 LLM 预算用尽，本篇未总结）" in text
    assert "（未总结）" in text
    assert "N/A" not in text


def test_english_labels() -> None:
    paper = _paper(authors=["A One", "B Two", "C Three", "D Four", "E Five"])
    text = render_markdown(
        _digest(DigestEntry(paper=paper, summary=_summary(score=None, status=SummaryStatus.EXTRACTIVE)), language="en")
    )
    assert text.startswith("# Daily arXiv AI digest | 2026-02-04\n")
    for label in (
        "## 📑 Contents",
        "- [cs.LG](#cslg) (1 paper)",
        "### 📄 Abstract",
        "### 📝 Extractive summary",  # the summary is extractive: no "AI" heading over it
        "**TL;DR**: ",
        "**Motivation**: ",
        "**Method**: ",
        "**Conclusion**: ",
        "**Keywords**: ",
        "**Score**: — (not scored)",
        "**Authors**: A One, B Two, C Three et al. (5 authors)  ",
        "**Published**: 2026-02-03",
        "**About this digest**",
    ):
        assert label in text, label
    assert not re.search(
        r"[\u4e00-\u9fff]",
        text.replace("一句话。", "").replace("动机。", "").replace("方法。", "").replace("结论。", ""),
    )


def test_github_slug_rule_with_duplicates() -> None:
    assert github_slug("cs.LG") == "cslg"
    assert github_slug("📑 目录") == "-目录"
    assert github_slug("Hello, World! (v2)") == "hello-world-v2"
    assert github_slug("snake_case and-dash") == "snake_case-and-dash"
    seen: dict[str, int] = {}
    assert [github_slug(t, seen) for t in ("Intro", "Intro", "intro", "Intro-1", "Intro")] == [
        "intro",
        "intro-1",
        "intro-2",
        "intro-1-1",
        "intro-3",
    ]


def test_toc_links_resolve_to_headings() -> None:
    text = render_markdown(reference_digest())
    links = re.findall(r"(?m)^- \[([^\]]+)\]\(#([^)]+)\)", text)
    # GitHub's ids of `## cs.LG` … written out by hand: lowercase, the "." dropped.
    assert links == [("cs.LG", "cslg"), ("cs.CV", "cscv"), ("cs.AI", "csai"), ("cs.CL", "cscl")]
    assert re.findall(r"(?m)^## (cs\.\w+)$", text) == ["cs.LG", "cs.CV", "cs.AI", "cs.CL"]
    # Each section heading is the first heading whose id is that anchor (no "-1" suffix on GitHub):
    # every heading before it is the title, 目录, another section, a paper title or a fixed label.
    first_heading_lines = re.findall(r"(?m)^#{1,6} (.+)$", text)[:3]
    assert first_heading_lines == ["arXiv AI 论文日报 | 2026-02-04", "📑 目录", "cs.LG"]


def test_no_announcement_day() -> None:
    day = _digest(
        no_announcement=True,
        no_announcement_reason="arXiv does not announce on Saturdays",
        generated=dt.datetime(2026, 2, 7, 12, 0, tzinfo=dt.UTC),
    )
    text = render_markdown(day)
    assert "> 今日 arXiv 无新论文（周末/假日）" in text
    assert "arXiv does not announce on Saturdays" in text
    assert "生成时间：2026-02-07 12:00 UTC" in text
    assert "## 📑 目录" not in text
    english = render_markdown(day.model_copy(update={"language": "en"}))
    assert "No new arXiv papers today (weekend/holiday)" in english


def test_optional_parts_appear_only_when_present() -> None:
    entry = DigestEntry(
        paper=_paper(),
        summary=_summary(),
        reason=SelectionReason(rank_score=0.8312, matched_terms=["diffusion"], matched_authors=["Ann A"]),
        enrichment=Enrichment(
            code_urls=["https://github.com/x/y", "javascript:alert(1)"], venue="ICLR 2026", pages=12, figures=5
        ),
    )
    plain = render_markdown(_digest(DigestEntry(paper=_paper(), summary=_summary())))
    for absent in ("今日看点", "入选理由", "附加信息", "⚠️"):
        assert absent not in plain
    text = render_markdown(
        _digest(
            entry,
            highlights="- 今天扩散模型很多 *热*\n- second",
            warnings=["cs.CV: API returned fewer papers than announced"],
            stats=DigestStats(
                announced={"cs.LG": 120}, fetched={"cs.LG": 118}, tokens_in=1500, tokens_out=300, cost=0.0123
            ),
            generated=dt.datetime(2026, 2, 5, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8))),
        )
    )
    assert "## 今日看点\n\n- 今天扩散模型很多 \\*热\\*\n- second\n" in text
    assert "> ⚠️ cs.CV: API returned fewer papers than announced\n" in text
    assert "**入选理由**：匹配词 diffusion；作者 Ann A；排序分 0.83  \n" in text
    assert "**附加信息**：代码 <https://github.com/x/y>；发表于 ICLR 2026；12 页，5 图  \n" in text
    assert "javascript:" not in text
    assert "- 用量：输入 1,500 tokens，输出 300 tokens，费用 USD 0.0123" in text
    assert "- 各分类：cs.LG 公告 120 / 抓取 118" in text
    assert "- 生成时间：2026-02-05 01:30 UTC" in text


def test_utf8_round_trip_through_files(tmp_path: Path) -> None:
    title = "中文标题 🚀 with $\\alpha_i^2$ and ∑ ≤ ∞"
    paper = _paper(title=title, abstract="摘要：我们提出 😀 方法，$x \\in \\mathbb{R}^d$。")
    digest = _digest(DigestEntry(paper=paper, summary=_summary(tldr="表情 🎉 与公式 $E=mc^2$")))
    files = write_digest_files(digest, tmp_path / "out")
    assert [p.name for p in files] == ["2026-02-04.md", "2026-02-04.json"]
    markdown = files[0].read_bytes().decode("utf-8")
    assert markdown == render_markdown(digest)
    assert title in markdown and "表情 🎉 与公式 $E=mc^2$" in markdown
    raw_json = files[1].read_bytes().decode("utf-8")
    assert "🚀" in raw_json and "\\u" not in raw_json
    assert json.loads(raw_json)["entries"][0]["paper"]["title"] == title
    # Nothing but the pair: no temp file and no kept previous version.
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["2026-02-04.json", "2026-02-04.md"]


def test_unwritable_dir_raises_output_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")
    with pytest.raises(OutputError) as info:
        write_digest_files(_digest(DigestEntry(paper=_paper(), summary=_summary())), blocker / "digests")
    assert "\n" not in str(info.value) and "digests" in str(info.value)
    with pytest.raises(OutputError):
        write_text_atomic(blocker / "x.md", "text")


def _one_paper_digest(title: str) -> Digest:
    return _digest(DigestEntry(paper=_paper(title=title), summary=_summary()))


@pytest.mark.parametrize("blocked", [".md", ".json"])
def test_digest_pair_is_replaced_as_a_unit(tmp_path: Path, blocked: str) -> None:
    """A directory in the way of either file: neither file of the previous pair changes, nothing is left over."""
    out = tmp_path / "out"
    md, js = write_digest_files(_one_paper_digest("Old title"), out)
    target = out / f"2026-02-04{blocked}"
    other = js if blocked == ".md" else md
    kept = other.read_bytes()
    target.unlink()
    target.mkdir()
    (target / "notes.txt").write_text("someone's files", encoding="utf-8")
    with pytest.raises(OutputError) as info:
        write_digest_files(_one_paper_digest("New title"), out)
    message = str(info.value)
    assert "\n" not in message and str(target) in message
    assert other.read_bytes() == kept
    assert b"Old title" in kept
    assert target.is_dir() and (target / "notes.txt").exists()
    assert sorted(p.name for p in out.iterdir()) == ["2026-02-04.json", "2026-02-04.md"]  # no temp, no backup
    # Once the way is clear the same call writes the new pair.
    (target / "notes.txt").unlink()
    target.rmdir()
    write_digest_files(_one_paper_digest("New title"), out)
    assert "New title" in md.read_text(encoding="utf-8") and "New title" in js.read_text(encoding="utf-8")


def test_failed_pair_does_not_leave_a_new_half(tmp_path: Path) -> None:
    """First run with `DATE.json` blocked: no `.md` appears alone."""
    out = tmp_path / "out"
    (out / "2026-02-04.json").mkdir(parents=True)
    with pytest.raises(OutputError):
        write_digest_files(_one_paper_digest("New title"), out)
    assert [p.name for p in out.iterdir()] == ["2026-02-04.json"]


def test_files_together_renders_everything_before_renaming(tmp_path: Path) -> None:
    """A renderer failing on the second file leaves the first untouched (its rename comes last)."""
    first, second = tmp_path / "a.md", tmp_path / "b.json"
    write_files_together([(first, ["old a"]), (second, ["old b"])])

    def broken() -> Iterator[str]:
        yield "partial"
        raise RuntimeError("renderer bug")

    with pytest.raises(RuntimeError, match="renderer bug"):
        write_files_together([(first, ["new a"]), (second, broken())])
    assert first.read_text(encoding="utf-8") == "old a"
    assert second.read_text(encoding="utf-8") == "old b"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.md", "b.json"]


def test_write_text_atomic_replaces_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "f.md"
    write_text_atomic(target, "old " * 1000)
    write_text_atomic(target, "新")
    assert target.read_bytes() == "新".encode()
    assert [p.name for p in tmp_path.iterdir()] == ["f.md"]
