"""Report layout shared by every renderer: section order, numbering and GitHub heading anchors.

Anchors follow GitHub's heading-id rule (github-slugger, https://github.com/Flet/github-slugger),
so a Markdown TOC link resolves on GitHub and the HTML site can use the very same ids.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from paperbrief.models import Digest, DigestEntry, SummaryStatus


def _slug_keeps(char: str) -> bool:
    # github-slugger keeps letters, marks, decimal digits, connector punctuation, space and "-".
    category = unicodedata.category(char)
    return char in " -" or category[0] in "LM" or category in ("Nd", "Pc")


# The ASCII characters github-slugger drops, as a `str.translate` table (the rule itself is `_slug_keeps`).
_ASCII_DROPPED = {code: None for code in range(128) if not _slug_keeps(chr(code))}


def _bare_slug(text: str) -> str:
    """`github_slug` without the dedupe: ASCII is filtered by one `translate`, other characters one by one."""
    kept = text.lower().translate(_ASCII_DROPPED)
    if not kept.isascii():
        kept = "".join(char for char in kept if char.isascii() or _slug_keeps(char))
    return kept.replace(" ", "-")


def _dedupe_slug(slug: str, seen: dict[str, int]) -> str:
    """`slug`, or `slug-1`, `slug-2`, … when the document already has it (GitHub's rule)."""
    if slug not in seen:
        seen[slug] = 0
        return slug
    count = seen[slug]
    while True:
        count += 1
        candidate = f"{slug}-{count}"
        if candidate not in seen:
            break
    seen[slug] = count
    seen[candidate] = 0
    return candidate


def github_slug(text: str, seen: dict[str, int] | None = None) -> str:
    """GitHub's id of a heading: lowercase, punctuation dropped except `-`/`_`, spaces → `-`.

    With `seen` (one dict per document), repeated slugs get `-1`, `-2`, … like GitHub does.
    """
    slug = _bare_slug(text)
    return slug if seen is None else _dedupe_slug(slug, seen)


@dataclass
class Section:
    """One primary category of the report with its entries, numbered through the whole report."""

    category: str
    anchor: str
    entries: list[DigestEntry] = field(default_factory=list)

    @property
    def count(self) -> int:
        """Number of papers in the section."""
        return len(self.entries)


def ordered_sections(digest: Digest) -> list[Section]:
    """Sections in TOC order (more papers first, ties by name), entries renumbered 1…N in that order.

    Within a section entries keep the order of `digest.entries` (the selection stage's order).
    Entries are copies: the digest itself is not changed.
    """
    sections = _grouped(digest, reuse_numbered=False)
    _assign_anchors(digest, sections)
    return sections


def ordered_entries(digest: Digest) -> list[DigestEntry]:
    """Every entry in report order, numbered as in the Markdown report (copies; no anchors are computed)."""
    return [entry for section in _grouped(digest, reuse_numbered=False) for entry in section.entries]


@dataclass
class ReportLayout:
    """What a renderer of the whole report needs: the sections (with anchors) and each paper heading's anchor."""

    sections: list[Section]
    paper_anchors: dict[int, str]


def report_layout(digest: Digest) -> ReportLayout:
    """`ordered_sections` plus the anchor of every numbered paper heading, from one pass over the headings.

    For renderers that only read the entries: an entry that already carries its report number (the
    pipeline hands over a digest in report order) is used as it is instead of being copied.
    """
    sections = _grouped(digest, reuse_numbered=True)
    return ReportLayout(sections, _assign_anchors(digest, sections))


def report_entries(digest: Digest) -> list[DigestEntry]:
    """`ordered_entries` for renderers that only read them: already-numbered entries are not copied."""
    return [entry for section in _grouped(digest, reuse_numbered=True) for entry in section.entries]


def _grouped(digest: Digest, *, reuse_numbered: bool) -> list[Section]:
    """The sections in TOC order with their entries numbered through the report; anchors left empty."""
    by_category: dict[str, list[DigestEntry]] = {}
    for entry in digest.entries:
        by_category.setdefault(entry.paper.primary, []).append(entry)
    sections: list[Section] = []
    number = 0
    for category, _count in digest.categories_in_order():
        section = Section(category=category, anchor="")
        for entry in by_category[category]:
            number += 1
            if reuse_numbered and entry.number == number:
                section.entries.append(entry)
            else:
                section.entries.append(entry.model_copy(update={"number": number}))
        sections.append(section)
    return sections


def heading_texts(digest: Digest, sections: list[Section]) -> list[tuple[str, Section | None]]:
    """Plain text of every heading of the Markdown report in document order (for slug dedupe)."""
    labels = labels_for(digest.language)
    out: list[tuple[str, Section | None]] = [(f"{labels['title']} | {digest.date.isoformat()}", None)]
    if digest.no_announcement:
        return out
    if digest.highlights:
        out.append((labels["highlights"], None))
    out.append((f"📑 {labels['toc']}", None))
    for section in sections:
        out.append((section.category, section))
        for entry in section.entries:
            out.append((f"{entry.number}. {entry.paper.title}", None))
            out.append((f"📄 {labels['abstract']}", None))
            out.append((summary_heading(entry, labels), None))
    return out


def summary_heading(entry: DigestEntry, labels: dict[str, str]) -> str:
    """The heading over a paper's summary: `🤖 AI 总结`, or `📝 摘要摘录` when no model wrote it (extractive)."""
    if entry.summary is not None and entry.summary.status == SummaryStatus.EXTRACTIVE:
        return f"📝 {labels['extractive_summary']}"
    return f"🤖 {labels['ai_summary']}"


def _assign_anchors(digest: Digest, sections: list[Section]) -> dict[int, str]:
    """Set each section's anchor and return each numbered paper heading's, walking the headings in document order.

    One walk with one `seen` dict gives every heading the slug GitHub gives it (duplicates dedupe in
    document order). A paper's anchor is the slug of the first heading whose text is its `N. title`.
    """
    numbers = {f"{e.number}. {e.paper.title}": e.number for s in sections for e in s.entries}
    seen: dict[str, int] = {}
    anchors: dict[int, str] = {}
    # The label headings repeat under every paper: their bare slugs are computed once per walk.
    bare: dict[str, str] = {}
    labels = labels_for(digest.language)
    for label in (f"📄 {labels['abstract']}", f"📝 {labels['extractive_summary']}", f"🤖 {labels['ai_summary']}"):
        bare[label] = _bare_slug(label)
    for text, section in heading_texts(digest, sections):
        base = bare.get(text)
        slug = _dedupe_slug(base if base is not None else _bare_slug(text), seen)
        if section is not None:
            section.anchor = slug
        number = numbers.get(text)
        if number is not None and number not in anchors:
            anchors[number] = slug
    return anchors


_LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "arXiv AI 论文日报",
        "count_ai": "共 {n} 篇论文，由AI自动总结",
        "count_extractive": "共 {n} 篇论文，总结为摘要原句抽取（未使用AI）",
        "count_none": "共 {n} 篇论文",
        "toc": "目录",
        "toc_count": "({n} 篇)",
        "toc_count_one": "({n} 篇)",
        "highlights": "今日看点",
        "colon": "：",
        "authors": "作者",
        "authors_more": "{names} 等 {n} 位作者",
        "unknown": "（未知）",
        "categories": "分类",
        "reason": "入选理由",
        "enrichment": "附加信息",
        "published": "发布时间",
        "abstract": "论文摘要",
        "no_abstract": "（无摘要）",
        "ai_summary": "AI 总结",
        "extractive_summary": "摘要摘录",
        "tldr": "一句话总结",
        "motivation": "研究动机",
        "method": "核心方法",
        "conclusion": "主要结论",
        "keywords": "关键词",
        "score": "评分",
        "not_scored": "—（未评分）",
        "score_failed": "—（评分失败）",
        "field_failed": "（生成失败：{reason}）",
        "field_failed_plain": "（生成失败）",
        "field_not_found": "（摘要中未找到）",
        "field_missing": "（缺失）",
        "skipped_budget": "（因 LLM 预算用尽，本篇未总结）",
        "not_summarized": "（未总结）",
        "links": "论文链接",
        "view": "查看原文",
        "pdf": "下载PDF",
        "no_announcement": "今日 arXiv 无新论文（周末/假日）",
        "no_announcement_reason": "原因：{v}",
        "reason_terms": "匹配词 {v}",
        "reason_authors": "作者 {v}",
        "reason_profile": "兴趣 {v}",
        "reason_rank": "排序分 {v}",
        "sep": "；",
        "enrich_code": "代码 {v}",
        "enrich_venue": "发表于 {v}",
        "enrich_pages": "{n} 页",
        "enrich_figures": "{n} 图",
        "footer_title": "关于本报告",
        "footer_writers": "总结来源：{writers}；仅依据论文摘要，未阅读全文。",
        "footer_writer": "{backend} 后端（模型 {model}，提示版本 {prompt}）",
        "footer_writer_extractive": "摘要原句抽取（未使用语言模型）",
        "footer_no_summaries": "本报告未生成总结。",
        "footer_usage": "用量：输入 {tin} tokens，输出 {tout} tokens{cost}",
        "footer_cost": "，费用 USD {cost}",
        "footer_counts": "各分类：{counts}",
        "footer_count": "{cat} 公告 {announced} / 抓取 {fetched}",
        "footer_generated": "生成时间：{when}",
        "list_sep": "，",
    },
    "en": {
        "title": "Daily arXiv AI digest",
        "count_ai": "{n} papers, summarized by AI",
        "count_extractive": "{n} papers, summaries are sentences extracted from the abstracts (no AI)",
        "count_none": "{n} papers",
        "toc": "Contents",
        "toc_count": "({n} papers)",
        "toc_count_one": "({n} paper)",
        "highlights": "Highlights",
        "colon": ": ",
        "authors": "Authors",
        "authors_more": "{names} et al. ({n} authors)",
        "unknown": "(unknown)",
        "categories": "Categories",
        "reason": "Why selected",
        "enrichment": "Extras",
        "published": "Published",
        "abstract": "Abstract",
        "no_abstract": "(no abstract)",
        "ai_summary": "AI summary",
        "extractive_summary": "Extractive summary",
        "tldr": "TL;DR",
        "motivation": "Motivation",
        "method": "Method",
        "conclusion": "Conclusion",
        "keywords": "Keywords",
        "score": "Score",
        "not_scored": "— (not scored)",
        "score_failed": "— (scoring failed)",
        "field_failed": "(generation failed: {reason})",
        "field_failed_plain": "(generation failed)",
        "field_not_found": "(not found in the abstract)",
        "field_missing": "(missing)",
        "skipped_budget": "(skipped: the LLM budget was used up)",
        "not_summarized": "(not summarized)",
        "links": "Links",
        "view": "Abstract page",
        "pdf": "PDF",
        "no_announcement": "No new arXiv papers today (weekend/holiday)",
        "no_announcement_reason": "Reason: {v}",
        "reason_terms": "terms {v}",
        "reason_authors": "authors {v}",
        "reason_profile": "profile {v}",
        "reason_rank": "rank score {v}",
        "sep": "; ",
        "enrich_code": "code {v}",
        "enrich_venue": "venue {v}",
        "enrich_pages": "{n} pages",
        "enrich_figures": "{n} figures",
        "footer_title": "About this digest",
        "footer_writers": "Summaries written by {writers}; based on the abstract only, not the full text.",
        "footer_writer": "backend {backend} (model {model}, prompt version {prompt})",
        "footer_writer_extractive": "sentences extracted from the abstract (no language model)",
        "footer_no_summaries": "No summaries were written for this digest.",
        "footer_usage": "Usage: {tin} input tokens, {tout} output tokens{cost}",
        "footer_cost": ", cost USD {cost}",
        "footer_counts": "Per category: {counts}",
        "footer_count": "{cat} announced {announced} / fetched {fetched}",
        "footer_generated": "Generated: {when}",
        "list_sep": ", ",
    },
}


def labels_for(language: str) -> dict[str, str]:
    """Heading labels of a report language (Chinese unless `en`)."""
    return dict(_LABELS["en" if language == "en" else "zh"])
