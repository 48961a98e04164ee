"""Long ranges: OAI-PMH ListRecords per category set, restartable from a resumption token in the store.

https://info.arxiv.org/help/oa/index.html (sets, datestamps, tokens that expire daily).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from paperbrief.models import Paper
from paperbrief.sources.arxiv._http import HttpClient
from paperbrief.sources.arxiv.announcement import announce_kind
from paperbrief.sources.arxiv.errors import ArxivOAIError
from paperbrief.sources.arxiv.parse import OaiPage, parse_oai
from paperbrief.sources.arxiv.schedule import ArxivCalendar

if TYPE_CHECKING:
    from paperbrief.store import Store

_log = logging.getLogger("paperbrief.sources.arxiv")

MODERATION_SLACK = dt.timedelta(days=7)  # papers held in moderation are announced days after submission

# OAI-PMH set groups for archives whose group differs from their own name (help/oa: `physics:hep-th`).
_PHYSICS_ARCHIVES = frozenset(
    {
        "astro-ph",
        "cond-mat",
        "gr-qc",
        "hep-ex",
        "hep-lat",
        "hep-ph",
        "hep-th",
        "math-ph",
        "nlin",
        "nucl-ex",
        "nucl-th",
        "physics",
        "quant-ph",
    }
)


def oai_set(category: str) -> str:
    """OAI-PMH set of a category: `cs.AI` → `cs:cs:AI`, `hep-th` → `physics:hep-th`, `cs` → `cs`."""
    archive, _, subject = category.partition(".")
    group = "physics" if archive in _PHYSICS_ARCHIVES else archive
    if subject:
        return f"{group}:{archive}:{subject}"
    return archive if group == archive else f"{group}:{archive}"


def backfill(
    http: HttpClient,
    oai_url: str,
    metadata_prefix: str,
    calendar: ArxivCalendar,
    cats: Sequence[str],
    start: dt.date,
    end: dt.date,
    store: Store | None,
) -> Iterator[list[Paper]]:
    """ListRecords pages of each category's set for [start, end], stored (with the token) as they come."""
    seen: set[str] = set()
    for category in cats:
        spec = oai_set(category)
        key = f"arxiv.oai.{metadata_prefix}.{spec}.{start.isoformat()}.{end.isoformat()}"
        token = store.get_state(key) if store is not None else None
        fresh_params: dict[str, str | int] = {
            "verb": "ListRecords",
            "metadataPrefix": metadata_prefix,
            "set": spec,
            "from": start.isoformat(),
            "until": end.isoformat(),
        }
        params = {"verb": "ListRecords", "resumptionToken": token} if token else fresh_params
        while True:
            try:
                page = http.get(oai_url, params, parse_oai)
            except ArxivOAIError as exc:
                # Tokens expire daily (help/oa): a stale persisted token restarts the set once.
                if exc.code == "badResumptionToken" and params is not fresh_params and token:
                    token = None
                    params = fresh_params
                    continue
                raise
            for note in page.notes:
                _log.warning("%s", note)
            papers = _oai_papers(calendar, page, cats, seen)
            if store is not None:
                _store_page(store, papers)
                store.set_state(key, page.token)
            yield papers
            if not page.token:
                break
            params = {"verb": "ListRecords", "resumptionToken": page.token}


def _oai_papers(calendar: ArxivCalendar, page: OaiPage, cats: Sequence[str], seen: set[str]) -> list[Paper]:
    out = []
    for record in page.records:
        paper = record.paper
        if paper is None or paper.arxiv_id in seen:
            continue
        seen.add(paper.arxiv_id)
        stamp = record.datestamp
        # Datestamps are last-modified dates: only a version dated just before an announcement
        # day counts as announced then; older records are metadata refreshes (arxivscraper #8).
        if stamp is not None and calendar.is_announcement_day(stamp):
            window_start, window_end = calendar.submission_window(stamp)
            ref = paper.updated or paper.published
            if ref is not None and window_start - MODERATION_SLACK <= ref < window_end:
                paper.announced = stamp
                paper.announce_type = announce_kind(paper, cats, replacement=paper.version > 1)
        out.append(paper)
    return out


def _store_page(store: Store, papers: Sequence[Paper]) -> None:
    by_date: dict[dt.date, list[Paper]] = {}
    loose: list[Paper] = []
    for paper in papers:
        if paper.announced is not None:
            by_date.setdefault(paper.announced, []).append(paper)
        else:
            loose.append(paper)
    for day, items in by_date.items():
        store.record_announcement(day, items)
    store.upsert_papers(loose)
