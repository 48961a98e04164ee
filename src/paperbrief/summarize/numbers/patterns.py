"""How numbers are written: the regular expressions and value parsers the scanner uses."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType

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
