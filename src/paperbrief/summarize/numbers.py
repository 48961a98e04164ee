"""Numbers a summary states must be in the text the model was given (issue 16).

`extract_numbers` finds the numbers in a text (as written, normalized value(s), kind);
`find_unsupported` / `check_numbers` compare a summary's fields with the source text (title +
abstract, or the full text) and return the summary's numbers the source does not support;
`reask_instruction` names them in the one-line re-ask. Pure functions, no I/O, no LLM call: the
engine re-asks only when the check found something. What counts as "the same number" (forms,
rounding, derived differences, names, years, counting words, Chinese numerals) is documented in
docs/numbers.md; the rules below say why in comments.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from types import MappingProxyType

from paperbrief.models import Paper, Summary

__all__ = [
    "CHECKED_KINDS",
    "SUMMARY_TEXT_FIELDS",
    "NumberCheck",
    "NumberKind",
    "NumberMention",
    "ReaskChoice",
    "SourceNumbers",
    "SourceScope",
    "UnsupportedNumber",
    "abstract_source",
    "check_numbers",
    "extract_numbers",
    "find_unsupported",
    "find_unsupported_mentions",
    "pick_after_reask",
    "reask_instruction",
    "summary_fields",
]

# The Summary fields a check reads (the full-text fields join them once they exist).
SUMMARY_TEXT_FIELDS: tuple[str, ...] = ("tldr", "motivation", "method", "conclusion")


class NumberKind(StrEnum):
    """What a number in a text is; only `CHECKED_KINDS` must be supported by the source."""

    PERCENT = "percent"  # 87.3%, 87.3 percent, 百分之十
    POINTS = "points"  # +4.1 pp, 4.1 个百分点, 4.1 percentage points
    MULTIPLIER = "multiplier"  # 3×, 3x, 3 times, 3-fold, 三倍
    PLAIN = "plain"  # 49, 1,000, 2.5M, 250万, 1e-4, 0.873
    FRACTION = "fraction"  # 1/3, 三分之一
    YEAR = "year"  # 2019, 2019年 (checked exactly, never derived)
    VERSION = "version"  # v1.5, 3.10.2
    IDENTIFIER = "identifier"  # a number inside a name: GPT-4, Llama-3-8B, ResNet-50, COCO-2017, 3D
    COUNT = "count"  # small counting words and bare integers 0-10: 三种, two, 3 个, O(1)
    ORDINAL = "ordinal"  # 第一阶段, 第3节, 1st
    REFERENCE = "reference"  # Section 3, Fig. 2, Table 1, 图 2, 表 1
    MATH = "math"  # exponents inside formulas: $O(n^2)$, T$^2$
    SCALE = "scale"  # bare magnitude words and vague amounts: 十亿规模, 百万级, 数十, hundreds


CHECKED_KINDS: frozenset[NumberKind] = frozenset(
    {
        NumberKind.PERCENT,
        NumberKind.POINTS,
        NumberKind.MULTIPLIER,
        NumberKind.PLAIN,
        NumberKind.FRACTION,
        NumberKind.YEAR,
        NumberKind.VERSION,
        NumberKind.IDENTIFIER,
    }
)


class SourceScope(StrEnum):
    """Which text the model was given: it names the source in the re-ask."""

    ABSTRACT = "abstract"
    FULL_TEXT = "full-text"


class ReaskChoice(StrEnum):
    """Which answer to keep after the one re-ask."""

    FIRST = "first"
    SECOND = "second"


@dataclass(frozen=True, slots=True)
class NumberMention:
    """One number in a text: the string as written, where, its kind and normalized value(s)."""

    text: str
    start: int
    end: int
    kind: NumberKind
    values: tuple[Decimal, ...] = ()
    key: str = ""  # identifiers and versions: lower-case ASCII letters and digits, e.g. "llama38b"
    approximate: bool = False  # 约 / about / ~ before it: rounding to its last non-zero digit is fine
    change: bool = False  # a difference or ratio ("高 4.1 个百分点", "+4.1", "3× faster"): may be derived

    @property
    def checked(self) -> bool:
        """Whether the source must support this number."""
        return self.kind in CHECKED_KINDS


@dataclass(frozen=True, slots=True)
class UnsupportedNumber:
    """A summary number the source does not support, with the field it is in."""

    field: str
    mention: NumberMention


@dataclass(frozen=True, slots=True)
class NumberCheck:
    """Outcome of checking one summary against its source; `ok` means no re-ask is needed."""

    checked: int
    unsupported_mentions: tuple[UnsupportedNumber, ...] = ()
    unsupported: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when every checked number is supported."""
        return not self.unsupported


# --- normalization of the raw text --------------------------------------------------------------

# Full-width digits, letters and signs map one-to-one onto ASCII, so offsets stay those of the
# original text (the strings reported are sliced from it, as written).
_FULLWIDTH: Mapping[int, int] = MappingProxyType(
    {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F) if cp != 0xFF0C}  # keep "，" (never a separator)
    | {0x2212: ord("-"), 0x3000: ord(" ")}  # U+2212 MINUS SIGN, ideographic space
)

