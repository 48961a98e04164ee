"""`paperbrief explain` and `paperbrief profile import|show`: why a paper is (not) in a digest, and the profile."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import click

from paperbrief.cli.common import AppContext, ExitCode, fail, parse_date, pass_app
from paperbrief.factories import select_options_from_settings, source_from_settings
from paperbrief.models import Digest, Paper, SelectionReason, Summary, split_arxiv_id
from paperbrief.publish import NothingStoredError, given_or_latest
from paperbrief.select.candidates import select_candidates
from paperbrief.select.filters import FilterSyntaxError
from paperbrief.select.modes import (
    Selection,
    SelectMode,
    SelectOptions,
    learned_model_for,
    replay_score_cut,
    select_papers,
)
from paperbrief.select.profile import ReadingListError, ReadingListFormat, import_reading_list
from paperbrief.settings import Settings
from paperbrief.store import Store

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
@pass_app
def explain_command(app: AppContext, paper_id: str, date_text: str | None) -> None:
    """Show why paper ID was or was not selected on a stored day, with the current settings."""
    settings, _ = app.settings()
    try:
        arxiv_id, _version = split_arxiv_id(paper_id)
    except ValueError:
        fail(f"not an arXiv id: {paper_id!r}", code=ExitCode.USAGE)
    store = app.store(settings)
    try:
        date = given_or_latest(
            parse_date(date_text), store.announced_days(), "no announcement is stored yet: run `paperbrief run` first"
        )
    except NothingStoredError as exc:
        fail(str(exc))
    papers = store.announced_papers(date)
    paper = next((p for p in papers if p.arxiv_id == arxiv_id), None)
    if paper is None:
        fail(f"{arxiv_id} is not in the stored announcement of {date} ({len(papers)} papers)")
    digest = store.load_digest(date, prefer_language=settings.language)
    selection = _replay_selection(store, settings, date, papers, digest)
    click.echo(f"{arxiv_id}v{paper.version}  {paper.title}")
    click.echo(f"day {date}: {len(papers)} papers, {selection.candidates} candidates, mode {selection.mode.value}")
    click.echo(f"decision: {selection.decisions.get(arxiv_id, 'not a candidate (announce type not digested)')}")
    reason = selection.reasons.get(arxiv_id)
    if reason is not None:
        _echo_reason(reason)
    if digest is not None:
        stored = next((e for e in digest.entries if e.paper.arxiv_id == arxiv_id), None)
        where = f"#{stored.number}" if stored is not None else "absent"
        click.echo(f"stored digest of {date}: {where} (it may have been made with other settings)")
    for note in selection.notes:
        click.echo(f"note: {note}")


def _replay_selection(
    store: Store, settings: Settings, date: dt.date, papers: list[Paper], digest: Digest | None
) -> Selection:
    """The selection `paperbrief run` makes of the day, from the same candidates, with the current settings."""
    options = options_from_settings(settings)
    # The same candidates `paperbrief run` takes: papers an earlier digest carried are left out first.
    candidates = select_candidates(store, date, papers, include_replacements=settings.arxiv_include_replacements)
    items = store.reading_items()
    learned = learned_model_for(store, options, items)  # the reader's model in learned/auto mode (issue 12)
    selection = select_papers(candidates.papers, options, items, learned=learned)
    for arxiv_id, day in candidates.already_digested.items():
        where = f"the digest of {day.isoformat()}" if day is not None else "an earlier digest"
        selection.decisions[arxiv_id] = f"not selected: already in {where} (papers are not repeated)"
    if selection.mode is SelectMode.SCORE:
        # The final cut is by LLM score: replay it with the scores the day's run stored.
        replay_score_cut(selection, _stored_summaries(store, settings, selection, digest), options.max_papers)
    return selection


def _echo_reason(reason: SelectionReason) -> None:
    if reason.matched_terms:
        click.echo("matched terms: " + ", ".join(reason.matched_terms))
    if reason.matched_authors:
        click.echo("watched authors: " + ", ".join(reason.matched_authors))
    if reason.matched_profile:
        click.echo("profile matches: " + "; ".join(reason.matched_profile))
    if reason.rank_score is not None:
        click.echo(f"rank score: {reason.rank_score:.3f}")


def _stored_summaries(
    store: Store, settings: Settings, selection: Selection, digest: Digest | None
) -> dict[tuple[str, int], Summary]:
    """Summaries of the papers sent for LLM scoring: the summary cache under the stored digest's
    model and prompt version (else the configured model's), then the digest's own entries."""
    keys = [(e.paper.arxiv_id, e.paper.version) for e in selection.entries]
    found: dict[tuple[str, int], Summary] = {}
    if digest is not None and digest.stats.backend == "llm":
        model, prompt_version, language = digest.stats.model, digest.stats.prompt_version, digest.language
    elif settings.llm_model:
        from paperbrief.summarize.llm.prompt import PROMPT_VERSION

        model, prompt_version, language = settings.llm_model, PROMPT_VERSION, settings.language
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
@pass_app
def profile_import_command(app: AppContext, path: Path, fmt: str) -> None:
    """Import a reading list: BibTeX, Zotero CSV, RIS, or arXiv ids (one per line; abstracts fetched)."""
    settings, _ = app.settings()
    store = app.store(settings)
    try:
        # One source for the whole import: its throttle spaces every id_list request of the command.
        with source_from_settings(settings) as source:
            report = import_reading_list(path, store, fmt=fmt, fetch_ids=source.fetch_ids)
    except ReadingListError as exc:
        fail(str(exc))
    for line in report.lines():
        click.echo(line)
    if report.skipped:
        raise SystemExit(ExitCode.FAILURE if report.imported == 0 else ExitCode.PARTIAL)


@profile_group.command("show")
@click.option("--all", "show_all", is_flag=True, help="List every reading-list item (default: the first 20).")
@pass_app
def profile_show_command(app: AppContext, show_all: bool) -> None:
    """Show the topics, the reading list and the filters that selection uses."""
    settings, _ = app.settings()
    store = app.store(settings)
    items = store.reading_items()
    click.echo(f"mode: {settings.select_mode}")
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
