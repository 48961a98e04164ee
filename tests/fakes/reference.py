"""The reference day (`tests/data/reference/sample-2026-02-04.json`) as model objects, built in one place."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from paperbrief.models import AnnounceType, Paper, Summary, SummaryStatus

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "reference" / "sample-2026-02-04.json"


def reference_rows() -> list[dict[str, Any]]:
    """The 30 rows: arXiv metadata (`id` is the arXiv id) plus the replaced system's `seed_output`."""
    rows: list[dict[str, Any]] = json.loads(SAMPLE.read_text(encoding="utf-8"))
    return rows


def reference_paper(row: dict[str, Any], announced: dt.date | None = None) -> Paper:
    """One row as a new paper; its first category is the primary, as in the reference."""
    return Paper(
        arxiv_id=row["id"],
        version=row.get("version", 1),
        title=row["title"],
        authors=row.get("authors", []),
        abstract=row["abstract"],
        categories=row.get("categories", []),
        primary_category=row["categories"][0] if row.get("categories") else None,
        published=dt.datetime.fromisoformat(row["published"].replace("Z", "+00:00")),
        announce_type=AnnounceType.NEW,
        announced=announced,
    )


def reference_summary(
    row: dict[str, Any],
    *,
    language: str = "zh",
    backend: str = "llm",
    model: str = "reference-model",
    prompt_version: str = "v1",
) -> Summary:
    """The replaced system's own output for one row, as a summary that scored."""
    seed = row["seed_output"]
    return Summary(
        arxiv_id=row["id"],
        version=row.get("version", 1),
        tldr=seed["tldr"],
        motivation=seed["motivation"],
        method=seed["method"],
        conclusion=seed["conclusion"],
        keywords=seed["keywords"],
        score=seed["score"],
        score_reason=None,
        language=language,
        backend=backend,
        model=model,
        prompt_version=prompt_version,
        status=SummaryStatus.OK,
    )
