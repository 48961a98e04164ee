"""The data of the number check: kinds of number, mentions, a check's outcome (issue 16)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

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
