"""Markdown report in the reference layout (Jinja2 template `templates/daily.md.j2`).

Untrusted text (titles, abstracts, authors, summaries) is escaped by `escape_markdown` so it renders
as text on GitHub (CommonMark + GFM, https://github.github.com/gfm/), while plain scientific
text — LaTeX `$…$`, `%`, `&`, quotes, intraword `_` — stays byte for byte as arXiv wrote it.
See docs/markdown.md for the rule and the deliberate differences from the reference report.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

from paperbrief.models import Digest, DigestEntry, Summary, SummaryStatus
from paperbrief.render.fulltext_view import markdown_block
from paperbrief.render.jinja_env import template_environment
from paperbrief.render.layout import github_slug, labels_for, report_layout, summary_heading
from paperbrief.render.markdown_entry import entry_markdown
from paperbrief.render.numbers_marks import digest_has_marks, entries_legend, summary_mark_text, unsupported_in
from paperbrief.render.safe import clean_digest
from paperbrief.render.wording import localize_warning, no_announcement_reason_text

__all__ = ["escape_markdown", "github_slug", "iter_markdown", "render_markdown"]

_NEWLINE_RE = re.compile(r"[ \t]*(?:\r\n|\r|\n)\s*")
# `$…$` spans (not `\$`): LaTeX that GitHub renders as math; left as written except `<`, `[`, `]`.
_MATH_RE = re.compile(r"(?<!\\)\$[^$]+?(?<!\\)\$")
_BACKTICKS_RE = re.compile(r"`+")
_TILDES_RE = re.compile(r"~+")
_ASCII_PUNCT = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
# Characters after which a backslash would act as a Markdown escape of something we escape.
_ESCAPE_TARGETS = frozenset("\\*_[]<>`~")
_SPECIAL_RE = re.compile(r"[<\[\]*_`~\\]")
_LIST_START_RE = re.compile(r"^(\d{1,9})([.)])(\s|$)")
_SAFE_URL_RE = re.compile(r"^https?://[^\s<>()\[\]`*_\\]+$")


_SAFE_ID_RE = re.compile(r"[a-z-]*/?\d{4}\.?\d{3,5}")


def escape_markdown(text: str, *, block_start: bool = False) -> str:
    """Escape untrusted text so Markdown shows it as text (one line; see docs/markdown.md).

    Always: `<` → `&lt;`, `[`/`]`/`*` backslash-escaped. Outside `$…$` math: `_` unless between two
    letters/digits, backticks/tildes only when they could pair into code/strikethrough, and a
    backslash only before a character it would otherwise escape. `block_start` also neutralizes
    a leading `#`, `>`, `-`, `+` or `1.` that would start a heading, quote or list.
    """
    if "\n" in text or "\r" in text:  # the regex would try every position of a text without line breaks
        text = _NEWLINE_RE.sub(" ", text)
    text = text.strip()
    if not text:
        return ""
    if not _has_special(text):  # fast path: most abstracts have nothing to escape
        return _escape_block_start(text) if block_start else text
    # Each pattern needs its character: without it the scan is skipped (same result, no regex pass).
    math = _span_mask(text, _MATH_RE) if "$" in text else bytearray(len(text))
    paired = (_paired_runs(text, _BACKTICKS_RE, math, flanking=False) if "`" in text else set()) | (
        _paired_runs(text, _TILDES_RE, math, flanking=True) if "~" in text else set()
    )
    # Only the characters `_SPECIAL_RE` finds can change; the text between them is copied as is.
    out: list[str] = []
    last = 0
    for match in _SPECIAL_RE.finditer(text):
        i = match.start()
        out.append(text[last:i])
        out.append(_escape_char(text, i, math[i], paired))
        last = i + 1
    out.append(text[last:])
    escaped = "".join(out)
    if block_start:
        escaped = _escape_block_start(escaped)
    return escaped


def _has_special(text: str) -> bool:
    """`_SPECIAL_RE.search(text) is not None`, as eight substring searches (faster than the regex's class scan)."""
    return (
        "<" in text or "[" in text or "]" in text or "*" in text or "_" in text or "`" in text or "~" in text
    ) or "\\" in text


def _escape_char(text: str, i: int, in_math: int, paired: set[int]) -> str:
    """The escaped form of the special character `text[i]` (one that `_SPECIAL_RE` matches)."""
    char = text[i]
    if char == "<":
        return "&lt;"
    if char in "[]*" and not (char == "*" and in_math):
        return "\\" + char
    if in_math:
        return char
    nxt = text[i + 1] if i + 1 < len(text) else " "
    if char == "_":
        prev = text[i - 1] if i > 0 else " "
        return "_" if prev.isalnum() and nxt.isalnum() else "\\_"
    if char in "`~":
        return "\\" + char if i in paired else char
    # A backslash: "\method" or "91.4\%" are harmless; "\*" or a trailing "\" would turn into markup.
    return "\\\\" if (nxt in _ESCAPE_TARGETS or i + 1 == len(text)) else "\\"


def _span_mask(text: str, pattern: re.Pattern[str]) -> bytearray:
    mask = bytearray(len(text))  # 1 inside a match; filled by slices, not character by character
    for match in pattern.finditer(text):
        mask[match.start() : match.end()] = b"\x01" * (match.end() - match.start())
    return mask


def _paired_runs(text: str, pattern: re.Pattern[str], math: bytearray, *, flanking: bool) -> set[int]:
    """Indexes of delimiter runs that could pair up (a code span, or GFM strikethrough)."""
    runs = [m for m in pattern.finditer(text) if not math[m.start()]]
    marked: set[int] = set()
    for a, first in enumerate(runs):
        for second in runs[a + 1 :]:
            if len(first.group()) != len(second.group()):
                continue
            opens = _can_open(text, first.start(), first.end())
            if flanking and not (opens and _can_close(text, second.start(), second.end())):
                continue
            marked.update(range(first.start(), first.end()))
            marked.update(range(second.start(), second.end()))
    return marked


def _can_open(text: str, start: int, end: int) -> bool:
    # GFM left-flanking delimiter run.
    prev = text[start - 1] if start > 0 else " "
    nxt = text[end] if end < len(text) else " "
    if nxt.isspace():
        return False
    return not _is_punct(nxt) or prev.isspace() or _is_punct(prev)


def _can_close(text: str, start: int, end: int) -> bool:
    # GFM right-flanking delimiter run.
    prev = text[start - 1] if start > 0 else " "
    nxt = text[end] if end < len(text) else " "
    if prev.isspace():
        return False
    return not _is_punct(prev) or nxt.isspace() or _is_punct(nxt)


def _is_punct(char: str) -> bool:
    return char in _ASCII_PUNCT or (not char.isalnum() and not char.isspace())


def _escape_block_start(text: str) -> str:
    if text[0] in "#>+=|":
        return "\\" + text
    if text[0] == "-" and (len(text) == 1 or text[1] in " -"):
        return "\\" + text
    match = _LIST_START_RE.match(text)
    if match:
        return f"{match.group(1)}\\{text[len(match.group(1)) :]}"
    return text


def render_markdown(digest: Digest) -> str:
    """The digest as Markdown in the reference layout, with fixes 1–4 of docs/markdown.md."""
    return "".join(iter_markdown(digest))


def iter_markdown(digest: Digest) -> Iterator[str]:
    """`render_markdown` in chunks, built lazily entry by entry (a 10,000-paper day never sits in memory twice).

    The digest's text is cleaned first (`safe.clean_digest`, entry by entry: no NUL or other forbidden character,
    no bidi control), copying only the records that need it.
    """
    return iter_markdown_cleaned(clean_digest(digest))


def iter_markdown_cleaned(digest: Digest) -> Iterator[str]:
    """`iter_markdown` of a digest that already went through `clean_digest(digest)`."""
    labels = labels_for(digest.language)
    layout = report_layout(digest)
    sections = layout.sections
    reason = no_announcement_reason_text(digest.no_announcement_reason, digest.language)
    context: dict[str, Any] = {
        "L": labels,
        "date": digest.date.isoformat(),
        "no_announcement": digest.no_announcement,
        "no_announcement_reason": labels["no_announcement_reason"].format(v=escape_markdown(reason)) if reason else "",
        "count_line": _count_line(digest, labels),
        "warnings": [escape_markdown(localize_warning(w, digest.language)) for w in digest.warnings if w.strip()],
        "highlights": _highlights(digest.highlights, layout.paper_anchors),
        "sections": [
            {
                "category": escape_markdown(s.category),
                "anchor": s.anchor,
                "count": labels["toc_count_one" if s.count == 1 else "toc_count"].format(n=s.count),
                "entries": (entry_markdown(_entry_view(e, labels, digest.language), labels) for e in s.entries),
            }
            for s in sections
        ],
        "footer": _footer(digest, labels),
    }
    # Markdown, not HTML: autoescape is off and every untrusted value is passed through escape_markdown.
    return template_environment(autoescape=False).get_template("daily.md.j2").generate(**context)


def _count_line(digest: Digest, labels: dict[str, str]) -> str:
    summaries = [e.summary for e in digest.entries if e.summary is not None]
    n = len(digest.entries)
    if any(s.status == SummaryStatus.OK for s in summaries):
        return labels["count_ai"].format(n=n)
    if any(s.status == SummaryStatus.EXTRACTIVE for s in summaries):
        return labels["count_extractive"].format(n=n)
    return labels["count_none"].format(n=n)


_CITATION_RE = re.compile(r"\\\[(\d+)\\\]")
_THEME_RE = re.compile(r"^\*\*(?P<title>.+?)\*\*\s*(?P<colon>[:：])?\s*(?P<body>.*)$")


def _highlights(text: str | None, anchors: dict[int, str]) -> list[str]:
    """Model-written themes: bold titles kept, everything else escaped; `[n]` links to paper n."""
    lines: list[str] = []
    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line:
            continue
        bullet = line[:2] in ("- ", "* ", "• ")
        body = line[2:].strip() if bullet else line
        theme = _THEME_RE.match(body)
        if theme:
            colon = theme.group("colon") or "："
            colon += " " if colon == ":" else ""
            rendered = f"**{escape_markdown(theme.group('title'))}**{colon}{escape_markdown(theme.group('body'))}"
        else:
            rendered = escape_markdown(body, block_start=not bullet)
        rendered = _CITATION_RE.sub(lambda m: _cite(m, anchors), rendered)
        lines.append(f"- {rendered}" if bullet else rendered)
    return lines


def _cite(match: re.Match[str], anchors: dict[int, str]) -> str:
    number = int(match.group(1))
    anchor = anchors.get(number)
    return f"[\\[{number}\\]](#{anchor})" if anchor else match.group(0)


def _entry_view(entry: DigestEntry, labels: dict[str, str], language: str = "zh") -> dict[str, Any]:
    paper = entry.paper
    view: dict[str, Any] = {
        "number": entry.number,
        "title": escape_markdown(paper.title),
        "abs_url": paper.abs_url,
        "pdf_url": f"{paper.pdf_url}.pdf",
        "authors": _authors(paper.authors, labels),
        "categories": escape_markdown(", ".join(paper.categories or [paper.primary])),
        "reason": _reason(entry, labels),
        "enrichment": _enrichment(entry, labels),
        "published": _published(paper.published, labels),
        "abstract": escape_markdown(paper.abstract, block_start=True) or labels["no_abstract"],
        "summary_heading": summary_heading(entry, labels),
    }
    view.update(_summary_view(entry.summary, labels, language))
    view["fulltext"] = markdown_block(entry.summary, language, escape_markdown)  # papers read in full only (issue 13)
    return view


def _authors(authors: list[str], labels: dict[str, str]) -> str:
    named = [a for a in authors if a.strip()]
    if not named:
        return labels["unknown"]
    if len(named) > 3:  # only the first three are shown, so only they are escaped
        return labels["authors_more"].format(names=", ".join(escape_markdown(a) for a in named[:3]), n=len(named))
    return ", ".join(escape_markdown(a) for a in named)


def _published(value: dt.datetime | None, labels: dict[str, str]) -> str:
    if value is None:
        return labels["unknown"]
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return value.date().isoformat()


def _summary_view(summary: Summary | None, labels: dict[str, str], language: str = "zh") -> dict[str, Any]:
    if summary is None:
        return {"note": labels["not_summarized"]}
    if summary.status == SummaryStatus.SKIPPED_BUDGET:
        return {"note": labels["skipped_budget"]}
    view: dict[str, Any] = {"note": None}
    for name in ("tldr", "motivation", "method", "conclusion"):
        value = getattr(summary, name)
        view[name] = escape_markdown(value) if value and value.strip() else _missing(summary, labels)
        # Issue 16: numbers its source does not state stay as written; the line says so (⚠ …).
        mark = (
            summary_mark_text(summary, unsupported_in(summary, value), language) if summary.unsupported_numbers else ""
        )
        if mark:
            view[name] += " " + escape_markdown(mark)
    keywords = [escape_markdown(k) for k in summary.keywords if k.strip()]
    view["keywords"] = ", ".join(keywords) if keywords else _missing(summary, labels)
    view["score"] = _score(summary, labels)
    return view


def _missing(summary: Summary, labels: dict[str, str]) -> str:
    if summary.status == SummaryStatus.FAILED:
        reason = _short_reason(summary.error)
        return labels["field_failed"].format(reason=reason) if reason else labels["field_failed_plain"]
    if summary.status == SummaryStatus.EXTRACTIVE:
        return labels["field_not_found"]
    return labels["field_missing"]


def _short_reason(error: str | None, limit: int = 80) -> str:
    first = (error or "").strip().splitlines()[0] if (error or "").strip() else ""
    if len(first) > limit:
        first = first[: limit - 1].rstrip() + "…"
    return escape_markdown(first)


def _score(summary: Summary, labels: dict[str, str]) -> str:
    if summary.score is None:
        return labels["not_scored"] if summary.status == SummaryStatus.EXTRACTIVE else labels["score_failed"]
    text = str(summary.score)
    if summary.score_reason and summary.score_reason.strip():
        reason = escape_markdown(summary.score_reason)
        text += f"（{reason}）" if labels["colon"] == "：" else f" ({reason})"
    return text


def _reason(entry: DigestEntry, labels: dict[str, str]) -> str | None:
    reason = entry.reason
    if reason is None:
        return None
    parts: list[str] = []
    for key, values in (
        ("reason_terms", reason.matched_terms),
        ("reason_authors", reason.matched_authors),
        ("reason_profile", reason.matched_profile),
    ):
        if values:
            parts.append(labels[key].format(v=", ".join(escape_markdown(v) for v in values)))
    if reason.rank_score is not None:
        parts.append(labels["reason_rank"].format(v=f"{reason.rank_score:.2f}"))
    if not parts:
        return None  # a bare note ("newest first" in latest mode) says nothing worth a line
    if reason.note and reason.note.strip():
        parts.append(_linked_note(reason.note, reason.liked))
    if reason.exploration:
        parts.insert(0, "🧭 " + ("探索" if labels["sep"] == "；" else "exploration"))
    return labels["sep"].join(parts) or None


def _linked_note(note: str, liked: list[str]) -> str:
    """The escaped note with each liked paper it names linked to its arXiv page (issue 12 reasons)."""
    text = escape_markdown(note)
    for arxiv_id in liked:
        if _SAFE_ID_RE.fullmatch(arxiv_id):
            text = text.replace(arxiv_id, f"[{arxiv_id}](https://arxiv.org/abs/{arxiv_id})", 1)
    return text


def _enrichment(entry: DigestEntry, labels: dict[str, str]) -> str | None:
    extra = entry.enrichment
    if extra is None:
        return None
    parts: list[str] = []
    urls = [f"<{u}>" for u in extra.code_urls if _SAFE_URL_RE.match(u)]
    if urls:
        parts.append(labels["enrich_code"].format(v=" ".join(urls)))
    if extra.venue and extra.venue.strip():
        parts.append(labels["enrich_venue"].format(v=escape_markdown(extra.venue)))
    sizes = []
    if extra.pages:
        sizes.append(labels["enrich_pages"].format(n=extra.pages))
    if extra.figures:
        sizes.append(labels["enrich_figures"].format(n=extra.figures))
    if sizes:
        parts.append(labels["list_sep"].join(sizes))
    return labels["sep"].join(parts) or None


def _writer(summary: Summary, labels: dict[str, str]) -> str:
    if summary.status == SummaryStatus.EXTRACTIVE and summary.backend == "extractive":
        return labels["footer_writer_extractive"]  # no backend id in the reader's language
    return labels["footer_writer"].format(
        backend=escape_markdown(summary.backend),
        model=escape_markdown(summary.model),
        prompt=escape_markdown(summary.prompt_version),
    )


def _footer(digest: Digest, labels: dict[str, str]) -> list[str]:
    lines: list[str] = []
    if digest_has_marks(digest):
        lines.append(escape_markdown(entries_legend(digest.entries, digest.language)))
    if not digest.no_announcement:
        writers: list[str] = []
        for entry in digest.entries:
            s = entry.summary
            if s is None or s.status == SummaryStatus.SKIPPED_BUDGET:
                continue
            writer = _writer(s, labels)
            if writer not in writers:
                writers.append(writer)
        if writers:
            lines.append(labels["footer_writers"].format(writers=labels["list_sep"].join(writers)))
        else:
            lines.append(labels["footer_no_summaries"])
        stats = digest.stats
        if stats.tokens_in or stats.tokens_out or stats.cost:
            cost = labels["footer_cost"].format(cost=f"{stats.cost:.4f}") if stats.cost else ""
            lines.append(
                labels["footer_usage"].format(tin=f"{stats.tokens_in:,}", tout=f"{stats.tokens_out:,}", cost=cost)
            )
        if stats.announced:
            counts = [
                labels["footer_count"].format(
                    cat=escape_markdown(cat), announced=stats.announced[cat], fetched=stats.fetched.get(cat, 0)
                )
                for cat in sorted(stats.announced)
            ]
            lines.append(labels["footer_counts"].format(counts=labels["list_sep"].join(counts)))
    if digest.generated is not None:
        when = digest.generated if digest.generated.tzinfo else digest.generated.replace(tzinfo=dt.UTC)
        lines.append(labels["footer_generated"].format(when=when.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")))
    return lines
