"""What a run tells the reader inside the report, in the report's language (zh or en)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence


def incomplete_day(language: str, why: str) -> str:
    """The report's warning that the day may be incomplete (`why` is the source's own reason)."""
    if language == "zh":
        return f"当天的论文可能不完整：{why}"
    return f"the day may be incomplete: {why}"


def feed_only(language: str, why: str) -> str:
    """The report's warning that the API enrichment failed and the papers carry the feed's data only."""
    if language == "zh":
        return f"arXiv API 补全失败，本期论文仅含 RSS 信息（无评论、期刊等字段）：{why}"
    return f"the arXiv API enrichment failed; the papers carry the feed's data only (no comments): {why}"


def source_note(language: str, note: str) -> str:
    """A repair the source made while reading the day (e.g. a NUL byte removed), in the report's language."""
    if language == "zh":
        return f"读取 arXiv 数据时已修复：{note}"
    return f"repaired while reading arXiv's data: {note}"


def missing_papers(language: str, missing: Sequence[str]) -> str:
    """The report's warning that some announced papers could not be fetched (first 20 listed)."""
    shown = ", ".join(missing[:20]) + (" …" if len(missing) > 20 else "")
    if language == "zh":
        return f"有 {len(missing)} 篇已公告的论文未能获取：{shown}"
    return f"{len(missing)} announced papers could not be fetched: {shown}"


def already_digested(language: str, days: Mapping[str, dt.date | None]) -> str:
    """The report's note on papers left out because an earlier digest carried them, grouped by day."""
    by_day: dict[str, int] = {}
    for day in days.values():
        key = day.isoformat() if day is not None else "?"
        by_day[key] = by_day.get(key, 0) + 1
    if language == "zh":
        parts = "、".join(
            f"{n} 篇见 {d} 的日报" if d != "?" else f"{n} 篇见更早的日报" for d, n in sorted(by_day.items())
        )
        return f"{len(days)} 篇论文已收录于此前的日报，本期不再重复（{parts}）"
    parts = ", ".join(
        f"{n} in the digest of {d}" if d != "?" else f"{n} in an earlier digest" for d, n in sorted(by_day.items())
    )
    return f"{len(days)} papers were already in an earlier digest and are not repeated ({parts})"


def cleaned_text(language: str, count: int) -> str:
    """The report's note that characters XML and PostgreSQL forbid were removed from loaded papers."""
    if language == "zh":
        return f"{count} 篇论文的文本含有无法保存的控制字符，已删除这些字符"
    return f"{count} papers held control characters that cannot be stored; they were removed"
