"""`paperbrief explain` and `paperbrief profile import|show`: why a paper is (not) in a digest, and the profile."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import click

from paperbrief.cli.common import AppContext, ExitCode, fail, parse_date, pass_app
from paperbrief.explain import ExplainError, explain_paper
from paperbrief.factories import (
    explain_options_from_settings,
    select_options_from_settings,
    settings_for_reader,
    source_from_settings,
)
from paperbrief.models import SelectionReason, split_arxiv_id
from paperbrief.publish import NothingStoredError
from paperbrief.select.filters import FilterSyntaxError
from paperbrief.select.modes import SelectOptions
from paperbrief.select.profile import ReadingListError, ReadingListFormat, import_reading_list
from paperbrief.settings import Settings

__all__ = ["explain_command", "options_from_settings", "profile_group"]


def options_from_settings(settings: Settings, max_papers: int | None = None, mode: str | None = None) -> SelectOptions:
    """Selection options from settings (and CLI overrides); an invalid term fails with one line."""
    try:
        return select_options_from_settings(settings, max_papers=max_papers, mode=mode)
    except (FilterSyntaxError, ValueError) as exc:
        fail(f"invalid selection settings: {exc}", code=ExitCode.USAGE)


@click.command("explain")
@click.argument("paper_id", metavar="ID")
@click.option("--date", "date_text", metavar="YYYY-MM-DD", help="Announcement day (default: the latest stored).")
@click.option("--reader", help="Reader name (default: the `reader` setting, `me` if unset).")
@pass_app
def explain_command(app: AppContext, paper_id: str, date_text: str | None, reader: str | None) -> None:
    """Show why paper ID was or was not selected on a stored day for the reader, with the current settings."""
    base, _ = app.settings()
    settings = settings_for_reader(base, reader)
    try:
        arxiv_id, _version = split_arxiv_id(paper_id)
    except ValueError:
        fail(f"not an arXiv id: {paper_id!r}", code=ExitCode.USAGE)
    try:
        options = explain_options_from_settings(settings)
    except (FilterSyntaxError, ValueError) as exc:
        fail(f"invalid selection settings: {exc}", code=ExitCode.USAGE)
    store = app.store(settings)
    try:
        found = explain_paper(store, arxiv_id, parse_date(date_text), options)
    except (NothingStoredError, ExplainError) as exc:
        fail(str(exc))
    click.echo(f"{arxiv_id}v{found.version}  {found.title}")
    click.echo(f"day {found.date}: {found.papers} papers, {found.candidates} candidates, mode {found.mode}")
    click.echo(f"decision: {found.decision}")
    if found.reason is not None:
        _echo_reason(found.reason)
    if found.digest_stored:
        where = f"#{found.digest_number}" if found.digest_number is not None else "absent"
        click.echo(f"stored digest of {found.date}: {where} (it may have been made with other settings)")
    for note in found.notes:
        click.echo(f"note: {note}")


def _echo_reason(reason: SelectionReason) -> None:
    if reason.matched_terms:
        click.echo("matched terms: " + ", ".join(reason.matched_terms))
    if reason.matched_authors:
        click.echo("watched authors: " + ", ".join(reason.matched_authors))
    if reason.matched_profile:
        click.echo("profile matches: " + "; ".join(reason.matched_profile))
    if reason.rank_score is not None:
        click.echo(f"rank score: {reason.rank_score:.3f}")


@click.group("profile")
def profile_group() -> None:
    """The interest profile: weighted topics (settings) and an imported reading list."""


@profile_group.command("import")
@click.argument("path", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice([f.value for f in ReadingListFormat]),
    default="auto",
    show_default=True,
    help="File format; auto goes by extension (.bib .csv .ris), then by content.",
)
@click.option("--reader", help="Reader name (default: the `reader` setting, `me` if unset).")
@pass_app
def profile_import_command(app: AppContext, path: Path, fmt: str, reader: str | None) -> None:
    """Import a reader's reading list: BibTeX, Zotero CSV, RIS, or arXiv ids (one a line; abstracts fetched)."""
    base, _ = app.settings()
    settings = settings_for_reader(base, reader)
    store = app.store(settings)
    try:
        # One source for the whole import: its throttle spaces every id_list request of the command.
        with source_from_settings(settings) as source:
            report = import_reading_list(path, store, fmt=fmt, fetch_ids=source.fetch_ids, reader=settings.reader)
    except ReadingListError as exc:
        fail(str(exc))
    for line in report.lines():
        click.echo(line)
    if report.skipped:
        raise SystemExit(ExitCode.FAILURE if report.imported == 0 else ExitCode.PARTIAL)


@profile_group.command("show")
@click.option("--all", "show_all", is_flag=True, help="List every reading-list item (default: the first 20).")
@click.option("--reader", help="Reader name (default: the `reader` setting, `me` if unset).")
@pass_app
def profile_show_command(app: AppContext, show_all: bool, reader: str | None) -> None:
    """Show the reader's topics, reading list and the filters that selection uses."""
    base, _ = app.settings()
    settings = settings_for_reader(base, reader)
    store = app.store(settings)
    items = store.reading_items(settings.reader)
    click.echo(f"mode: {settings.select_mode}")
    click.echo(f"reader: {settings.reader}")
    if settings.select_topics:
        click.echo("topics:")
        for topic, weight in sorted(settings.select_topics.items(), key=lambda kv: (-kv[1], kv[0])):
            click.echo(f"  {weight:g}  {topic}")
    else:
        click.echo("topics: (none; set [select] topics in paperbrief.toml)")
    by_source = Counter(str(i["source"]) for i in items)
    counts = ", ".join(f"{n} {s}" for s, n in sorted(by_source.items()))
    click.echo(f"reading list: {len(items)} item(s)" + (f" ({counts})" if counts else ""))
    shown = items if show_all else items[:20]
    for item in shown:
        ident = item.get("arxiv_id") or item["item_id"]
        click.echo(f"  {ident}  {item['title']}")
    if len(shown) < len(items):
        click.echo(f"  … {len(items) - len(shown)} more (--all)")
    for label, values in (
        ("include", settings.select_include),
        ("exclude", settings.select_exclude),
        ("authors", settings.select_authors),
    ):
        if values:
            click.echo(f"{label}: " + ", ".join(values))
    click.echo("fields: " + ", ".join(settings.select_fields))
    if settings.select_embedding_model:
        click.echo(f"embedding model: {settings.select_embedding_model} (local files only)")