_NUM = r"[0-9]+(?:(?:,|\{,\})[0-9]{3}(?![0-9]))*(?:\.[0-9]+)?"
_ZH_DIGIT = "零〇一二两三四五六七八九"
_ZH_DIGIT_VALUE: Mapping[str, int] = MappingProxyType(
    dict(zip(_ZH_DIGIT, (0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9), strict=True))
)
_ZH_CHARS = _ZH_DIGIT + "十百千万亿"
_ZH_NUM = rf"[{_ZH_CHARS}]+(?:点[{_ZH_DIGIT}]+[万亿]*)?"

_SCI_RE = re.compile(
    rf"(?<![A-Za-z0-9.])({_NUM})\s*(?:\\times|\\cdot|×|\*)\s*10\s*\^\s*\{{?\s*([+\-]?[0-9]+)(?![0-9.])(?:\s*\}})?"
)
_POW10_RE = re.compile(r"(?<![A-Za-z0-9.])10\s*\^\s*\{?\s*([+\-]?[0-9]+)(?![0-9.])(?:\s*\})?")
_EXPONENT_RE = re.compile(r"\^\s*\{?\s*[+\-]?[0-9]+(?:\.[0-9]+)?\s*\}?")
_ZH_PERCENT_RE = re.compile(rf"百分之\s*({_ZH_NUM}|[0-9]+(?:\.[0-9]+)?)")
_ZH_FRACTION_RE = re.compile(rf"([{_ZH_CHARS}]+|[0-9]+)\s*分之\s*([{_ZH_CHARS}]+|[0-9]+)")
_FRACTION_RE = re.compile(r"(?<![A-Za-z0-9.\-/])([0-9]+)\s*/\s*([0-9]+)(?![A-Za-z0-9./])")
# An ASCII word with a digit somewhere, its parts joined by - _ . (GPT-4, Llama-3.1-8B, 1,000, 1e-4).
_TOKEN_RE = re.compile(
    r"(?<![A-Za-z0-9])(?:[A-Za-z0-9]+[-_.])*[A-Za-z]*[0-9][A-Za-z0-9]*(?:[-_.][A-Za-z0-9]+|(?:,|\{,\})[0-9]{3}(?![0-9]))*"
)
_ZH_RUN_RE = re.compile(_ZH_NUM)
_DIGIT_RE = re.compile(r"[0-9]")
_EN_WORDS: Mapping[str, int] = MappingProxyType({
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
})  # fmt: skip
_EN_BIG: Mapping[str, int] = MappingProxyType(
    {"hundred": 100, "thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
)
_EN_WORD = "|".join(sorted([*_EN_WORDS, *_EN_BIG], key=len, reverse=True))
_EN_RUN_RE = re.compile(rf"\b(?:{_EN_WORD})(?:(?:\s+and\s+|\s+|-)(?:{_EN_WORD}))*\b")
_WORD_RE = re.compile(r"[a-z]+")
_EN_NUMBER_WORDS = frozenset([*_EN_WORDS, *_EN_BIG])
# Keeps offsets, unlike str.lower() (which turns "İ" into two characters).
_ASCII_LOWER: Mapping[int, int] = MappingProxyType({cp: cp + 32 for cp in range(ord("A"), ord("Z") + 1)})
# Multiplier words ("doubles", "twice", "threefold") are checked like "2×"; "half" only supports
# (a summary's "half of the samples" is rarely a result); bare "double"/"triple" are adjectives
# (double-blind, triple store) and are not numbers.
_EN_FACTOR_RE = re.compile(
    r"\b(?:(twice|doubl(?:es|ed|ing))|(thrice|tripl(?:es|ed|ing)|threefold)|(quadrupl(?:es|ed|ing)|fourfold)|"
    r"(half|halv(?:es|ed|ing)))\b",
    re.IGNORECASE,
)
_EN_FACTORS = (Decimal(2), Decimal(3), Decimal(4), Decimal("0.5"))

_MAGNITUDE_SUFFIX: Mapping[str, int] = MappingProxyType({"k": 3, "K": 3, "M": 6, "B": 9, "T": 12, "bn": 9})
_MAGNITUDE_WORDS: Mapping[str, int] = MappingProxyType({
    "thousand": 3, "million": 6, "billion": 9, "trillion": 12,
    "万亿": 12, "千亿": 11, "百亿": 10, "十亿": 9, "亿": 8, "千万": 7, "百万": 6, "十万": 5, "万": 4, "千": 3,
})  # fmt: skip
# Space between a number and its unit, LaTeX's included: 87.3\,\%, 19.7~FPS.
_SP = r"(?:\s|\\[,;: ]|~)*"
_MAGNITUDE_RE = re.compile(
    rf"{_SP}(?:(thousand|million|billion|trillion)\b|(万亿|千亿|百亿|十亿|亿|千万|百万|十万|万|千))"
)
_UNIT_SUFFIX_RE = re.compile(
    r"(?:ms|s|sec|min|h|hrs?|GB|MB|KB|TB|GiB|MiB|Hz|kHz|MHz|GHz|fps|dB|px|mm|cm|m|km|kg|g|nm|W|kW|ppl|M?FLOPs)$"
)
_PERCENT_AFTER_RE = re.compile(rf"{_SP}(?:\\?%|percent\b|per\s+cent\b)", re.IGNORECASE)
_POINTS_AFTER_RE = re.compile(
    rf"{_SP}(?:个百分点|百分点|pp\b|p\.p\.|percentage\s+points?\b|points?\b|pts\b)", re.IGNORECASE
)
_MULTIPLIER_AFTER_RE = re.compile(rf"{_SP}(?:倍|(?:×|\\times)(?!\s*\{{?[0-9])|times\b|-?fold\b)", re.IGNORECASE)
_MEASURE_AFTER_RE = re.compile(
    rf"{_SP}(?:毫秒|微秒|秒|分钟|小时|天|周|GPU|ms\b|s\b|sec\w*\b|seconds?\b|minutes?\b|hours?\b|days?\b|"
    r"GB\b|MB\b|TB\b|tokens?\b|FLOPs\b|参数|token)",
    re.IGNORECASE,
)
_SIGN_MAY_FOLLOW = " \t\n(（[【:：,，;；=为达是"
_VERSION_BEFORE_RE = re.compile(r"(?:\bversion|\bver\.|\brelease|版本)\s*$", re.IGNORECASE)
_VERSION_AFTER_RE = re.compile(r"\s*版(?:本)?")
_FACTOR_BEFORE_RE = re.compile(r"\bfactor\s+of\s*(?:about\s*|~\s*)?$", re.IGNORECASE)
_RANGE_NEXT_RE = re.compile(r"\s*(?:-|–|—|~|～|to|至|到)\s*[0-9]+(?:\.[0-9]+)?")
_YEAR_AFTER_RE = re.compile(r"\s*年(?!代)")
_REFERENCE_BEFORE_RE = re.compile(
    r"(?:\b(?:Section|Sec\.|Fig\.|Figure|Table|Tab\.|Eq\.|Equation|Appendix|Chapter|Algorithm|Theorem|Lemma|"
    r"Corollary|Proposition|Definition|Step|Stage|Phase|Level)|§|图|表|公式|算法|定理|引理|附录|章节|步骤|阶段)\s*$",
    re.IGNORECASE,
)
_REFERENCE_AFTER_RE = re.compile(r"\s*(?:节|章)")
_ORDINAL_BEFORE_RE = re.compile(r"第\s*$")
_APPROX_BEFORE_RE = re.compile(
    r"(?:约|大约|大概|近|接近|将近|超过|逾|不到|~|≈|∼|\babout|\baround|\bapproximately|\bnearly|\broughly|"
    r"\bover|\bmore than|\balmost)\s*$",
    re.IGNORECASE,
)
_APPROX_AFTER_RE = re.compile(r"\s*(?:左右|上下)")
_VAGUE_BEFORE_RE = re.compile(r"(?:数|几|上|成|好几)$")
_VAGUE_AFTER_RE = re.compile(r"(?:余|多|来)")
_CHANGE_BEFORE_RE = re.compile(
    r"(?:提高|提升|增加|增长|降低|减少|下降|高出|高于|超过|超出|领先|优于|改进|改善|加速|加快|快|慢|缩短|节省|差距|增益|比(?!例|率)|"
    r"\bby|\bgains?|improv\w*|increas\w*|reduc\w*|decreas\w*|boost\w*|faster|slower|higher|lower|"
    r"outperform\w*|surpass\w*|margin|speed-?up)[^,，。;；]{0,12}$",
    re.IGNORECASE,
)
_CHANGE_AFTER_RE = re.compile(
    r"\s*(?:%|percent)?\s*(?:的?(?:提升|提高|增益|改进|加速|降低|下降)|improvement|gain|faster|speed-?up|higher|lower)",
    re.IGNORECASE,
)
_INCREASE_BEFORE_RE = re.compile(r"(?:提高|提升|增加|增长|加快|快)了?\s*$")
_NUMBER_TOKEN_RE = re.compile(rf"^{_NUM}$")
_E_NOTATION_RE = re.compile(r"^([0-9]+(?:\.[0-9]+)?)[eE]([+\-]?[0-9]+)$")
_SUFFIXED_RE = re.compile(r"^([0-9]{1,4}(?:\.[0-9]+)?)(bn|[kKMBT])$")
_X_RE = re.compile(rf"^({_NUM})[xX]$")
_FOLD_RE = re.compile(rf"^({_NUM})-(?:fold|times|x)$", re.IGNORECASE)
_RANGE_RE = re.compile(r"^[0-9]+(?:\.[0-9]+)?(?:-[0-9]+(?:\.[0-9]+)?)+(bn|[kKMBTxX])?$")
_VERSION_RE = re.compile(r"^(?:[vV]([0-9]+(?:\.[0-9]+)*)|([0-9]+(?:\.[0-9]+){2,}))$")
_ORDINAL_RE = re.compile(r"^[0-9]+(?:st|nd|rd|th)$")
_UNIT_RE = re.compile(rf"^({_NUM})([A-Za-z]+)$")
_COMPOUND_RE = re.compile(r"^([0-9]{1,4}(?:,[0-9]{3})*(?:\.[0-9]+)?)(bn|[kKMBT])?-[A-Za-z][A-Za-z-]*$")
_INNER_NUMBER_RE = re.compile(r"[0-9]+(?:\.[0-9]+)?(bn|[kKMBT](?![a-z]))?")
_NON_ALNUM_RE = re.compile(r"[^a-z0-9]+")
_HUNDRED = Decimal(100)


# --- value helpers --------------------------------------------------------------------------------


def _dec(raw: str) -> Decimal:
    """A written ASCII number (1,000 / 1{,}000 / 87.30) as a Decimal that keeps its precision."""
    return Decimal(raw.replace("{,}", "").replace(",", ""))


def _is_power_of_ten(value: Decimal) -> bool:
    if value <= 0 or value != value.to_integral_value():
        return False
    digits = value.normalize().as_tuple().digits
    return digits == (1,)


def _is_small_count(value: Decimal) -> bool:
    return value == value.to_integral_value() and 0 <= value <= 10


def _parse_zh_integer(text: str) -> Decimal | None:
    """一亿二千万 → 120000000, 二零二四 → 2024, 十 → 10; None for runs that are not one number (一五一十)."""
    total = section = 0
    current: int | None = None
    previous_digit = False
    has_unit = False
    concatenated = False
    for ch in text:
        if ch in _ZH_DIGIT:
            digit = _ZH_DIGIT_VALUE[ch]
            if previous_digit and current is not None:
                concatenated = concatenated or current != 0
                current = current * 10 + digit
            else:
                current = digit
            previous_digit = True
            continue
        previous_digit = False
        has_unit = True
        if ch in "十百千":
            section += (1 if current is None else current) * {"十": 10, "百": 100, "千": 1000}[ch]
        elif ch == "万":
            total += (section + (current or 0) or 1) * 10**4
            section = 0
        else:  # 亿
            total = (total + section + (current or 0) or 1) * 10**8
            section = 0
        current = None
    if concatenated and has_unit:
        return None
    return Decimal(total + section + (current or 0))


def _parse_zh(text: str) -> Decimal | None:
    """A Chinese numeral, with 点 decimals and a trailing 万/亿 (三点五亿); None when not one number."""
    whole, dot, rest = text.partition("点")
    integer = _parse_zh_integer(whole) if whole else Decimal(0)
    if integer is None:
        return None
    if not dot:
        return integer.normalize() if integer else integer
    digits = "".join(str(_ZH_DIGIT_VALUE[c]) for c in rest if c in _ZH_DIGIT_VALUE)
    units = rest[len(digits) :]
    value = Decimal(f"{integer}.{digits}")
    for unit in units:
        value *= 10 ** (4 if unit == "万" else 8)
    return value


def _parse_en(text: str) -> Decimal | None:
    """ "two hundred and five" → 205, "1.5" never (words only); None when the run is not one number."""
    total = section = 0
    current: int | None = None
    for word in re.split(r"\s+and\s+|\s+|-", text.lower()):
        if word in _EN_WORDS:
            value = _EN_WORDS[word]
            if current is not None and (current % 10 or value >= 10 or current < 20):
                return None  # "one two", "twenty thirty": a list, not a number
            current = value if current is None else current + value
        elif word == "hundred":
            section += (1 if current is None else current) * 100
            current = None
        elif word in _EN_BIG:
            total += (section + (current or 0) or 1) * _EN_BIG[word]
            section = 0
            current = None
    return Decimal(total + section + (current or 0))


def _round_exponent(value: Decimal, approximate: bool) -> int:
    """The decimal place a number was written to; an approximate 90 or 1000 counts its trailing zeros."""
    exponent = int(value.as_tuple().exponent)
    if approximate and value != 0 and exponent >= 0:  # 约 90.0 keeps its decimal
        exponent = max(exponent, int(value.normalize().as_tuple().exponent))
    return exponent


# --- extraction -----------------------------------------------------------------------------------


class _Scanner:
    """Collects mentions from one text, in priority order, never twice over the same characters."""

    def __init__(self, original: str) -> None:
        self.original = original
        self.text = original.translate(_FULLWIDTH)
        self.taken = bytearray(len(self.text))
        self.mentions: list[NumberMention] = []

    def free(self, start: int, end: int) -> bool:
        return not any(self.taken[start:end])

    def add(self, start: int, end: int, kind: NumberKind, values: Iterable[Decimal] = (), key: str = "") -> None:
        for i in range(start, end):
            self.taken[i] = 1
        text = self.text
        approximate = (
            _APPROX_BEFORE_RE.search(text, max(0, start - 16), start) is not None
            or _APPROX_AFTER_RE.match(text, end) is not None
        )
        change = kind in (NumberKind.POINTS, NumberKind.MULTIPLIER) or self._is_change(start, end)
        signed = start > 0 and text[start - 1] in "+-" and (start < 2 or text[start - 2] in _SIGN_MAY_FOLLOW)
        if signed:
            start -= 1
            change = True
        if kind is NumberKind.COUNT and signed:
            kind = NumberKind.PLAIN  # "+3" is a quantity, not a count
        self.mentions.append(
            NumberMention(
                text=self.original[start:end],
                start=start,
                end=end,
                kind=kind,
                values=tuple(abs(v) for v in values),
                key=key,
                approximate=approximate,
                change=change,
            )
        )

    def _is_change(self, start: int, end: int) -> bool:
        text = self.text
        return (
            _CHANGE_BEFORE_RE.search(text, max(0, start - 24), start) is not None
            or _CHANGE_AFTER_RE.match(text, end, min(len(text), end + 16)) is not None
        )

    def before(self, start: int, width: int = 24) -> str:
        return self.text[max(0, start - width) : start]


def _scan_latex(sc: _Scanner) -> None:
    for m in _SCI_RE.finditer(sc.text):
        value = _dec(m.group(1)) * Decimal(1).scaleb(int(m.group(2)))
        sc.add(m.start(), m.end(), NumberKind.PLAIN, [value])
    for m in _POW10_RE.finditer(sc.text):
        if sc.free(m.start(), m.end()):
            sc.add(m.start(), m.end(), NumberKind.PLAIN, [Decimal(1).scaleb(int(m.group(1)))])
    for m in _EXPONENT_RE.finditer(sc.text):
        if sc.free(m.start(), m.end()):
            digits = re.search(r"[0-9.]+", m.group())
            sc.add(m.start(), m.end(), NumberKind.MATH, [Decimal(digits.group())] if digits else [])


def _zh_or_ascii(raw: str) -> Decimal | None:
    if raw[0].isdigit():
        return Decimal(raw)
    return _parse_zh(raw)


def _scan_zh_forms(sc: _Scanner) -> None:
    for m in _ZH_PERCENT_RE.finditer(sc.text):
        value = _zh_or_ascii(m.group(1))
        if value is not None and sc.free(m.start(), m.end()):
            sc.add(m.start(), m.end(), NumberKind.PERCENT, [value])
    for m in _ZH_FRACTION_RE.finditer(sc.text):
        denominator, numerator = _zh_or_ascii(m.group(1)), _zh_or_ascii(m.group(2))
        if denominator and numerator is not None and sc.free(m.start(), m.end()):
            sc.add(m.start(), m.end(), NumberKind.FRACTION, [numerator / denominator])
    for m in _FRACTION_RE.finditer(sc.text):
        numerator, denominator = Decimal(m.group(1)), Decimal(m.group(2))
        if denominator and sc.free(m.start(), m.end()):
            sc.add(m.start(), m.end(), NumberKind.FRACTION, [numerator / denominator, numerator, denominator])


def _unit_after(sc: _Scanner, end: int) -> tuple[NumberKind | None, int, int]:
    """The kind a following unit gives a bare number, the end of that unit and a power of ten."""
    text = sc.text
    for pattern, kind in (
        (_PERCENT_AFTER_RE, NumberKind.PERCENT),
        (_POINTS_AFTER_RE, NumberKind.POINTS),
        (_MULTIPLIER_AFTER_RE, NumberKind.MULTIPLIER),
    ):
        m = pattern.match(text, end)
        if m:
            return kind, m.end(), 0
    m = _MAGNITUDE_RE.match(text, end)
    if m:
        return NumberKind.PLAIN, m.end(), _MAGNITUDE_WORDS[m.group(1) or m.group(2)]
    m = _MEASURE_AFTER_RE.match(text, end)
    if m:
        return NumberKind.PLAIN, end, 0  # the unit itself is not part of the number as written
    return None, end, 0


def _bare_number(sc: _Scanner, start: int, end: int, value: Decimal) -> None:
    """A number written with digits only: its kind comes from what surrounds it."""
    text = sc.text
    before = sc.before(start)
    if _REFERENCE_BEFORE_RE.search(before) or _REFERENCE_AFTER_RE.match(text, end):
        sc.add(start, end, NumberKind.REFERENCE, [value])
        return
    if _ORDINAL_BEFORE_RE.search(before):
        sc.add(start, end, NumberKind.ORDINAL, [value])
        return
    if _VERSION_BEFORE_RE.search(before) or _VERSION_AFTER_RE.match(text, end):
        sc.add(start, end, NumberKind.VERSION, [], key=text[start:end])
        return
    kind, unit_end, power = _unit_after(sc, end)
    if kind is None and _FACTOR_BEFORE_RE.search(before):
        kind = NumberKind.MULTIPLIER  # "by a factor of 3"
    if kind is None and (r := _RANGE_NEXT_RE.match(text, end)):
        # The first end of a range takes the unit of the last: "3–5 倍", "10-20%", "2–3M".
        kind, _, power = _unit_after(sc, r.end())
    if power:
        value = value * Decimal(1).scaleb(power)
    if kind is None:
        is_year = value == value.to_integral_value() and 1900 <= value <= 2099 and len(text[start:end]) == 4
        if is_year or (_YEAR_AFTER_RE.match(text, end) and value == value.to_integral_value()):
            kind = NumberKind.YEAR
        elif _is_small_count(value) and "." not in text[start:end]:
            kind = NumberKind.COUNT
        else:
            kind = NumberKind.PLAIN
    values = [value]
    if kind is NumberKind.MULTIPLIER and "倍" in text[end:unit_end] and _INCREASE_BEFORE_RE.search(before):
        values.append(value + 1)  # "提高了 3 倍" is read as 3× or as 4× (+300 %) by different writers
    sc.add(start, unit_end, kind, values)


def _scan_token(sc: _Scanner, m: re.Match[str]) -> None:
    token, start, end = m.group(), m.start(), m.end()
    if _NUMBER_TOKEN_RE.match(token):
        _bare_number(sc, start, end, _dec(token))
    elif e := _E_NOTATION_RE.match(token):
        sc.add(start, end, NumberKind.PLAIN, [Decimal(e.group(1)) * Decimal(1).scaleb(int(e.group(2)))])
    elif s := _SUFFIXED_RE.match(token):
        value = Decimal(s.group(1)) * Decimal(1).scaleb(_MAGNITUDE_SUFFIX[s.group(2)])
        sc.add(start, end, NumberKind.PLAIN, [value], key=_key(token))
    elif x := _X_RE.match(token) or _FOLD_RE.match(token):
        sc.add(start, end, NumberKind.MULTIPLIER, [_dec(x.group(1))])
    elif r := _RANGE_RE.match(token):
        _scan_range(sc, start, token, r.group(1))
    elif v := _VERSION_RE.match(token):
        sc.add(start, end, NumberKind.VERSION, [], key=v.group(1) or v.group(2))
    elif _ORDINAL_RE.match(token):
        sc.add(start, end, NumberKind.ORDINAL, [Decimal(re.sub(r"\D", "", token))])
    elif (u := _UNIT_RE.match(token)) and _UNIT_SUFFIX_RE.match(u.group(2)):
        sc.add(start, end, NumberKind.PLAIN, [_dec(u.group(1))])
    elif c := _COMPOUND_RE.match(token):
        # 4-bit, 5-shot, 7B-parameter: a number with a noun; supported by its value or by its name.
        value = _dec(c.group(1)) * Decimal(1).scaleb(_MAGNITUDE_SUFFIX.get(c.group(2) or "", 0))
        kind = NumberKind.COUNT if _is_small_count(value) and not c.group(2) else NumberKind.PLAIN
        sc.add(start, end, kind, [value], key=_key(token))
    else:
        sc.add(start, end, NumberKind.IDENTIFIER, [], key=_key(token))


def _scan_range(sc: _Scanner, start: int, token: str, suffix: str | None) -> None:
    """3-5, 10-20%, 2019-2023, 3-5x, 2-3B written as one token: each end is a number of its own."""
    parts = list(re.finditer(r"[0-9]+(?:\.[0-9]+)?", token))
    if not suffix:
        for part in parts:
            _bare_number(sc, start + part.start(), start + part.end(), Decimal(part.group()))
        return
    multiplier = suffix in "xX"
    scale = Decimal(1) if multiplier else Decimal(1).scaleb(_MAGNITUDE_SUFFIX[suffix])
    for i, part in enumerate(parts):
        end = start + (len(token) if i == len(parts) - 1 else part.end())
        kind = NumberKind.MULTIPLIER if multiplier else NumberKind.PLAIN
        sc.add(start + part.start(), end, kind, [Decimal(part.group()) * scale])


def _key(token: str) -> str:
    return _NON_ALNUM_RE.sub("", token.lower())


def _scan_zh_run(sc: _Scanner, m: re.Match[str]) -> None:
    start, end = m.start(), m.end()
    value = _parse_zh(m.group())
    if value is None:
        return
    text = sc.text
    before = sc.before(start, 4)
    if _ORDINAL_BEFORE_RE.search(before):
        sc.add(start, end, NumberKind.ORDINAL, [value])
        return
    if _VAGUE_BEFORE_RE.search(before) or _VAGUE_AFTER_RE.match(text, end):
        sc.add(start, end, NumberKind.SCALE, [value])
        return
    if _YEAR_AFTER_RE.match(text, end) and 1900 <= value <= 2099:
        sc.add(start, end, NumberKind.YEAR, [value])  # 二零二四年
        return
    kind, unit_end, _ = _unit_after(sc, end)
    values = [value]
    if kind is NumberKind.MULTIPLIER:
        if _INCREASE_BEFORE_RE.search(sc.before(start)):
            values.append(value + 1)
    elif kind is None or kind is NumberKind.PLAIN:
        if _is_small_count(value):
            kind = NumberKind.COUNT
        elif _is_power_of_ten(value):
            kind = NumberKind.SCALE  # 十亿参数规模, 百万级: an order of magnitude, not a measured value
        else:
            kind = NumberKind.PLAIN
        unit_end = end
    sc.add(start, unit_end, kind, values)


def _scan_en_words(sc: _Scanner) -> None:
    lower = sc.text.translate(_ASCII_LOWER)
    covered = 0
    for word in _WORD_RE.finditer(lower):
        # A set look-up per word, the run regex only where a number word starts: much faster than
        # letting the regex try its alternation at every position of a long abstract.
        if word.start() < covered or word.group() not in _EN_NUMBER_WORDS:
            continue
        m = _EN_RUN_RE.match(lower, word.start())
        if m is None or not sc.free(m.start(), m.end()):
            continue
        covered = m.end()
        value = _parse_en(m.group())
        if value is None:
            continue
        kind, unit_end, _ = _unit_after(sc, m.end())
        if kind is None or kind is NumberKind.PLAIN:
            unit_end = m.end()
            if _is_small_count(value):
                kind = NumberKind.COUNT
            elif _is_power_of_ten(value) and not re.match(r"(?i)one\b", m.group()):
                kind = NumberKind.SCALE
            else:
                kind = NumberKind.PLAIN
        sc.add(m.start(), unit_end, kind, [value])
    for m in _EN_FACTOR_RE.finditer(lower):
        if sc.free(m.start(), m.end()):
            group = next(i for i in range(4) if m.group(i + 1))
            kind = NumberKind.COUNT if group == 3 else NumberKind.MULTIPLIER
            sc.add(m.start(), m.end(), kind, [_EN_FACTORS[group]])


def extract_numbers(text: str) -> list[NumberMention]:
    """Every number in `text`, in order: as written, normalized value(s) and kind (see NumberKind)."""
    sc = _Scanner(text)
    has_digits = _DIGIT_RE.search(sc.text) is not None
    has_zh = _ZH_RUN_RE.search(sc.text) is not None
    if has_digits:
        _scan_latex(sc)
    if has_zh or has_digits:
        _scan_zh_forms(sc)
    if has_digits:
        for m in _TOKEN_RE.finditer(sc.text):
            if sc.free(m.start(), m.end()):
                _scan_token(sc, m)
    if has_zh:
        for m in _ZH_RUN_RE.finditer(sc.text):
            if sc.free(m.start(), m.end()):
                _scan_zh_run(sc, m)
    _scan_en_words(sc)
    return sorted(sc.mentions, key=lambda mention: mention.start)


# --- support ---------------------------------------------------------------------------------------

# Values differences and ratios are taken from; years, names and counts are not measurements.
_DERIVED_KINDS = frozenset({NumberKind.PLAIN, NumberKind.FRACTION, NumberKind.MULTIPLIER})
# Numbers that support only a bare integer in a summary: "Table 3" or "three benchmarks" must not
# vouch for "3%" or "3 倍".
_WEAK_KINDS = frozenset({NumberKind.ORDINAL, NumberKind.REFERENCE, NumberKind.MATH, NumberKind.SCALE})
# Rounding is accepted while it moves a number by at most this fraction of itself: 87.3 → 87 is a
# rounding, 1.61 → 2 is another claim.
_MAX_ROUNDING_ERROR = Decimal("0.05")
# A fraction (1/3) is exact; a ratio of two written values matches it within 0.5 %.
_FRACTION_SLACK = Decimal("0.005")


@dataclass(frozen=True, slots=True)
class SourceNumbers:
    """The numbers a source text states, indexed for `supports`; build once per source."""

    values: tuple[Decimal, ...]  # sorted; every value the source states (and its percent/fraction twin)
    counts: tuple[Decimal, ...]  # sorted; small counts, section numbers, exponents: support only bare integers
    name_parts: tuple[Decimal, ...]  # sorted; numbers inside names (Qwen2.5 → 2.5): support only plain numbers
    percents: tuple[Decimal, ...]  # sorted; percentages (and fractions × 100): differences in points
    plains: tuple[Decimal, ...]  # sorted; other measured values: differences and ratios
    factors: tuple[Decimal, ...]  # sorted; multipliers (3.5x): a summary may say "+250%" or "-71%"
    gains: tuple[Decimal, ...]  # sorted; percent changes ("improves by 150%"): a summary may say "2.5 倍"
    lower: str  # the source with ASCII letters lower-cased: where names are looked up
    text: str

    @classmethod
    def from_text(cls, source_text: str) -> SourceNumbers:
        """Index the numbers of `source_text` (title + abstract, or the full text)."""
        values: set[Decimal] = set()
        counts: set[Decimal] = set()
        name_parts: set[Decimal] = set()
        percents: set[Decimal] = set()
        plains: set[Decimal] = set()
        factors: set[Decimal] = set()
        gains: set[Decimal] = set()
        for mention in extract_numbers(source_text):
            if mention.kind is NumberKind.MULTIPLIER:
                factors.update(mention.values)
            elif mention.kind is NumberKind.PERCENT and mention.change:
                gains.update(mention.values)
            weak = mention.kind in _WEAK_KINDS or (
                mention.kind is NumberKind.COUNT and all(v == v.to_integral_value() for v in mention.values)
            )
            if weak:
                counts.update(mention.values)
                continue
            for value in mention.values:
                if mention.kind in (NumberKind.PERCENT, NumberKind.POINTS):
                    values.update((value, value / _HUNDRED))
                    percents.add(value)
                elif value < 1 and value != value.to_integral_value():
                    values.update((value, value * _HUNDRED))
                    percents.add(value * _HUNDRED)
                    plains.add(value)
                else:
                    values.add(value)
                    if mention.kind in _DERIVED_KINDS:
                        plains.add(value)
            if mention.kind in (NumberKind.IDENTIFIER, NumberKind.PLAIN, NumberKind.VERSION):
                name_parts.update(_inner_numbers(mention.text))
        translated = source_text.translate(_FULLWIDTH)
        return cls(
            values=tuple(sorted(values)),
            counts=tuple(sorted(counts)),
            name_parts=tuple(sorted(name_parts)),
            percents=tuple(sorted(percents)),
            plains=tuple(sorted(plains)),
            factors=tuple(sorted(factors)),
            gains=tuple(sorted(gains)),
            lower=translated.translate(_ASCII_LOWER),
            text=translated,
        )

    def supports(self, mention: NumberMention) -> bool:
        """Whether the source states `mention` (see docs/numbers.md for what counts)."""
        if not mention.checked:
            return True
        if mention.kind is NumberKind.VERSION:
            version = rf"(?<![0-9])(?<![0-9]\.){re.escape(mention.key)}(?!\.?[0-9])"
            return re.search(version, self.text) is not None
        if mention.key and self._names(mention.key):
            return True
        if mention.kind is NumberKind.IDENTIFIER:
            return False
        if mention.kind is NumberKind.YEAR:
            pools = (self.values, self.counts, self.name_parts)  # COCO 2017 is the year of COCO-2017
            return any(_contains(pool, v, v) for pool in pools for v in mention.values)
        for value in mention.values:
            if self._states(value, mention):
                return True
        return mention.change and any(self._derives(value, mention) for value in mention.values)

    def _names(self, key: str) -> bool:
        """Whether the source writes the name `key`: "gpt4" is in "GPT-4" and "gpt 4", not in "ChatGPT 45"."""
        spaced = r"[\s\-_./,]*".join(re.escape(ch) for ch in key)
        return re.search(rf"(?<![a-z0-9]){spaced}(?![a-z0-9])", self.lower) is not None

    def _states(self, value: Decimal, mention: NumberMention) -> bool:
        if mention.kind is NumberKind.FRACTION:
            # A repeating fraction: supported by a source value written to any precision (1/3 = 33.3 %).
            return any(
                abs(v - value) <= _half_quantum(v) or abs(v - value * _HUNDRED) <= _half_quantum(v) for v in self.values
            )
        low, high = _tolerance(value, mention.approximate)
        if _contains(self.values, low, high):
            return True
        # A bare integer (+3, 12) may be a count the source wrote as "three" or "3 benchmarks", and a
        # plain number may be part of a name (Qwen 2.5, Llama 3); a percent, a multiplier or a
        # decimal may not ("6.0 个百分点" is not "6 benchmarks", "快 8 倍" is not "Llama-3-8B").
        if mention.kind is not NumberKind.PLAIN:
            return False
        written_as_integer = int(value.as_tuple().exponent) >= 0
        return (written_as_integer and _contains(self.counts, value, value)) or _contains(self.name_parts, value, value)

    def _derives(self, value: Decimal, mention: NumberMention) -> bool:
        """A difference a − b or a ratio a / b of two source values of the same sort (see docs/numbers.md)."""
        low, high = _tolerance(value, mention.approximate)
        if mention.kind is NumberKind.FRACTION:
            low, high = value * (1 - _FRACTION_SLACK), value * (1 + _FRACTION_SLACK)
            return _ratio(self.plains, low, high) or _ratio(self.percents, low, high)
        if mention.kind is NumberKind.MULTIPLIER:
            # 3.5× is a ratio of two values, or "+250 %" in the source.
            as_percent = ((low - 1) * _HUNDRED, (high - 1) * _HUNDRED)
            return (
                _ratio(self.plains, low, high) or _ratio(self.percents, low, high) or _contains(self.gains, *as_percent)
            )
        if mention.kind is NumberKind.PERCENT and self._factor_as_percent(low, high):
            return True
        if mention.kind is NumberKind.POINTS:
            return _difference(self.percents, low, high)
        if mention.kind is NumberKind.PERCENT:
            grow = (1 + low / _HUNDRED, 1 + high / _HUNDRED)
            shrink = (1 - high / _HUNDRED, 1 - low / _HUNDRED)
            return _difference(self.percents, low, high) or any(
                _ratio(pool, *bounds) for pool in (self.plains, self.percents) for bounds in (grow, shrink)
            )
        return _difference(self.percents, low, high) or _difference(self.plains, low, high)

    def _factor_as_percent(self, low: Decimal, high: Decimal) -> bool:
        """A change of +250 % is a 3.5× factor; a reduction of 71.4 % is a 3.5× one the other way."""
        grow = (1 + low / _HUNDRED, 1 + high / _HUNDRED)
        if _contains(self.factors, *grow):
            return True
        return high < _HUNDRED and _contains(self.factors, 1 / (1 - low / _HUNDRED), 1 / (1 - high / _HUNDRED))


def _difference(pool: Sequence[Decimal], low: Decimal, high: Decimal) -> bool:
    """Whether a − b lies in [low, high] for some a, b of the sorted `pool`."""
    return any(_contains(pool, a - high, a - low) for a in pool)


def _ratio(pool: Sequence[Decimal], low: Decimal, high: Decimal) -> bool:
    """Whether a / b lies in [low, high] for some a, b > 0 of the sorted `pool`."""
    return any(_contains(pool, b * low, b * high) for b in pool if b > 0)


def _inner_numbers(text: str) -> set[Decimal]:
    """Numbers inside a name (Llama-3-8B → 3, 8, 8e9): a summary may write them apart (Llama 3, 8B)."""
    found: set[Decimal] = set()
    for m in _INNER_NUMBER_RE.finditer(text.translate(_FULLWIDTH)):
        number = m.group()[: len(m.group()) - len(m.group(1) or "")]
        try:
            value = Decimal(number)
        except InvalidOperation:
            continue
        found.add(value)
        if m.group(1):
            found.add(value * Decimal(1).scaleb(_MAGNITUDE_SUFFIX[m.group(1)]))
    return found


def _half_quantum(value: Decimal) -> Decimal:
    return Decimal(5).scaleb(int(value.as_tuple().exponent) - 1)


def _tolerance(value: Decimal, approximate: bool) -> tuple[Decimal, Decimal]:
    """The source values that, rounded as the summary wrote `value`, give `value` (within 5 %)."""
    half = Decimal(5).scaleb(_round_exponent(value, approximate) - 1)
    spread = min(half, abs(value) * _MAX_ROUNDING_ERROR)
    return value - spread, value + spread


def _contains(pool: Sequence[Decimal], low: Decimal, high: Decimal) -> bool:
    """Whether the sorted `pool` holds a value in [low, high]."""
    i = bisect.bisect_left(pool, low)
    return i < len(pool) and pool[i] <= high


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
