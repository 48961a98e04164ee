"""The ⚠ marks on numbers a summary states that its source does not (issue 16, docs/numbers.md).

`Summary.unsupported_numbers` holds the numbers as written; every output (Markdown, site, e-mail,
feed, chat) marks the summary line that contains one with ⚠, names the numbers and explains the
mark once (a legend line). The text itself is never changed: the numbers stay where the model
wrote them. With no unsupported number nothing is added, so the reference layout is unchanged.
A summary made from the paper's full text (issue 13, `text_source` html or pdf) was checked against
that text, so its mark says so (`论文正文中未见`, `not in the paper's text`), and so does the legend.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from paperbrief.models import Digest, DigestEntry, Summary, TextSource

MARK = "⚠"

_LABEL = {
    "zh": "摘要中未见",
    "en": "not in the abstract",
}
_FULLTEXT_LABEL = {
    "zh": "论文正文中未见",
    "en": "not in the paper's text",
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
_FULLTEXT_LEGEND = {
    "zh": (
        "⚠ 标出的数字在模型读到的论文正文（标题、摘要和所选章节）中找不到：可能是模型编造的。"
        "原文照录、只作标记，请以论文为准。"
    ),
    "en": (
        "⚠ marks numbers the paper's text the model was given (title, abstract and chosen sections) does not state: "
        "the model may have invented them. They are kept as written and marked — check the paper."
    ),
}
_MIXED_LEGEND = {
    "zh": (
        "⚠ 标出的数字在模型读到的论文文本（标题和摘要；全文精读的论文则为其正文）中找不到：可能是模型编造的。"
        "原文照录、只作标记，请以论文为准。"
    ),
    "en": (
        "⚠ marks numbers the text the model was given (the paper's title and abstract, or for papers read in full, "
        "their text) does not state: the model may have invented them. They are kept as written and marked — "
        "check the paper."
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


def is_full_text(summary: Summary | None) -> bool:
    """Whether the summary was made (and its numbers checked) from the paper's full text, not its abstract."""
    return summary is not None and summary.text_source in (TextSource.HTML, TextSource.PDF)


def mark_label(language: str, full_text: bool = False) -> str:
    """The short explanation next to a mark (`摘要中未见` / `not in the abstract`; full text: `论文正文中未见`)."""
    return (_FULLTEXT_LABEL if full_text else _LABEL)[_lang(language)]


def mark_text(numbers: Sequence[str], language: str, full_text: bool = False) -> str:
    """` ⚠ 摘要中未见：97.3%、12.6 个百分点` to append to a line; "" when there are no numbers."""
    if not numbers:
        return ""
    lang = _lang(language)
    return f" {MARK} {mark_label(lang, full_text)}{_COLON[lang]}{_SEPARATOR[lang].join(numbers)}"


def summary_mark_text(summary: Summary | None, numbers: Sequence[str], language: str) -> str:
    """`mark_text` with the label that fits the summary's source (abstract or full text)."""
    return mark_text(numbers, language, is_full_text(summary))


def legend(language: str, full_text: bool | None = False) -> str:
    """The one line that explains the mark: abstract summaries, full-text ones (True), or both (None)."""
    table = _MIXED_LEGEND if full_text is None else _FULLTEXT_LEGEND if full_text else _LEGEND
    return table[_lang(language)]


def legend_for(summaries: Iterable[Summary | None], language: str) -> str:
    """The legend for the marked summaries of one output: it names the text(s) they were checked against."""
    kinds = {is_full_text(s) for s in summaries if s is not None and s.unsupported_numbers}
    return legend(language, None if len(kinds) > 1 else kinds == {True})


def summary_legend(summary: Summary | None, language: str) -> str:
    """The explanation of one summary's marks (a tooltip)."""
    return legend(language, is_full_text(summary))


def entries_legend(entries: Iterable[DigestEntry], language: str) -> str:
    """`legend_for` over digest entries."""
    return legend_for((e.summary for e in entries), language)


def has_marks(summaries: Iterable[Summary | None]) -> bool:
    """Whether any of these summaries has an unsupported number (so the legend is shown)."""
    return any(s is not None and s.unsupported_numbers for s in summaries)


def entries_have_marks(entries: Iterable[DigestEntry]) -> bool:
    """Whether any entry's summary has an unsupported number."""
    return has_marks(e.summary for e in entries)


def digest_has_marks(digest: Digest) -> bool:
    """Whether any summary of the digest has an unsupported number."""
    return has_marks(e.summary for e in digest.entries)
