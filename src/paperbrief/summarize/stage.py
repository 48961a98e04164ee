"""The summarize stage of a run: summaries cache first, each stored the moment it exists; highlights.

Both functions return values the pipeline passes on; neither looks at which backend it holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from paperbrief.models import DigestEntry, Paper, Summary
from paperbrief.store import Store
from paperbrief.summarize.base import HighlightsResult, Summarizer, Usage
from paperbrief.summarize.writer import SummaryWriter
from paperbrief.text import one_line

ProgressHook = Callable[[str, int, int], None]
"""Called as (stage, done, total) while a stage advances; the CLI draws a rich progress bar."""


@dataclass
class StageSummaries:
    """What the summarize stage produced: summaries by (id, version), cache hits, usage and notes."""

    summaries: dict[tuple[str, int], Summary]
    cached: int = 0
    usage: Usage = field(default_factory=Usage)
    notes: list[str] = field(default_factory=list)

    def for_paper(self, paper: Paper) -> Summary | None:
        """The summary of one paper (None when the run stopped before it arrived)."""
        return self.summaries.get((paper.arxiv_id, paper.version))


def summarize_entries(
    store: Store,
    summarizer: Summarizer,
    papers: Sequence[Paper],
    *,
    refresh: bool = False,
    progress: ProgressHook | None = None,
) -> StageSummaries:
    """Summaries for papers: cached ones first, the rest from the summarizer, each stored on arrival.

    `refresh` skips the cache lookup. A `SummarizerFatalError` (bad key, dead endpoint, the store
    failing) propagates; every summary received before it is already stored.
    """
    keys = [(p.arxiv_id, p.version) for p in papers]
    cached = (
        {}
        if refresh
        else store.get_summaries(
            keys, model=summarizer.model, prompt_version=summarizer.prompt_version, language=summarizer.language
        )
    )
    missing = [p for p in papers if (p.arxiv_id, p.version) not in cached]
    total = len(papers)
    done = len(cached)
    if progress:
        progress("summarize", done, total)

    # LLM summaries are written one by one, the moment each is paid for; free, local ones in bursts.
    writer = SummaryWriter(store, max_items=200 if summarizer.backend == "extractive" else 1)

    def on_result(summary: Summary) -> None:
        nonlocal done
        # Stored the moment it exists (extractive ones within a burst, flushed on the way out): Ctrl-C
        # later loses nothing. The time is set here so the digest shows the same value as the cached
        # copy on a rerun.
        if summary.created is None:
            summary.created = dt.datetime.now(dt.UTC).replace(microsecond=0)
        writer.add(summary)
        done += 1
        if progress:
            progress("summarize", done, total)

    # Called even with nothing missing: the backend's zero usage still says whether it is priced.
    with writer:
        result = summarizer.summarize(missing, on_result=on_result)
    summaries = dict(cached)
    summaries.update({(s.arxiv_id, s.version): s for s in result.summaries})
    return StageSummaries(summaries, cached=len(cached), usage=result.usage, notes=list(result.notes))


def highlight_entries(
    store: Store, summarizer: Summarizer, entries: Sequence[DigestEntry], *, refresh: bool = False
) -> HighlightsResult:
    """The day's highlights from the summarizer (markdown None when it writes none or they failed).

    Highlights are optional: any failure becomes a note, never an error of the run.
    """
    if not entries:
        return HighlightsResult(None)
    try:
        result = summarizer.highlights(entries, store, refresh=refresh)
    except Exception as exc:  # the digest never fails for its highlights
        return HighlightsResult(None, notes=[f"highlights skipped: {one_line(exc)}"])
    return result if result is not None else HighlightsResult(None)
