"""`paperbrief fetch` and `paperbrief backfill`: flags in, one library call, an exit code out (docs/sources.md)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

import click

from paperbrief.cli.common import AppContext, ExitCode, echo_line, fail, parse_date, pass_app
from paperbrief.factories import source_from_settings
from paperbrief.models import Paper
from paperbrief.settings import Settings
from paperbrief.sources.arxiv import EARLIEST_DATE, ArxivError, date_problem
from paperbrief.sources.arxiv.fetch import (
    BackfillMethod,
    DayMethod,
    backfill_days,
    backfill_papers,
    completeness_line,
    day_problems,
    fetch_day,
    fetch_papers,
)
from paperbrief.store import Store


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _emit(papers: Sequence[Paper], as_json: bool) -> None:
    # Bytes, not str: UTF-8 whatever the terminal's locale (titles carry CJK, LaTeX, emoji).
    if as_json:
        text = json.dumps([p.model_dump(mode="json") for p in papers], ensure_ascii=False, indent=2) + "\n"
    else:
        lines = []
        for p in papers:
            kind = str(p.announce_type) if p.announce_type else "-"
            lines.append(f"{p.versioned_id:<22} {kind:<13} {p.primary:<10} {p.title}")
        text = "".join(line + "\n" for line in lines)
    click.echo(text.encode("utf-8"), nl=False)


@click.command("fetch")
@click.option("--date", "date_text", metavar="YYYY-MM-DD", help="Announcement date as the feed dates it.")
@click.option("--categories", metavar="CATS", help="Comma-separated categories, e.g. cs.AI,cs.CL (default: settings).")
@click.option("--ids", metavar="IDS", help="Fetch these arXiv ids (comma-separated) instead of a day.")
@click.option(
    "--source",
    "source_name",
    type=click.Choice([m.value for m in DayMethod]),
    default=DayMethod.RSS.value,
    show_default=True,
    help="rss: feed + API enrichment (past dates fall back to API windows); api: submittedDate window; "
    "oai: OAI-PMH records of that datestamp.",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of papers (UTF-8).")
@pass_app
def fetch_command(
    app: AppContext,
    date_text: str | None,
    categories: str | None,
    ids: str | None,
    source_name: str,
    as_json: bool,
) -> None:
    """Fetch one announcement day (or --ids) from arXiv, print the papers and store them."""
    date = parse_date(date_text)
    if date is not None and (problem := date_problem(date)) is not None:
        fail(problem, code=ExitCode.USAGE)  # in the future, or before arXiv existed (issue 9)
    settings, _ = app.settings()
    cats = _split(categories) or list(settings.arxiv_categories)
    store = app.store(settings)
    try:
        with source_from_settings(settings) as source:
            if ids:
                got = fetch_papers(source, store, _split(ids))
                _emit(got.papers, as_json)
                if got.error:
                    fail(got.error, code=ExitCode.PARTIAL)
                return
            ann = fetch_day(source, store, cats, date, DayMethod(source_name))
    except ValueError as exc:
        fail(str(exc), code=ExitCode.USAGE)
    except ArxivError as exc:
        fail(str(exc))
    if ann.no_announcement:
        click.echo(f"{ann.date}: no arXiv announcement ({ann.reason})", err=True)
        _emit([], as_json)
        return
    _emit(ann.papers, as_json)
    for note in ann.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(completeness_line(ann), err=True)
    problems = day_problems(ann)
    if problems:
        fail(problems[0], code=ExitCode.PARTIAL)


def _progress(line: str) -> None:
    click.echo(line, err=True)


@click.command("backfill")
@click.option("--from", "from_text", required=True, metavar="YYYY-MM-DD", help="First date.")
@click.option("--to", "to_text", required=True, metavar="YYYY-MM-DD", help="Last date (inclusive).")
@click.option("--categories", metavar="CATS", help="Comma-separated categories (default: settings).")
@click.option(
    "--source",
    "source_name",
    type=click.Choice([m.value for m in BackfillMethod]),
    default=BackfillMethod.OAI.value,
    show_default=True,
    help="oai: OAI-PMH ListRecords (restartable); api: one submittedDate window per announcement day.",
)
@click.option(
    "--summarize",
    is_flag=True,
    help="Then summarize every paper announced in the range (new and cross-lists of the categories); "
    "workers sharing one store split the papers (docs/scale.md).",
)
@click.option(
    "--no-fetch",
    is_flag=True,
    help="With --summarize: summarize the papers already stored for the range, without asking arXiv.",
)
@pass_app
def backfill_command(
    app: AppContext,
    from_text: str,
    to_text: str,
    categories: str | None,
    source_name: str,
    summarize: bool,
    no_fetch: bool,
) -> None:
    """Store every paper of a date range (restartable: rerun to resume after a failure); --summarize them too."""
    start = parse_date(from_text)
    end = parse_date(to_text)
    assert start is not None and end is not None
    if end < start:
        fail("--to is before --from", code=ExitCode.USAGE)
    if start < EARLIEST_DATE:
        fail(date_problem(start) or f"--from is before {EARLIEST_DATE}", code=ExitCode.USAGE)
    if no_fetch and not summarize:
        fail("--no-fetch only makes sense with --summarize", code=ExitCode.USAGE)
    settings, _ = app.settings()
    if summarize:
        _check_summarizer(settings)
    cats = _split(categories) or list(settings.arxiv_categories)
    store = app.store(settings)
    incomplete: list[dt.date] = []
    if not no_fetch:
        incomplete = _harvest(settings, store, cats, start, end, BackfillMethod(source_name))
    if summarize:
        _summarize_range(settings, store, cats, start, end)
    if incomplete:
        days = ", ".join(day.isoformat() for day in incomplete)
        fail(f"{len(incomplete)} day(s) may be incomplete: {days}", code=ExitCode.PARTIAL)


def _harvest(
    settings: Settings, store: Store, cats: list[str], start: dt.date, end: dt.date, method: BackfillMethod
) -> list[dt.date]:
    """Fetch and store the range; fails on an arXiv error; returns the days that may be incomplete."""
    try:
        with source_from_settings(settings) as source:
            outcome = backfill_days(source, store, cats, start, end, method, progress=_progress)
    except ValueError as exc:
        fail(str(exc), code=ExitCode.USAGE)
    if outcome.error:
        fail(outcome.error)
    click.echo(f"backfill {start}..{end}: {outcome.stored} papers stored", err=True)
    return outcome.incomplete


def _check_summarizer(settings: Settings) -> None:
    """Usage errors before any work: `summarizer = "llm"` without an LLM; warn about a missing key."""
    from paperbrief.factories import llm_key_warning, llm_not_configured

    if settings.summarizer == "llm" and not settings.llm_configured:
        fail(str(llm_not_configured(settings)), code=ExitCode.USAGE)
    warning = llm_key_warning(settings) if settings.summarizer != "extractive" else None
    if warning:
        echo_line(f"warning: {warning}")


def _summarize_range(settings: Settings, store: Store, cats: list[str], start: dt.date, end: dt.date) -> None:
    """Summarize the stored papers of the range through the store's claims; exit 1/3/130 on trouble."""
    from paperbrief.cli.run import _sigterm_as_interrupt  # the same SIGTERM handling as `run`
    from paperbrief.factories import choose_summarizer
    from paperbrief.summarize.base import Summarizer, SummarizerFatalError
    from paperbrief.summarize.stage import ClaimOptions, claim_batch_for, summarize_as_run

    papers = backfill_papers(store, cats, start, end)
    click.echo(f"summarizing {len(papers)} papers announced {start}..{end} ({', '.join(cats)})", err=True)
    notes: list[str] = []

    def make(run_id: int) -> Summarizer:
        summarizer, fallback = choose_summarizer(settings, store, run_id)
        notes.extend([fallback] if fallback else [])
        return summarizer

    progress = _LineProgress()
    try:
        with _sigterm_as_interrupt():
            outcome = summarize_as_run(
                store,
                papers,
                make,
                date=end,
                source="backfill",
                summarizer_name=settings.summarizer,
                claims=ClaimOptions(batch=claim_batch_for(settings.llm_concurrency, settings.llm_batch_size)),
                progress=progress,
            )
    except KeyboardInterrupt:
        echo_line(f"Interrupted: {progress.done} of {len(papers)} papers have a summary, all kept; rerun to finish.")
        raise SystemExit(ExitCode.INTERRUPTED) from None
    except SummarizerFatalError as exc:
        fail(str(exc))
    stage = outcome.stage
    for note in [*notes, *stage.notes]:
        echo_line(f"note: {note}")
    mine = outcome.summarized - stage.cached - stage.from_others
    click.echo(
        f"summaries {start}..{end}: {outcome.papers} papers, {outcome.summarized} summarized "
        f"({max(0, mine)} by this worker, {stage.from_others} by other workers, {stage.cached} cached), "
        f"{outcome.failed} failed; LLM calls this worker: {store.count_llm_calls(outcome.run_id)} "
        f"(run {outcome.run_id})",
        err=True,
    )
    if outcome.failed:
        message = f"{outcome.failed} of {outcome.papers} papers have no summary (rerun to retry them)"
        fail(message, code=ExitCode.PARTIAL)


class _LineProgress:
    """Progress as a line on stderr at every tenth of the papers (backfills are long and often logged)."""

    def __init__(self) -> None:
        self.done = 0
        self._shown = -1

    def __call__(self, _stage: str, done: int, total: int) -> None:
        self.done = done
        step = (10 * done) // total if total else 10
        if step > self._shown:
            self._shown = step
            click.echo(f"summarized {done}/{total}", err=True)
