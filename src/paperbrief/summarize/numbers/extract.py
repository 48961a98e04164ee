"""Finding the numbers in a text: `extract_numbers` (as written, value(s), kind)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal

from paperbrief.summarize.numbers.kinds import NumberKind, NumberMention
from paperbrief.summarize.numbers.patterns import (
    _APPROX_AFTER_RE,
    _APPROX_BEFORE_RE,
    _ASCII_LOWER,
    _CHANGE_AFTER_RE,
    _CHANGE_BEFORE_RE,
    _COMPOUND_RE,
    _DIGIT_RE,
    _E_NOTATION_RE,
    _EN_FACTOR_RE,
    _EN_FACTORS,
    _EN_NUMBER_WORDS,
    _EN_RUN_RE,
    _EXPONENT_RE,
    _FACTOR_BEFORE_RE,
    _FOLD_RE,
    _FRACTION_RE,
    _FULLWIDTH,
    _INCREASE_BEFORE_RE,
    _MAGNITUDE_RE,
    _MAGNITUDE_SUFFIX,
    _MAGNITUDE_WORDS,
    _MEASURE_AFTER_RE,
    _MULTIPLIER_AFTER_RE,
    _NON_ALNUM_RE,
    _NUMBER_TOKEN_RE,
    _ORDINAL_BEFORE_RE,
    _ORDINAL_RE,
    _PERCENT_AFTER_RE,
    _POINTS_AFTER_RE,
    _POW10_RE,
    _RANGE_NEXT_RE,
    _RANGE_RE,
    _REFERENCE_AFTER_RE,
    _REFERENCE_BEFORE_RE,
    _SCI_RE,
    _SIGN_MAY_FOLLOW,
    _SUFFIXED_RE,
    _TOKEN_RE,
    _UNIT_RE,
    _UNIT_SUFFIX_RE,
    _VAGUE_AFTER_RE,
    _VAGUE_BEFORE_RE,
    _VERSION_AFTER_RE,
    _VERSION_BEFORE_RE,
    _VERSION_RE,
    _WORD_RE,
    _X_RE,
    _YEAR_AFTER_RE,
    _ZH_FRACTION_RE,
    _ZH_PERCENT_RE,
    _ZH_RUN_RE,
    _dec,
    _is_power_of_ten,
    _is_small_count,
    _parse_en,
    _parse_zh,
)

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
