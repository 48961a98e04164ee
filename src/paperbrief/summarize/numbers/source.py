"""What a source text states: `SourceNumbers` and the rules of support (rounding, derived numbers)."""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from paperbrief.summarize.numbers.extract import extract_numbers
from paperbrief.summarize.numbers.kinds import NumberKind, NumberMention
from paperbrief.summarize.numbers.patterns import (
    _ASCII_LOWER,
    _FULLWIDTH,
    _HUNDRED,
    _INNER_NUMBER_RE,
    _MAGNITUDE_SUFFIX,
    _round_exponent,
)

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
