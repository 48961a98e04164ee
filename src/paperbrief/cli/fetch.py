"""`paperbrief fetch` and `paperbrief backfill`: get papers from arXiv and store them (docs/sources.md)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

import click

from paperbrief.cli.common import AppContext, ExitCode, fail, parse_date, pass_app
from paperbrief.factories import source_from_settings
from paperbrief.models import Paper
from paperbrief.sources.arxiv import (
    Announcement,
    ArxivError,
    ArxivMissingError,
    category_counts,
    is_announcement_day,
)
from paperbrief.sources.arxiv.schedule import feed_date_of, previous_announcement_day


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


def _completeness(ann: Announcement) -> str:
    per = ", ".join(f"{c} {ann.announced.get(c, 0)}/{ann.fetched.get(c, 0)}" for c in ann.announced)
    total_announced = len(ann.papers)
    total_fetched = total_announced - len(ann.missing)
    line = f"{ann.date}: announced {total_announced} / fetched {total_fetched} ({per}) via {ann.source}"
    return line + (f" — INCOMPLETE: {ann.partial}" if ann.partial else "")


def _latest_day() -> dt.date:
    today = feed_date_of(dt.datetime.now(dt.UTC))
    return today if is_announcement_day(today) else previous_announcement_day(today)


@click.command("fetch")
@click.option("--date", "date_text", metavar="YYYY-MM-DD", help="Announcement date as the feed dates it.")
@click.option("--categories", metavar="CATS", help="Comma-separated categories, e.g. cs.AI,cs.CL (default: settings).")
@click.option("--ids", metavar="IDS", help="Fetch these arXiv ids (comma-separated) instead of a day.")
@click.option(
    "--source",
    "source_name",
    type=click.Choice(["rss", "api", "oai"]),
    default="rss",
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
    settings, _ = app.settings()
    cats = _split(categories) or list(settings.arxiv_categories)
    store = app.store(settings)
    source = source_from_settings(settings)
    try:
        if ids:
            try:
                papers = source.fetch_ids(_split(ids))
            except ArxivMissingError as exc:
                store.upsert_papers(exc.papers)  # keep what arrived
                _emit(exc.papers, as_json)
                fail(str(exc), code=ExitCode.PARTIAL)
            store.upsert_papers(papers)
            _emit(papers, as_json)
            return
        if source_name == "rss":
            ann = source.fetch_announcement(cats, date)
        elif source_name == "api":
            ann = source.fetch_window(cats, date or _latest_day())
        else:
            day = date or _latest_day()
            got: list[Paper] = []
            for page in source.backfill(cats, day, day, store):
                got.extend(page)
            counts = category_counts(got, cats)
            ann = Announcement(day, got, counts, dict(counts), [], False, None, "oai")
    except ValueError as exc:
        fail(str(exc), code=ExitCode.USAGE)
    except ArxivError as exc:
        fail(str(exc))
    finally:
        source.close()
    if ann.no_announcement:
        click.echo(f"{ann.date}: no arXiv announcement ({ann.reason})", err=True)
        _emit([], as_json)
        return
    if ann.date is not None and ann.source != "oai":
        store.record_announcement(ann.date, ann.papers)
    _emit(ann.papers, as_json)
    click.echo(_completeness(ann), err=True)
    if ann.missing:
        shown = ", ".join(ann.missing[:10]) + (" …" if len(ann.missing) > 10 else "")
        fail(f"{len(ann.missing)} announced paper(s) missing after retries: {shown}", code=ExitCode.PARTIAL)
    if ann.partial:
        fail(f"the day may be incomplete: {ann.partial}", code=ExitCode.PARTIAL)


@click.command("backfill")
@click.option("--from", "from_text", required=True, metavar="YYYY-MM-DD", help="First date.")
@click.option("--to", "to_text", required=True, metavar="YYYY-MM-DD", help="Last date (inclusive).")
@click.option("--categories", metavar="CATS", help="Comma-separated categories (default: settings).")
@click.option(
    "--source",
    "source_name",
    type=click.Choice(["oai", "api"]),
    default="oai",
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
    settings, _ = app.settings()
    cats = _split(categories) or list(settings.arxiv_categories)
    store = app.store(settings)
    source = source_from_settings(settings)
    total = 0
    incomplete: list[str] = []
    try:
        if source_name == "oai":
            for number, page in enumerate(source.backfill(cats, start, end, store), start=1):
                total += len(page)
                click.echo(f"page {number}: {len(page)} papers ({total} so far)", err=True)
        else:
            day = start
            today = feed_date_of(dt.datetime.now(dt.UTC))
            if end > today:
                click.echo(f"stopping at today ({today}): later days are not announced yet", err=True)
            while day <= min(end, today):
                if is_announcement_day(day):
                    ann = source.fetch_window(cats, day)
                    store.record_announcement(day, ann.papers)
                    total += len(ann.papers)
                    note = f" — INCOMPLETE: {ann.partial}" if ann.partial else ""
                    click.echo(f"{day}: {len(ann.papers)} papers{note}", err=True)
                    if ann.partial:
                        incomplete.append(day.isoformat())
                day += dt.timedelta(days=1)
    except ValueError as exc:
        fail(str(exc), code=ExitCode.USAGE)
    except ArxivError as exc:
        fail(f"{exc} — {total} papers stored so far; rerun to resume")
    finally:
        source.close()
    click.echo(f"backfill {start}..{end}: {total} papers stored", err=True)
    if incomplete:
        fail(f"{len(incomplete)} day(s) may be incomplete: {', '.join(incomplete)}", code=ExitCode.PARTIAL)
