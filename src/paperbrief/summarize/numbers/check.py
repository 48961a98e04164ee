"""The check of a summary against its source, and the one re-ask it may cost."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from paperbrief.models import Paper, Summary
from paperbrief.summarize.numbers.extract import extract_numbers
from paperbrief.summarize.numbers.kinds import (
    SUMMARY_TEXT_FIELDS,
    NumberCheck,
    ReaskChoice,
    SourceScope,
    UnsupportedNumber,
)
from paperbrief.summarize.numbers.source import SourceNumbers

# --- the check ---------------------------------------------------------------------------------------


def find_unsupported_mentions(
    summary_texts: Mapping[str, str | None], source: str | SourceNumbers
) -> list[UnsupportedNumber]:
    """The summary's checked numbers the source does not support, field by field, in order."""
    index = source if isinstance(source, SourceNumbers) else SourceNumbers.from_text(source)
    found: list[UnsupportedNumber] = []
    for name, text in summary_texts.items():
        for mention in extract_numbers(text or ""):
            if not index.supports(mention):
                found.append(UnsupportedNumber(field=name, mention=mention))
    return found


def find_unsupported(summary_texts: Mapping[str, str | None], source_text: str) -> list[str]:
    """The summary's unsupported numbers as written (deduplicated, in order): JSON `unsupported_numbers`."""
    return _dedupe(u.mention.text for u in find_unsupported_mentions(summary_texts, source_text))


def check_numbers(summary_texts: Mapping[str, str | None], source: str | SourceNumbers) -> NumberCheck:
    """Check a summary's numbers against its source; costs no LLM call (re-ask only when not `ok`)."""
    index = source if isinstance(source, SourceNumbers) else SourceNumbers.from_text(source)
    checked = 0
    unsupported: list[UnsupportedNumber] = []
    for name, text in summary_texts.items():
        for mention in extract_numbers(text or ""):
            if not mention.checked:
                continue
            checked += 1
            if not index.supports(mention):
                unsupported.append(UnsupportedNumber(field=name, mention=mention))
    return NumberCheck(
        checked=checked,
        unsupported_mentions=tuple(unsupported),
        unsupported=tuple(_dedupe(u.mention.text for u in unsupported)),
    )


def summary_fields(summary: Summary) -> dict[str, str | None]:
    """The text fields of a summary that are checked (`SUMMARY_TEXT_FIELDS`), by name."""
    return {name: getattr(summary, name, None) for name in SUMMARY_TEXT_FIELDS}


def abstract_source(paper: Paper) -> str:
    """The text an abstract-only summary was written from: title and abstract."""
    return f"{paper.title}\n\n{paper.abstract}"


def _dedupe(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(item.strip() for item in items))


def reask_instruction(
    unsupported: Sequence[str], language: str = "zh", scope: SourceScope = SourceScope.ABSTRACT
) -> str:
    """The one-line re-ask naming the numbers the source does not state (Chinese for zh*, else English)."""
    if not unsupported:
        raise ValueError("reask_instruction needs at least one unsupported number")
    if language.lower().startswith("zh"):
        where = "论文标题和摘要" if scope is SourceScope.ABSTRACT else "论文全文"
        listed = "、".join(f"“{n}”" for n in unsupported)
        return (
            f"你的总结中的数字 {listed} 在{where}中找不到。请重写总结：只使用{where}中给出的数字，"
            f"删除或改正这些数字，不要编造任何数字；其余要求和输出格式不变。"
        )
    where = "the paper's title and abstract" if scope is SourceScope.ABSTRACT else "the paper's full text"
    listed = ", ".join(f'"{n}"' for n in unsupported)
    return (
        f"The numbers {listed} in your summary do not appear in {where}. Rewrite the summary using only "
        f"numbers stated in {where}: remove or correct these, invent none; keep every other rule and the output format."
    )


def pick_after_reask(first: NumberCheck, second: NumberCheck | None) -> ReaskChoice:
    """Keep the re-asked answer unless it failed (None) or states more unsupported numbers than the first."""
    if second is None or len(second.unsupported) > len(first.unsupported):
        return ReaskChoice.FIRST
    return ReaskChoice.SECOND
