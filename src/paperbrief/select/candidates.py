"""The papers a digest may contain: one per id, the right announce types, none digested before.

Runs before `select_papers`; `paperbrief run` and `paperbrief explain` both go through it so they agree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from paperbrief.models import AnnounceType, Paper
from paperbrief.store import Store

__all__ = ["Candidates", "select_candidates"]

_REPLACEMENTS = frozenset({AnnounceType.REPLACE, AnnounceType.REPLACE_CROSS})


@dataclass(frozen=True)
class Candidates:
    """The candidate papers (newest id first) and those left out because an earlier digest carried them.

    `already_digested` maps an arXiv id to the day of the earlier digest that carried it (None when
    the store does not know the day).
    """

    papers: list[Paper]
    already_digested: dict[str, dt.date | None] = field(default_factory=dict)


def select_candidates(
    store: Store,
    date: dt.date,
    papers: Sequence[Paper],
    *,
    include_replacements: bool,
    reader: str = "me",
) -> Candidates:
    """The papers a digest of `date` may contain.

    A paper already in an earlier digest comes back only when a newer version was announced and
    `include_replacements` is set (see https://info.arxiv.org/help/rss_specifications.html).
    Cross-lists always go on to selection, which applies `include_cross` (and keeps a watched
    author's cross-list even when cross-lists are off).
    """
    kinds = {AnnounceType.NEW, AnnounceType.CROSS}
    if include_replacements:
        kinds |= _REPLACEMENTS
    by_id: dict[str, Paper] = {}
    for paper in papers:
        if (paper.announce_type or AnnounceType.NEW) not in kinds:
            continue
        kept = by_id.get(paper.arxiv_id)
        if kept is None or paper.version > kept.version:
            by_id[paper.arxiv_id] = paper
    earlier = store.published_before(date, list(by_id), reader)  # per reader: a lab's readers each see a paper once
    dropped: list[str] = []
    for arxiv_id, version in earlier.items():
        if by_id[arxiv_id].version <= version or not include_replacements:
            del by_id[arxiv_id]
            dropped.append(arxiv_id)
    # Replacements are recorded but not summarized: one re-enters only as the newer version of a
    # paper an earlier digest carried, never as a first appearance.
    for arxiv_id in [i for i, p in by_id.items() if p.announce_type in _REPLACEMENTS and i not in earlier]:
        del by_id[arxiv_id]
    return Candidates(
        papers=sorted(by_id.values(), key=lambda p: p.arxiv_id, reverse=True),
        already_digested=_digest_days(store, date, sorted(dropped, reverse=True), reader),
    )


def _digest_days(store: Store, date: dt.date, arxiv_ids: Sequence[str], reader: str) -> dict[str, dt.date | None]:
    """For each id, the latest earlier day that both announced it and has a stored digest."""
    if not arxiv_ids:
        return {}
    digested = {d for d in store.digest_dates(reader) if d < date}
    days: dict[str, dt.date | None] = {}
    for arxiv_id in arxiv_ids:
        announced = [d for d, _version, _kind in store.announcement_dates(arxiv_id) if d in digested]
        days[arxiv_id] = max(announced) if announced else None
    return days
