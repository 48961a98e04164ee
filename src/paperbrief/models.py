"""The data model shared by every pipeline stage: Paper, Summary, Digest.

Stages exchange these objects and nothing else; the store persists them.
See https://info.arxiv.org/help/api/user-manual.html#_entry_metadata for the arXiv fields.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

# New-style ids (0704.0001, 2602.04837) and old-style ids (hep-th/9901001, math.AG/0101001).
_ID_RE = re.compile(r"^(?P<id>(?:[a-z-]+(?:\.[A-Z]{2})?/\d{7})|(?:\d{4}\.\d{4,5}))(?:v(?P<v>\d+))?$")


class AnnounceType(StrEnum):
    """How a paper appears in an announcement (https://info.arxiv.org/help/rss_specifications.html)."""

    NEW = "new"
    CROSS = "cross"
    REPLACE = "replace"
    REPLACE_CROSS = "replace-cross"


class SummaryStatus(StrEnum):
    """Outcome of summarizing one paper."""

    OK = "ok"
    FAILED = "failed"
    EXTRACTIVE = "extractive"
    SKIPPED_BUDGET = "skipped-budget"


class DeliveryStatus(StrEnum):
    """Outcome of sending one digest over one channel."""

    SENT = "sent"
    FAILED = "failed"


class RunStatus(StrEnum):
    """Outcome of one pipeline run."""

    RUNNING = "running"
    OK = "ok"
    PARTIAL = "partial"
    FAILED = "failed"
    INTERRUPTED = "interrupted"
    NO_ANNOUNCEMENT = "no-announcement"
    ABANDONED = "abandoned"  # killed outright: its lease ran out (marked by the next run)


def split_arxiv_id(raw: str) -> tuple[str, int | None]:
    """Split `2602.04837v2`, `oai:arXiv.org:hep-th/9901001v1` or an abs URL into (id, version)."""
    text = raw.strip()
    for prefix in ("oai:arXiv.org:", "arXiv:", "arxiv:"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    text = re.sub(r"^https?://(?:export\.)?arxiv\.org/(?:abs|pdf)/", "", text)
    text = text.removesuffix(".pdf")
    match = _ID_RE.match(text)
    if match is None:
        raise ValueError(f"not an arXiv id: {raw!r}")
    version = match.group("v")
    return match.group("id"), int(version) if version else None


def in_category(paper_categories: Sequence[str], wanted: str) -> bool:
    """Whether a paper listed in `paper_categories` is in `wanted`: a category, or a whole archive (`cs`)."""
    return any(c == wanted or c.startswith(wanted + ".") for c in paper_categories)


def category_counts(papers: Sequence[Paper], categories: Sequence[str]) -> dict[str, int]:
    """Papers per requested category; a paper counts in each requested category it is listed in."""
    return {c: sum(1 for p in papers if in_category(p.categories, c)) for c in categories}


class Paper(BaseModel):
    """One arXiv paper as announced (one version)."""

    model_config = ConfigDict(frozen=False)

    arxiv_id: str
    version: int = 1
    title: str
    authors: list[str] = Field(default_factory=list)
    abstract: str = ""
    categories: list[str] = Field(default_factory=list)
    primary_category: str | None = None
    published: dt.datetime | None = None
    updated: dt.datetime | None = None
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    announce_type: AnnounceType | None = None
    announced: dt.date | None = None

    @property
    def versioned_id(self) -> str:
        """The id with its version, e.g. `2602.04837v1`."""
        return f"{self.arxiv_id}v{self.version}"

    @property
    def primary(self) -> str:
        """The primary category: arXiv's if known, else the first listed."""
        if self.primary_category:
            return self.primary_category
        return self.categories[0] if self.categories else "unknown"

    @property
    def abs_url(self) -> str:
        """Abstract page of this version."""
        return f"https://arxiv.org/abs/{self.versioned_id}"

    @property
    def pdf_url(self) -> str:
        """PDF of this version."""
        return f"https://arxiv.org/pdf/{self.versioned_id}"


class TextSource(StrEnum):
    """Where a summary's text came from (issue 13): the paper's HTML, its PDF, or the abstract only."""

    HTML = "html"
    PDF = "pdf"
    ABSTRACT = "abstract"


class SummaryFigure(BaseModel):
    """A paper's first figure, re-encoded and saved next to the digest (`figures/{id}v{n}.png`)."""

    path: str  # relative to the output folder, e.g. "figures/2601.00001v1.png"
    caption: str = ""
    width: int = 0
    height: int = 0
    media_type: str = "image/png"


class Summary(BaseModel):
    """What a summarizer wrote about one paper version. `score` is None unless a model judged it."""

    arxiv_id: str
    version: int = 1
    tldr: str | None = None
    motivation: str | None = None
    method: str | None = None
    conclusion: str | None = None
    experiments: str | None = None  # 实验与关键数字 (full-text summaries only, issue 13)
    limitations: str | None = None  # 局限性 (full-text summaries only)
    text_source: TextSource | None = None  # None: an abstract summary of a paper not read in full
    figure: SummaryFigure | None = None
    fulltext_notes: list[str] = Field(default_factory=list)  # why the full text or figure was not used
    keywords: list[str] = Field(default_factory=list)
    score: int | None = Field(default=None, ge=0, le=100)
    score_reason: str | None = None
    language: str = "zh"
    backend: str = "extractive"
    model: str = "extractive"
    prompt_version: str = "none"
    tokens_in: int = 0
    tokens_out: int = 0
    cost: float = 0.0
    status: SummaryStatus = SummaryStatus.OK
    error: str | None = None
    created: dt.datetime | None = None
    # Numbers the text states that its source does not (issue 16, docs/numbers.md), as written:
    # kept in the text and marked with ⚠ wherever the summary is shown; [] when none or not checked.
    unsupported_numbers: list[str] = Field(
        default_factory=list,
        description="Numbers the summary states that the text the model was given does not (as written); [] when none.",
    )


class SelectionReason(BaseModel):
    """Why the selection stage kept a paper."""

    rank_score: float | None = None
    matched_terms: list[str] = Field(default_factory=list)
    matched_authors: list[str] = Field(default_factory=list)
    matched_profile: list[str] = Field(default_factory=list)
    note: str | None = None
    # `--select learned` (issue 12): an exploration pick, and the liked papers the pick resembles.
    exploration: bool = False
    liked: list[str] = Field(default_factory=list)


class Enrichment(BaseModel):
    """Facts read from the abstract, comment and journal ref without any extra service."""

    code_urls: list[str] = Field(default_factory=list)
    venue: str | None = None
    pages: int | None = None
    figures: int | None = None
    tables: int | None = None


class DigestEntry(BaseModel):
    """One paper of a digest, with its summary (None when not summarized)."""

    number: int = 0
    paper: Paper
    summary: Summary | None = None
    reason: SelectionReason | None = None
    enrichment: Enrichment | None = None


class DigestStats(BaseModel):
    """Counts and costs of one digest."""

    announced: dict[str, int] = Field(default_factory=dict)
    fetched: dict[str, int] = Field(default_factory=dict)
    announced_total: int = 0
    fetched_total: int = 0
    candidates: int = 0
    selected: int = 0
    summarized: int = 0
    failed: int = 0
    skipped: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost: float = 0.0
    backend: str = "extractive"
    model: str = "extractive"
    prompt_version: str = "none"
    timings: dict[str, float] = Field(default_factory=dict)


class Digest(BaseModel):
    """A day's digest: entries in report order, stats and an optional highlights block."""

    date: dt.date
    language: str = "zh"
    entries: list[DigestEntry] = Field(default_factory=list)
    stats: DigestStats = Field(default_factory=DigestStats)
    no_announcement: bool = False
    no_announcement_reason: str | None = None
    highlights: str | None = None
    generated: dt.datetime | None = None
    source: str = "sample"
    warnings: list[str] = Field(default_factory=list)

    def categories_in_order(self) -> list[tuple[str, int]]:
        """Primary categories with paper counts: more papers first, ties by name."""
        counts: dict[str, int] = {}
        for entry in self.entries:
            counts[entry.paper.primary] = counts.get(entry.paper.primary, 0) + 1
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
