"""The full-text stage of a run (issue 13): the top K papers summarized from their own text, with their first figure.

`summarize_papers` replaces the plain summarize call of the pipeline. The top K papers are read one
after the other through the run's one polite arXiv client (a background thread: the fetch chain),
and each is summarized the moment its text arrives while the next one downloads; meanwhile the
other papers get their abstract summaries in the calling thread. The wall time is therefore close
to max(fetch chain, LLM work), not their sum. Full texts and figures are cached in the store by
id and version; summaries are cached under a prompt version that names the text's source.
Every failure (no HTML, bad PDF, bad figure, withdrawn, over the cap) is a note on the paper and
an abstract-only summary, never an error of the run. See docs/fulltext.md.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from paperbrief.models import Paper, Summary, SummaryFigure, SummaryStatus, TextSource
from paperbrief.sources.fulltext import (
    Figure,
    FullText,
    FullTextFetcher,
    FullTextResult,
    Problem,
    Section,
    SectionKind,
    choose_sections,
    is_withdrawn,
)
from paperbrief.sources.fulltext import TextSource as FetchedSource
from paperbrief.store import FullTextRecord, Store
from paperbrief.summarize.base import Summarizer, Usage
from paperbrief.summarize.llm.prompt import fulltext_prompt_version
from paperbrief.summarize.stage import ClaimOptions, StageSummaries, summarize_entries
from paperbrief.text import one_line

FIGURES_DIRNAME = "figures"
"""Figures are written to OUT/figures/{id}v{n}.png; the Markdown links them, the site copies them."""

ProgressHook = Callable[[str, int, int], None]
Key = tuple[str, int]


@runtime_checkable
class FullTextCapable(Protocol):
    """A summarizer that can write a summary from a full text (the LLM backend)."""

    def summarize_fulltext(self, paper: Paper, body: str, source: TextSource) -> tuple[Summary | None, Usage]:
        """One paper's summary from the chosen sections of its text, and the usage of its calls."""
        ...


@dataclass(frozen=True)
class FullTextPlan:
    """How many top papers are read in full, through which fetcher, within which token cap, figures where."""

    top: int
    fetcher: FullTextFetcher
    out_dir: Path
    token_cap: int = 6000
    on_close: Callable[[], None] | None = None  # releases a client made for this plan alone (offline runs)

    def close(self) -> None:
        """Release what the plan holds of its own (an offline run's HTTP client)."""
        if self.on_close is not None:
            self.on_close()


@dataclass(frozen=True)
class _Read:
    """One paper as read (or taken from the store): text, figure, notes, and whether a request was made."""

    text: FullText | None
    figure: Figure | None
    notes: tuple[str, ...]
    fetched: bool

    @property
    def source(self) -> TextSource:
        return TextSource(self.text.source.value) if self.text is not None else TextSource.ABSTRACT


@dataclass
class _Outcome:
    summaries: dict[Key, Summary] = field(default_factory=dict)
    usage: Usage = field(default_factory=Usage)
    notes: list[str] = field(default_factory=list)


def summarize_papers(
    store: Store,
    summarizer: Summarizer,
    papers: Sequence[Paper],
    plan: FullTextPlan | None,
    *,
    refresh: bool = False,
    progress: ProgressHook | None = None,
    run_id: int | None = None,
    claims: ClaimOptions | None = None,
) -> StageSummaries:
    """Summaries of `papers` (in rank order): the first `plan.top` from their full text, the rest from abstracts.

    The abstract summaries go through the claims of `run_id` (summarize/stage.py: runs sharing the
    store never pay twice); the full-text ones are few, chosen per reader, and are not claimed.
    """
    top = list(papers[: plan.top]) if plan is not None else []
    rest = list(papers[len(top) :])
    if plan is None or not top:
        return summarize_entries(
            store, summarizer, rest, run_id=run_id, refresh=refresh, progress=progress, claims=claims
        )
    stop = threading.Event()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="fulltext") as chain:
        pending = chain.submit(_full_texts, store, summarizer, top, plan, refresh, progress, stop)
        try:
            stage = summarize_entries(
                store, summarizer, rest, run_id=run_id, refresh=refresh, progress=progress, claims=claims
            )
        except BaseException:
            stop.set()  # Ctrl-C or a fatal LLM error: no further download; what is stored stays stored
            raise
        finally:
            outcome = _result(pending, stop)
    stage.summaries.update(outcome.summaries)
    stage.usage = stage.usage + outcome.usage
    stage.notes.extend(outcome.notes)
    return stage


