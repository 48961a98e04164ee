"""What the arXiv source returns (`Announcement`) and the rules every way of reading a day shares.

Categories are checked against arXiv's taxonomy (https://arxiv.org/category_taxonomy) before any
request; announce types follow rss.arxiv.org's rule (https://info.arxiv.org/help/rss.html).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from paperbrief.models import AnnounceType, Paper, in_category
from paperbrief.sources.arxiv.errors import ArxivCategoryError
from paperbrief.sources.arxiv.schedule import NoAnnouncementReason

_CATEGORY_RE = re.compile(r"^[a-z][a-z-]*(?:\.[A-Za-z][A-Za-z-]+)?$")
# arXiv's archives (https://arxiv.org/category_taxonomy); a category is `archive` or `archive.XX`.
KNOWN_ARCHIVES = frozenset(
    {
        "astro-ph",
        "cond-mat",
        "cs",
        "econ",
        "eess",
        "gr-qc",
        "hep-ex",
        "hep-lat",
        "hep-ph",
        "hep-th",
        "math",
        "math-ph",
        "nlin",
        "nucl-ex",
        "nucl-th",
        "physics",
        "q-bio",
        "q-fin",
        "quant-ph",
        "stat",
    }
)


@dataclass
class Announcement:
    """One announcement day as fetched: every item (new, cross, replace, replace-cross) and its completeness."""

    date: dt.date | None
    papers: list[Paper] = field(default_factory=list)
    announced: dict[str, int] = field(default_factory=dict)
    fetched: dict[str, int] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    no_announcement: bool = False
    reason: str | None = None
    source: str = "rss"
    partial: str | None = None  # why the day may be incomplete although no listed id is missing
    # Set when the feed listed every paper but the API enrichment failed after its retries: `papers`
    # then carry the feed's data only (no comment, primary = the feed's first category), `missing`
    # stays empty, and `partial` says so too, so a caller that knows only `partial` still warns.
    enrichment_error: str | None = None
    notes: list[str] = field(default_factory=list)  # repairs made while reading (e.g. a NUL byte removed)

    @property
    def complete(self) -> bool:
        """True when every announced paper was fetched (nothing missing) and nothing suggests a short day."""
        return not self.missing and self.announced == self.fetched and self.partial is None

    @property
    def enriched(self) -> bool:
        """False when the papers carry the feed's data only because the API enrichment failed."""
        return self.enrichment_error is None


def check_categories(categories: Sequence[str]) -> list[str]:
    """Validated, deduplicated categories (`archive` or `archive.XX`, known archive); `ArxivCategoryError` if not."""
    cats = [c.strip() for c in categories if c.strip()]
    if not cats:
        raise ArxivCategoryError("no arXiv categories given")
    bad = [c for c in cats if not _CATEGORY_RE.match(c)]
    if bad:
        raise ArxivCategoryError(
            f"not an arXiv category: {', '.join(bad)} (expected `archive` or `archive.XX`, e.g. cs or cs.AI)"
        )
    unknown = [c for c in cats if c.partition(".")[0] not in KNOWN_ARCHIVES]
    if unknown:
        raise ArxivCategoryError(
            f"unknown arXiv archive in: {', '.join(unknown)} (known: {', '.join(sorted(KNOWN_ARCHIVES))})"
        )
    return list(dict.fromkeys(cats))


def announce_kind(paper: Paper, categories: Sequence[str], *, replacement: bool) -> AnnounceType:
    """How `paper` counts for the requested `categories`: new or cross, replace or replace-cross."""
    # Same rule as rss.arxiv.org (feed/database.py): relative to the requested set of categories.
    primary_in = any(in_category([paper.primary], c) for c in categories)
    if replacement:
        return AnnounceType.REPLACE if primary_in else AnnounceType.REPLACE_CROSS
    return AnnounceType.NEW if primary_in else AnnounceType.CROSS


def no_announcement(
    date: dt.date | None, cats: Sequence[str], reason: NoAnnouncementReason, *, source: str
) -> Announcement:
    """A day with nothing announced (weekend, holiday, empty feed): zero counts for each category."""
    zeros = dict.fromkeys(cats, 0)
    return Announcement(
        date=date,
        announced=dict(zeros),
        fetched=dict(zeros),
        no_announcement=True,
        reason=str(reason),
        source=source,
    )
