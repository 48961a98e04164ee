"""Labels and small view helpers shared by the site, the feed, e-mail and chat messages.

Everything here is pure: a digest in, strings out. Labels follow `Digest.language` (zh or en).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from paperbrief.models import Digest, DigestEntry, SummaryStatus


@dataclass(frozen=True)
class Labels:
    """Every user-visible word of the published outputs, in one language."""

    lang: str
    html_lang: str
    title: str
    papers: str  # "{n} 篇" / "{n} papers"
    no_announcement: str
    no_entries: str
    unscored: str
    score_failed: str
    not_summarized: str
    score: str
    authors: str
    categories: str
    tldr: str
    motivation: str
    method: str
    conclusion: str
    abstract: str
    keywords: str
    abs_link: str
    pdf_link: str
    code_link: str
    permalink: str
    all_categories: str
    category: str
    min_score: str
    sort: str
    sort_report: str
    sort_score: str
    sort_id: str
    search: str
    showing: str  # "{shown}" and "{total}" filled in by the page script
    nothing_matches: str
    reset: str
    theme: str
    all_days: str
    feed: str
    top_paper: str
    first_paper: str  # the index's label for a day where no paper has a score
    previous_day: str
    next_day: str
    highlights: str
    read_online: str
    more_authors: str  # "{n}"
    footer: str  # "{model}", "{prompt}"
    footer_extractive: str
    made_by: str  # "{model}": the header's line on how the summaries were made
    made_extractive: str
    reason_open: str  # brackets around a no-announcement reason: " (" … ")" or "（" … "）"
    reason_close: str
    generated: str
    no_digests: str
    date: str


def labels_for(language: str) -> Labels:
    """The labels of a digest language (anything but `en` reads Chinese, the reference's language)."""
    if language == "en":
        return Labels(
            lang="en",
            html_lang="en",
            title="arXiv AI digest",
            papers="{n} papers",
            no_announcement=(
                "No arXiv announcement on this day: arXiv announces Sunday to Thursday, "
                "not on Fridays, Saturdays or holidays."
            ),
            no_entries="No paper was selected on this day.",
            unscored="Not scored",
            score_failed="Scoring failed",
            not_summarized="Not summarized",
            score="Score",
            authors="Authors",
            categories="Categories",
            tldr="TL;DR",
            motivation="Motivation",
            method="Method",
            conclusion="Conclusion",
            abstract="Original abstract",
            keywords="Keywords",
            abs_link="arXiv",
            pdf_link="PDF",
            code_link="Code",
            permalink="Link to this paper",
            all_categories="All categories",
            category="Category",
            min_score="Min score",
            sort="Sort",
            sort_report="Report order",
            sort_score="Score (high first)",
            sort_id="arXiv id (newest first)",
            search="Search title, authors, keywords",
            showing="Showing {shown} of {total}",
            nothing_matches="No paper matches these filters.",
            reset="Reset",
            theme="Toggle light/dark theme",
            all_days="All days",
            feed="Atom feed",
            top_paper="Top paper",
            first_paper="First paper",
            previous_day="Previous day",
            next_day="Next day",
            highlights="Highlights",
            read_online="Read the full digest online",
            more_authors="+{n} more",
            footer=(
                "Summaries and scores were written by {model} (prompt {prompt}) from the abstracts only; "
                "they may contain errors. Check the paper before citing it."
            ),
            footer_extractive="Summaries are sentences extracted from the abstracts (no language model).",
            made_by="Summaries by {model}",
            made_extractive="Extractive summaries: sentences taken from the abstracts (no language model)",
            reason_open=" (",
            reason_close=")",
            generated="Generated",
            no_digests="No digest has been stored yet: run `paperbrief run` first.",
            date="Date",
        )
    return Labels(
        lang="zh",
        html_lang="zh-CN",
        title="arXiv AI 论文日报",
        papers="{n} 篇",
        no_announcement="arXiv 当天没有新公告：arXiv 周日至周四发布，周五、周六和节假日不发布。",
        no_entries="当天没有选出论文。",
        unscored="未评分",
        score_failed="评分失败",
        not_summarized="未总结",
        score="评分",
        authors="作者",
        categories="分类",
        tldr="一句话总结",
        motivation="研究动机",
        method="核心方法",
        conclusion="主要结论",
        abstract="原文摘要",
        keywords="关键词",
        abs_link="arXiv",
        pdf_link="PDF",
        code_link="代码",
        permalink="本文链接",
        all_categories="全部分类",
        category="分类",
        min_score="最低评分",
        sort="排序",
        sort_report="默认顺序",
        sort_score="按评分（高到低）",
        sort_id="按编号（新到旧）",
        search="搜索标题、作者、关键词",
        showing="显示 {shown} / {total} 篇",
        nothing_matches="没有符合筛选条件的论文。",
        reset="重置",
        theme="切换浅色/深色主题",
        all_days="全部日报",
        feed="Atom 订阅",
        top_paper="最高分",
        first_paper="首篇",
        previous_day="前一天",
        next_day="后一天",
        highlights="今日看点",
        read_online="在线阅读完整日报",
        more_authors="等 {n} 位作者",
        footer="总结与评分由 {model}（提示词版本 {prompt}）仅根据论文摘要生成，可能有误，引用前请阅读原文。",
        footer_extractive="总结为从论文摘要中抽取的句子（未使用语言模型）。",
        made_by="总结由 {model} 生成",
        made_extractive="摘要摘录：总结为论文摘要中的原句（未使用语言模型）",
        reason_open="（",
        reason_close="）",
        generated="生成于",
        no_digests="还没有保存的日报：请先运行 `paperbrief run`。",
        date="日期",
    )


def subject_line(digest: Digest) -> str:
    """`arXiv AI 论文日报 | 2026-02-04（30 篇）` or its English form; the e-mail subject and chat title."""
    labels = labels_for(digest.language)
    day = digest.date.isoformat()
    if digest.no_announcement:
        if labels.lang == "en":
            return f"{labels.title} | {day} (no announcement)"
        return f"{labels.title} | {day}（无新公告）"
    n = len(digest.entries)
    if labels.lang == "en":
        return f"{labels.title} | {day} ({n} paper{'s' if n != 1 else ''})"
    return f"{labels.title} | {day}（{n} 篇）"


def score_text(entry: DigestEntry, labels: Labels) -> str:
    """The score as shown: the number, or why there is none (never a fake 0)."""
    summary = entry.summary
    if summary is not None and summary.score is not None:
        return str(summary.score)
    if summary is not None and summary.status == SummaryStatus.FAILED:
        return labels.score_failed
    return labels.unscored


def score_of(entry: DigestEntry) -> int | None:
    """The model's score of an entry, or None."""
    return entry.summary.score if entry.summary is not None else None


def score_tier(entry: DigestEntry) -> str:
    """A CSS-friendly bucket of the score: high, mid, low, or none."""
    score = score_of(entry)
    if score is None:
        return "none"
    if score >= 70:
        return "high"
    if score >= 50:
        return "mid"
    return "low"


def top_entry(entries: Sequence[DigestEntry]) -> DigestEntry | None:
    """The paper with the highest score (earlier entries win ties), else the first; None when empty."""
    if not entries:
        return None
    best = entries[0]
    best_score = score_of(best)
    for entry in entries[1:]:
        score = score_of(entry)
        if score is not None and (best_score is None or score > best_score):
            best, best_score = entry, score
    return best


def entry_number(entry: DigestEntry, index: int) -> int:
    """The number printed before a title: the digest's own, else the position (1-based)."""
    return entry.number if entry.number > 0 else index + 1


def ranked_entries(digest: Digest) -> list[DigestEntry]:
    """Entries by score, highest first; unscored papers keep report order after the scored ones."""
    indexed = list(enumerate(digest.entries))
    indexed.sort(key=lambda item: (score_of(item[1]) is None, -(score_of(item[1]) or 0), item[0]))
    return [entry for _, entry in indexed]


def code_urls(entry: DigestEntry) -> list[str]:
    """Code links found by enrichment (http(s) only)."""
    if entry.enrichment is None:
        return []
    return [url for url in entry.enrichment.code_urls if url.startswith(("https://", "http://"))]


def day_page_name(date: dt.date) -> str:
    """File name of a day's page: `2026-02-04.html`."""
    return f"{date.isoformat()}.html"


def day_page_url(base_url: str | None, date: dt.date, arxiv_id: str | None = None) -> str | None:
    """Absolute URL of a day's page (and a paper's card) under the site's base URL, if one is set."""
    if not base_url:
        return None
    url = f"{base_url.rstrip('/')}/{day_page_name(date)}"
    return f"{url}#{arxiv_id}" if arxiv_id else url


def footer_text(digest: Digest, labels: Labels) -> str:
    """Who wrote the summaries: the model and prompt version, or the extractive note."""
    stats = digest.stats
    models = {e.summary.model for e in digest.entries if e.summary is not None and e.summary.backend != "extractive"}
    if stats.backend == "extractive" and not models:
        return labels.footer_extractive
    model = stats.model if stats.model != "extractive" else ", ".join(sorted(models)) or stats.model
    return labels.footer.format(model=model, prompt=stats.prompt_version)


def summary_source(digest: Digest, labels: Labels) -> str | None:
    """The header's line on how the summaries were made: the model(s), or extractive; None without summaries."""
    models: list[str] = []
    extractive = False
    for entry in digest.entries:
        summary = entry.summary
        if summary is None or summary.status == SummaryStatus.SKIPPED_BUDGET:
            continue
        if summary.status == SummaryStatus.EXTRACTIVE or summary.backend == "extractive":
            extractive = True
        elif summary.model not in models:
            models.append(summary.model)
    if models:
        return labels.made_by.format(model=", ".join(models))
    return labels.made_extractive if extractive else None


def author_names(authors: Sequence[str], labels: Labels, limit: int = 8) -> tuple[list[str], str]:
    """The names `author_line` shows and what follows them ("" or "+3 more"), for HTML that isolates each name."""
    if len(authors) <= limit:
        return list(authors), ""
    n = len(authors) - limit if labels.lang == "en" else len(authors)
    return list(authors[:limit]), labels.more_authors.format(n=n)


def author_line(authors: Sequence[str], labels: Labels, limit: int = 8) -> str:
    """Authors joined by commas, long lists cut after `limit` names."""
    if len(authors) <= limit:
        return ", ".join(authors)
    rest = labels.more_authors.format(n=len(authors))
    if labels.lang == "en":
        rest = labels.more_authors.format(n=len(authors) - limit)
    return ", ".join(authors[:limit]) + " " + rest


def one_line(text: str | None, limit: int = 0) -> str:
    """Whitespace collapsed to single spaces and, with `limit`, cut with an ellipsis."""
    flat = " ".join((text or "").split())
    if limit and len(flat) > limit:
        return flat[: limit - 1].rstrip() + "…"
    return flat