def _result(pending: Future[_Outcome], stop: threading.Event) -> _Outcome:
    if stop.is_set():  # the calling thread is failing: its error wins over the chain's
        try:
            return pending.result()
        except Exception:
            return _Outcome()
    return pending.result()


def _full_texts(
    store: Store,
    summarizer: Summarizer,
    papers: list[Paper],
    plan: FullTextPlan,
    refresh: bool,
    progress: ProgressHook | None,
    stop: threading.Event,
) -> _Outcome:
    """The fetch chain (this thread) and each paper's summary as soon as its text is here (a worker)."""
    cached = store.get_fulltexts([(p.arxiv_id, p.version) for p in papers])
    outcome = _Outcome()
    done = 0
    with ThreadPoolExecutor(max_workers=4, thread_name_prefix="fulltext-llm") as llm:
        jobs: list[Future[tuple[Summary | None, Usage, list[str]]]] = []
        for paper in papers:
            if stop.is_set():
                break
            read = _read(store, plan.fetcher, paper, cached.get((paper.arxiv_id, paper.version)))
            jobs.append(llm.submit(_summary_of, store, summarizer, paper, read, plan, refresh))
            done += 1
            if progress:
                progress("fulltext", done, len(papers))
        for paper, job in zip(papers, jobs, strict=False):
            summary, usage, _ = job.result()
            outcome.usage = outcome.usage + usage
            if summary is not None:
                outcome.summaries[(paper.arxiv_id, paper.version)] = summary
    outcome.notes.extend(_overview(list(outcome.summaries.values()), len(papers)))
    return outcome


def _overview(summaries: list[Summary], wanted: int) -> list[str]:
    """One line for the run's messages (each paper's own notes are in its summary, shown in the outputs)."""
    counts = {source: sum(s.text_source is source for s in summaries) for source in TextSource}
    fallback = counts[TextSource.ABSTRACT]
    if not fallback and len(summaries) == wanted:
        return []
    return [
        f"full text: {counts[TextSource.HTML]} via HTML, {counts[TextSource.PDF]} via PDF, "
        f"{fallback} from the abstract only, of {wanted} (notes in the digest)"
    ]


# --- reading (cache first) ----------------------------------------------------------------------


def _read(store: Store, fetcher: FullTextFetcher, paper: Paper, cached: FullTextRecord | None) -> _Read:
    if cached is not None:
        return _from_record(cached)
    result = fetcher.fetch(paper.arxiv_id, paper.version, withdrawn=is_withdrawn(paper.abstract, paper.comment))
    # A network failure is worth another try on the next run; every other outcome is final for this version.
    if result.text is not None or not any(n.problem is Problem.NETWORK for n in result.notes):
        store.put_fulltext(_to_record(result))
    return _Read(result.text, result.figure, tuple(str(n) for n in result.notes), fetched=True)


def _to_record(result: FullTextResult) -> FullTextRecord:
    text = result.text
    body = None
    if text is not None:
        body = json.dumps(
            {
                "source": text.source.value,
                "title": text.title,
                "abstract": text.abstract,
                "sections": [{"heading": s.heading, "kind": s.kind.value, "text": s.text} for s in text.sections],
                "notes": list(text.notes),
            },
            ensure_ascii=False,
        )
    fig = result.figure
    return FullTextRecord(
        arxiv_id=result.arxiv_id,
        version=result.version,
        source=result.source.value,
        text_json=body,
        notes=[[n.problem.value, n.message] for n in result.notes],
        figure=fig.data if fig else None,
        figure_type=fig.media_type if fig else None,
        figure_width=fig.width if fig else 0,
        figure_height=fig.height if fig else 0,
        figure_caption=fig.caption if fig else "",
    )


