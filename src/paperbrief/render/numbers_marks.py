"""The ⚠ marks on numbers a summary states that its source does not (issue 16, docs/numbers.md).

`Summary.unsupported_numbers` holds the numbers as written; every output (Markdown, site, e-mail,
feed, chat) marks the summary line that contains one with ⚠, names the numbers and explains the
mark once (a legend line). The text itself is never changed: the numbers stay where the model
wrote them. With no unsupported number nothing is added, so the reference layout is unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from paperbrief.models import Digest, DigestEntry, Summary

MARK = "⚠"

_LABEL = {
    "zh": "摘要中未见",
    "en": "not in the abstract",
}
_SEPARATOR = {"zh": "、", "en": ", "}
_COLON = {"zh": "：", "en": ": "}
_LEGEND = {
    "zh": "⚠ 标出的数字在论文的标题和摘要中找不到：可能是模型编造的。原文照录、只作标记，请以论文为准。",
    "en": (
        "⚠ marks numbers the paper's title and abstract do not state: the model may have invented them. "
        "They are kept as written and marked — check the paper."
    ),
}


def _lang(language: str) -> str:
    # A report language (`zh`, `en`) or a page's `html_lang` (`zh-CN`, `en`).
    return "en" if language.lower().startswith("en") else "zh"


def unsupported_in(summary: Summary | None, text: str | None) -> list[str]:
    """The summary's unsupported numbers that appear in `text` (one field's text), in recorded order."""
    if summary is None or not text or not summary.unsupported_numbers:
        return []
    return [n for n in summary.unsupported_numbers if n and n in text]


def mark_label(language: str) -> str:
    """The short explanation next to a mark (`摘要中未见`, `not in the abstract`)."""
    return _LABEL[_lang(language)]


def mark_text(numbers: Sequence[str], language: str) -> str:
    """` ⚠ 摘要中未见：97.3%、12.6 个百分点` to append to a line; "" when there are no numbers."""
    if not numbers:
        return ""
    lang = _lang(language)
    return f" {MARK} {_LABEL[lang]}{_COLON[lang]}{_SEPARATOR[lang].join(numbers)}"


def legend(language: str) -> str:
    """The one line that explains the mark (shown once per output that has a mark)."""
    return _LEGEND[_lang(language)]


def has_marks(summaries: Iterable[Summary | None]) -> bool:
    """Whether any of these summaries has an unsupported number (so the legend is shown)."""
    return any(s is not None and s.unsupported_numbers for s in summaries)


def entries_have_marks(entries: Iterable[DigestEntry]) -> bool:
    """Whether any entry's summary has an unsupported number."""
    return has_marks(e.summary for e in entries)


def digest_has_marks(digest: Digest) -> bool:
    """Whether any summary of the digest has an unsupported number."""
    return has_marks(e.summary for e in digest.entries)
