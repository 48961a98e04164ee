"""Reader-facing wording that arrives as codes or English notes, put into the report's language.

A digest stores why a day has no announcement as a reason code (`weekend`, `holiday`,
`empty feed`, `paperbrief.sources.arxiv.NoAnnouncementReason`) and the run's warnings as the
English sentences the pipeline wrote. A zh report must read Chinese throughout, so every renderer
shows them through these functions. A text it does not know is shown as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# code → language → (sentence for the Markdown report, short form for the site and e-mail,
# whose line already says that arXiv did not announce).
_REASONS: dict[str, dict[str, tuple[str, str]]] = {
    "weekend": {
        "zh": ("周末（arXiv 周六、周日不发布新论文）", "周末"),
        "en": ("weekend (arXiv does not announce new papers on Saturdays and Sundays)", "weekend"),
    },
    "holiday": {
        "zh": ("arXiv 节假日（当天不发布新论文）", "arXiv 节假日"),
        "en": ("arXiv holiday (no announcement on this day)", "arXiv holiday"),
    },
    "empty feed": {
        "zh": ("arXiv 当天的订阅源为空（可能是未列出的节假日）", "订阅源为空"),
        "en": ("arXiv's feed for this day was empty (perhaps an unlisted holiday)", "empty feed"),
    },
}


def _lang(language: str) -> str:
    return "en" if language == "en" else "zh"


def no_announcement_reason_text(reason: str | None, language: str, *, short: bool = False) -> str:
    """The reason a day has no announcement, in `language` (a reason code, or free text kept as is).

    `short` gives the few words the site and e-mail put in brackets after their own sentence.
    """
    text = (reason or "").strip()
    known = _REASONS.get(text.lower())
    return known[_lang(language)][1 if short else 0] if known else text


def _feed_full(m: re.Match[str]) -> str:
    return f"{m['cats']} 的订阅源有 {m['n']} 条，已达 arXiv 的上限，当天的论文可能不全"


def _api_empty(m: re.Match[str]) -> str:
    return f"arXiv API 在 {m['date']} 的提交时间窗内没有返回 {m['cats']} 的论文，但当天是发布日"


def _unfetched(m: re.Match[str]) -> str:
    more = " …" if m["more"] else ""
    return f"{m['n']} 篇已公告的论文未能获取：{m['ids']}{more}"


# The English sentences the pipeline and the arXiv source write (pipeline._acquire, ArxivSource),
# each with its Chinese form. Kept here, next to the renderers, so stored digests translate too.
_ZH_PATTERNS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (
        re.compile(r"the feed of (?P<cats>.+?) holds (?P<n>\d+) items, arXiv's limit: the day may be cut short"),
        _feed_full,
    ),
    (
        re.compile(
            r"the API returned no papers for the (?P<date>\S+) submission window of (?P<cats>.+?) "
            r"although it is an announcement day"
        ),
        _api_empty,
    ),
    (
        re.compile(r"(?P<n>\d+) announced papers could not be fetched: (?P<ids>.*?)(?P<more> …)?"),
        _unfetched,
    ),
]
_INCOMPLETE_RE = re.compile(r"the day may be incomplete: (?P<why>.*)", re.DOTALL)


def localize_warning(text: str, language: str) -> str:
    """A digest warning in `language`: the pipeline's known English sentences get their Chinese form."""
    if _lang(language) == "en":
        return text
    incomplete = _INCOMPLETE_RE.fullmatch(text.strip())
    if incomplete:
        return f"当天的论文可能不完整：{_translate(incomplete['why'])}"
    return _translate(text.strip())


def _translate(text: str) -> str:
    for pattern, render in _ZH_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            return render(match)
    return text
