"""Why a paper is (not) in a stored day's digest: the selection `paperbrief run` makes, replayed.

The library side of `paperbrief explain` and of the MCP tool `explain`: the same candidates as the
run (papers an earlier digest carried are left out first), the same selection with the current
options, and for score mode the final cut replayed with the scores the day's run stored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from paperbrief.models import Digest, Paper, SelectionReason, Summary
from paperbrief.publish import given_or_latest
from paperbrief.select.candidates import select_candidates
from paperbrief.select.modes import (
    Selection,
    SelectMode,
    SelectOptions,
    learned_model_for,
    replay_score_cut,
    select_papers,
)
from paperbrief.store import Store

NOT_A_CANDIDATE = "not a candidate (announce type not digested)"


class ExplainError(LookupError):
    """The paper or day cannot be explained (one-line message)."""


@dataclass(frozen=True)
class ExplainOptions:
    """The settings the replay needs (built from settings by `factories.explain_options_from_settings`)."""

    select: SelectOptions
    language: str = "en"
    include_replacements: bool = False
    # The model and prompt version whose cached scores replay a score-mode cut when no digest says.
    llm_model: str | None = None
    prompt_version: str = ""


@dataclass
class Explanation:
    """The replayed decision on one paper of one day."""

    arxiv_id: str
    version: int
    title: str
    date: dt.date
    papers: int
    candidates: int
    mode: str
    decision: str
    reason: SelectionReason | None
    # The paper's number in the stored digest of the day; None when absent or no digest is stored.
    digest_number: int | None
    digest_stored: bool
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (dates as YYYY-MM-DD)."""
        return {
            "arxiv_id": self.arxiv_id,
            "version": self.version,
            "title": self.title,
            "date": self.date.isoformat(),
            "papers": self.papers,
            "candidates": self.candidates,
            "mode": self.mode,
            "decision": self.decision,
            "reason": self.reason.model_dump(mode="json", exclude_none=True) if self.reason else None,
            "digest_stored": self.digest_stored,
            "digest_number": self.digest_number,
            "notes": list(self.notes),
        }


def explain_paper(store: Store, arxiv_id: str, date: dt.date | None, options: ExplainOptions) -> Explanation:
    """Replay the selection of `date` (default: the latest stored announcement) for `arxiv_id`."""
    day = given_or_latest(date, store.announced_days(), "no announcement is stored yet: run `paperbrief run` first")
    papers = store.announced_papers(day)
    paper = next((p for p in papers if p.arxiv_id == arxiv_id), None)
    if paper is None:
        raise ExplainError(f"{arxiv_id} is not in the stored announcement of {day} ({len(papers)} papers)")
    digest = store.load_digest(day, prefer_language=options.language, reader=options.select.reader)
    selection = replay_selection(store, options, day, papers, digest)
    stored = None
    if digest is not None:
        stored = next((e for e in digest.entries if e.paper.arxiv_id == arxiv_id), None)
    return Explanation(
        arxiv_id=arxiv_id,
        version=paper.version,
        title=paper.title,
        date=day,
        papers=len(papers),
        candidates=selection.candidates,
        mode=selection.mode.value,
        decision=selection.decisions.get(arxiv_id, NOT_A_CANDIDATE),
        reason=selection.reasons.get(arxiv_id),
        digest_number=stored.number if stored is not None else None,
        digest_stored=digest is not None,
        notes=list(selection.notes),
    )


def replay_selection(
    store: Store, options: ExplainOptions, date: dt.date, papers: list[Paper], digest: Digest | None
) -> Selection:
    """The selection `paperbrief run` makes of the day, from the same candidates, with `options`."""
    reader = options.select.reader
    candidates = select_candidates(
        store, date, papers, include_replacements=options.include_replacements, reader=reader
    )
    items = store.reading_items(reader)
    learned = learned_model_for(store, options.select, items)  # the reader's model in learned/auto mode (issue 12)
    selection = select_papers(candidates.papers, options.select, items, learned=learned)
    for arxiv_id, day in candidates.already_digested.items():
        where = f"the digest of {day.isoformat()}" if day is not None else "an earlier digest"
        selection.decisions[arxiv_id] = f"not selected: already in {where} (papers are not repeated)"
    if selection.mode is SelectMode.SCORE:
        # The final cut is by LLM score: replay it with the scores the day's run stored.
        replay_score_cut(selection, _stored_summaries(store, options, selection, digest), options.select.max_papers)
    return selection


def _stored_summaries(
    store: Store, options: ExplainOptions, selection: Selection, digest: Digest | None
) -> dict[tuple[str, int], Summary]:
    """Summaries of the papers sent for LLM scoring: the summary cache under the stored digest's
    model and prompt version (else the configured model's), then the digest's own entries."""
    keys = [(e.paper.arxiv_id, e.paper.version) for e in selection.entries]
    found: dict[tuple[str, int], Summary] = {}
    if digest is not None and digest.stats.backend == "llm":
        model, prompt_version, language = digest.stats.model, digest.stats.prompt_version, digest.language
    elif options.llm_model:
        model, prompt_version, language = options.llm_model, options.prompt_version, options.language
    else:
        model = prompt_version = language = ""
    if model:
        found = store.get_summaries(
            keys, model=model, prompt_version=prompt_version, language=language, include_failed=True
        )
    if digest is not None:
        wanted = set(keys)
        for entry in digest.entries:
            key = (entry.paper.arxiv_id, entry.paper.version)
            if key in wanted and entry.summary is not None:
                found[key] = entry.summary
    return found
