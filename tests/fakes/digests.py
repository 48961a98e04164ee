"""Digests built from the reference sample day (its `seed_output` as summaries), for publishing tests."""

from __future__ import annotations

import datetime as dt

from fakes.reference import reference_paper, reference_rows, reference_summary
from paperbrief.models import Digest, DigestEntry, DigestStats

SAMPLE_DATE = dt.date(2026, 2, 4)


def sample_digest(language: str = "zh", date: dt.date = SAMPLE_DATE) -> Digest:
    """The reference day's 30 papers in the reference's order (sections A–Z), summarized by its own output.

    Renderers put them in report order (cs.LG, cs.CV, cs.AI, cs.CL) and number them 1…30 that way.
    """
    entries = []
    for number, row in enumerate(reference_rows(), start=1):
        paper = reference_paper(row, announced=date)
        summary = reference_summary(row, language=language)
        entries.append(DigestEntry(number=number, paper=paper, summary=summary))
    stats = DigestStats(
        selected=len(entries),
        summarized=len(entries),
        backend="llm",
        model="reference-model",
        prompt_version="v1",
    )
    return Digest(
        date=date,
        language=language,
        entries=entries,
        stats=stats,
        generated=dt.datetime.combine(date + dt.timedelta(days=1), dt.time(1, 30), tzinfo=dt.UTC),
        source="sample",
    )


def empty_digest(date: dt.date, language: str = "zh") -> Digest:
    """A day without an arXiv announcement (a Friday or Saturday, or a holiday)."""
    return Digest(date=date, language=language, no_announcement=True, no_announcement_reason="no mailing")
