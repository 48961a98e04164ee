"""`paperbrief fetch` and `paperbrief backfill`: flags in, one library call, an exit code out (docs/sources.md)."""

from __future__ import annotations

import json
from collections.abc import Sequence

import click

from paperbrief.cli.common import AppContext, ExitCode, fail, parse_date, pass_app
from paperbrief.factories import source_from_settings
from paperbrief.models import Paper
from paperbrief.sources.arxiv import EARLIEST_DATE, ArxivError, date_problem
from paperbrief.sources.arxiv.fetch import (
    BackfillMethod,
    DayMethod,
    backfill_days,
    completeness_line,
    day_problems,
    fetch_day,
    fetch_papers,
)


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
@pass_app
def backfill_command(app: AppContext, from_text: str, to_text: str, categories: str | None, source_name: str) -> None:
    """Store every paper of a date range (restartable: rerun to resume after a failure)."""
    start = parse_date(from_text)
    end = parse_date(to_text)
    assert start is not None and end is not None
    if end < start:
        fail("--to is before --from", code=ExitCode.USAGE)
    if start < EARLIEST_DATE:
        fail(date_problem(start) or f"--from is before {EARLIEST_DATE}", code=ExitCode.USAGE)
    settings, _ = app.settings()
    cats = _split(categories) or list(settings.arxiv_categories)
    store = app.store(settings)
    try:
        with source_from_settings(settings) as source:
            outcome = backfill_days(
                source,
                store,
                cats,
                start,
                end,
                BackfillMethod(source_name),
                progress=lambda line: click.echo(line, err=True),
            )
    except ValueError as exc:
        fail(str(exc), code=ExitCode.USAGE)
    if outcome.error:
        fail(outcome.error)
    click.echo(f"backfill {start}..{end}: {outcome.stored} papers stored", err=True)
    if outcome.incomplete:
        days = ", ".join(day.isoformat() for day in outcome.incomplete)
        fail(f"{len(outcome.incomplete)} day(s) may be incomplete: {days}", code=ExitCode.PARTIAL)
