"""Papers by id: the search API's `id_list`, in batches, asked twice for what a short answer left out.

https://info.arxiv.org/help/api/user-manual.html#_query_interface (`id_list`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from paperbrief.models import Paper, split_arxiv_id
from paperbrief.sources.arxiv._http import HttpClient
from paperbrief.sources.arxiv.errors import ArxivMissingError
from paperbrief.sources.arxiv.parse import ApiPage, parse_api

_log = logging.getLogger("paperbrief.sources.arxiv")

API_MAX_IDS = 100  # ids per id_list call (DESIGN.md; URL length stays well under limits)


def fetch_ids(http: HttpClient, api_url: str, batch_size: int, ids: Sequence[str]) -> list[Paper]:
    """Papers by id, in the order asked; `ArxivMissingError` (with the found ones) if any is absent."""
    wanted = [i.strip() for i in ids if i.strip()]
    for raw in wanted:
        split_arxiv_id(raw)  # ValueError with the bad id, before any request
    found, missing, notes = lookup(http, api_url, batch_size, wanted)
    for note in notes:
        _log.warning("%s", note)
    papers = []
    for raw in dict.fromkeys(wanted):
        bare, _ = split_arxiv_id(raw)
        if bare in found and raw not in missing:
            papers.append(found[bare])
    if missing:
        raise ArxivMissingError(missing, papers, api_url)
    return papers


def lookup(
    http: HttpClient, api_url: str, batch_size: int, ids: Sequence[str]
) -> tuple[dict[str, Paper], list[str], list[str]]:
    """The papers found (by bare id), the ids still missing after a second ask, and the parser's notes."""
    found: dict[str, Paper] = {}
    pending = list(dict.fromkeys(ids))
    missing: list[str] = []
    notes: list[str] = []
    # Two passes: ids missing from the first answer are asked once more (the API's answers are
    # sometimes short, aRxiv#67); what is still absent is reported, never dropped.
    for _ in range(2):
        missing = []
        for start in range(0, len(pending), batch_size):
            batch = pending[start : start + batch_size]
            page = _id_batch(http, api_url, batch)
            notes.extend(page.notes)
            got = {p.arxiv_id: p for p in page.papers}
            for raw in batch:
                bare, version = split_arxiv_id(raw)
                paper = got.get(bare)
                if paper is None or (version is not None and paper.version != version):
                    missing.append(raw)
                else:
                    found[bare] = paper
        if not missing:
            break
        pending = missing
    return found, missing, notes


def _id_batch(http: HttpClient, api_url: str, batch: Sequence[str]) -> ApiPage:
    # An empty answer is not retried here: unknown ids legitimately return 200 with zero
    # entries, and `lookup` asks once more for whatever is missing.
    params: dict[str, str | int] = {"id_list": ",".join(batch), "start": 0, "max_results": len(batch)}
    return http.get(api_url, params, parse_api)