def _from_record(record: FullTextRecord) -> _Read:
    text = None
    if record.text_json is not None:
        data = json.loads(record.text_json)
        text = FullText(
            source=FetchedSource(data["source"]),
            title=data["title"],
            abstract=data["abstract"],
            sections=tuple(Section(s["heading"], SectionKind(s["kind"]), s["text"]) for s in data["sections"]),
            notes=tuple(data["notes"]),
        )
    figure = None
    if record.figure is not None and record.figure_type:
        figure = Figure(
            record.figure, record.figure_type, record.figure_width, record.figure_height, record.figure_caption
        )
    return _Read(text, figure, tuple(message for _, message in record.notes), fetched=False)


# --- summarizing ----------------------------------------------------------------------------------


def _summary_of(
    store: Store, summarizer: Summarizer, paper: Paper, read: _Read, plan: FullTextPlan, refresh: bool
) -> tuple[Summary | None, Usage, list[str]]:
    """The paper's summary from its text (cache first), else from its abstract, with its figure and notes."""
    notes = list(read.notes)
    usage = Usage()
    summary: Summary | None = None
    if read.text is not None:
        summary, usage, more = _from_text(store, summarizer, paper, read, plan.token_cap, refresh)
        notes.extend(more)
    if summary is None or summary.status not in (SummaryStatus.OK, SummaryStatus.EXTRACTIVE):
        if summary is not None and summary.error:
            notes.append(f"full-text summary failed ({summary.error.splitlines()[0]}); summary from the abstract")
        stage = summarize_entries(store, summarizer, [paper], refresh=refresh)
        usage = usage + stage.usage
        summary = stage.for_paper(paper)
        if summary is None:
            return None, usage, notes
        summary = summary.model_copy(update={"text_source": TextSource.ABSTRACT})
    figure = _save_figure(plan.out_dir, paper, read.figure, notes)
    return summary.model_copy(update={"figure": figure, "fulltext_notes": notes}), usage, notes


def _from_text(
    store: Store, summarizer: Summarizer, paper: Paper, read: _Read, token_cap: int, refresh: bool
) -> tuple[Summary | None, Usage, list[str]]:
    assert read.text is not None
    if not isinstance(summarizer, FullTextCapable):
        return None, Usage(), [f"the {summarizer.backend} summarizer writes from abstracts only"]
    excerpt = choose_sections(read.text, token_cap=token_cap)
    notes = [excerpt.cut_note] if excerpt.cut_note else []
    body = excerpt.as_prompt_text()
    if not body.strip():
        return None, Usage(), [*notes, "no usable section in the full text; summary from the abstract"]
    version = fulltext_prompt_version(read.source.value)
    key = (paper.arxiv_id, paper.version)
    if not refresh:
        hit = store.get_summaries([key], model=summarizer.model, prompt_version=version, language=summarizer.language)
        if key in hit:
            return hit[key], Usage(), notes
    summary, usage = summarizer.summarize_fulltext(paper, body, read.source)
    if summary is not None:
        store.put_summary(summary)  # kept the moment it exists, like every summary
    return summary, usage, notes


def _save_figure(out_dir: Path, paper: Paper, figure: Figure | None, notes: list[str]) -> SummaryFigure | None:
    """Write the re-encoded figure to OUT/figures/{id}v{n}.{ext} (atomically); None when there is none."""
    if figure is None:
        return None
    name = f"{paper.versioned_id.replace('/', '_')}.{figure.extension}"
    folder = out_dir / FIGURES_DIRNAME
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".fig-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(figure.data)
        os.replace(tmp, folder / name)
    except OSError as exc:
        notes.append(f"figure not saved: {one_line(exc)}")
        return None
    return SummaryFigure(
        path=f"{FIGURES_DIRNAME}/{name}",
        caption=figure.caption,
        width=figure.width,
        height=figure.height,
        media_type=figure.media_type,
    )


__all__ = ["FIGURES_DIRNAME", "FullTextCapable", "FullTextPlan", "summarize_papers"]
