"""`paperbrief export`: stored papers as BibTeX, RIS or CSL-JSON (issue 14). See docs/export.md."""

from __future__ import annotations

from pathlib import Path

import click

from paperbrief.cli.common import AppContext, ExitCode, fail, parse_date, pass_app
from paperbrief.models import Paper, split_arxiv_id
from paperbrief.store import Store


def _ids_papers(store: Store, text: str) -> list[Paper]:
    wanted: list[str] = []
    for raw in (part.strip() for part in text.split(",")):
        if not raw:
            continue
        try:
            wanted.append(split_arxiv_id(raw)[0])
        except ValueError as exc:
            fail(str(exc), code=ExitCode.USAGE)
    if not wanted:
        fail("--ids needs at least one arXiv id", code=ExitCode.USAGE)
    found = store.latest_papers(list(dict.fromkeys(wanted)))
    missing = [i for i in dict.fromkeys(wanted) if i not in found]
    if missing:
        fail(f"not in the store: {', '.join(missing)} (store them with `paperbrief run` or `fetch` first)")
    return [found[i] for i in dict.fromkeys(wanted)]


def _date_papers(store: Store, text: str, language: str, reader: str) -> list[Paper]:
    from paperbrief.reader_view import load_reader_digest

    date = parse_date(text)
    assert date is not None
    digest = load_reader_digest(store, date, reader, prefer_language=language)
    if digest is None:
        fail(f"no stored digest for {date.isoformat()}: run `paperbrief run --date {date.isoformat()}` first")
    return [entry.paper for entry in digest.entries]


def _week_papers(store: Store, text: str, language: str, reader: str) -> list[Paper]:
    from paperbrief.weekly import IsoWeek, load_week

    try:
        week = IsoWeek.parse(text)
    except ValueError as exc:
        fail(str(exc), code=ExitCode.USAGE)
    found = load_week(store, week, language, reader)
    if not found.digests:
        fail(f"no stored digest in {week.label} ({week.monday.isoformat()} – {week.sunday.isoformat()})")
    return [entry.paper for entry in found.entries()]


def _saved_papers(store: Store, reader: str) -> list[Paper]:
    from paperbrief.reader_view import latest_actions

    latest = latest_actions((e.arxiv_id, e.action) for e in store.feedback_events(reader))
    saved = [i for i, action in latest.items() if action == "save"]
    if not saved:
        fail(f"reader {reader!r} has no saved papers (save one with `paperbrief feedback add ID --save`)")
    found = store.latest_papers(saved)
    missing = [i for i in saved if i not in found]
    if len(missing) == len(saved):
        fail(f"no saved paper of reader {reader!r} is in the store yet: {', '.join(missing)}")
    if missing:
        click.echo(f"left out, not in the store yet: {', '.join(missing)}", err=True)
    return [found[i] for i in saved if i in found]


def _without_hidden(store: Store, reader: str, papers: list[Paper]) -> list[Paper]:
    from paperbrief.reader_view import ReaderView, latest_actions

    view = ReaderView(reader, latest_actions((e.arxiv_id, e.action) for e in store.feedback_events(reader)))
    shown = view.visible(papers, lambda p: p.arxiv_id)
    if len(shown) < len(papers):
        click.echo(f"{len(papers) - len(shown)} paper(s) {reader} hid are left out", err=True)
    return shown


@click.command("export")
@click.option("--date", "date_text", metavar="YYYY-MM-DD", help="Papers of a stored day's digest.")
@click.option("--week", "week_text", metavar="YYYY-Www", help="Papers of a week's digests, e.g. 2026-W08.")
@click.option("--ids", "ids_text", metavar="ID,…", help="Stored papers by arXiv id, comma-separated.")
@click.option("--saved", is_flag=True, help="The reader's saved papers (latest feedback `save`), oldest save first.")
@click.option("--reader", help="Reader for --saved [the `reader` setting]; with --date/--week, drop what R hid.")
@click.option("--format", "fmt", type=click.Choice(["bibtex", "ris", "csljson"]), required=True, help="Output format.")
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path), help="File to write [stdout].")
@pass_app
def export_command(
    app: AppContext,
    date_text: str | None,
    week_text: str | None,
    ids_text: str | None,
    saved: bool,
    reader: str | None,
    fmt: str,
    out_file: Path | None,
) -> None:
    """Export stored papers for Zotero, JabRef and friends (BibTeX, RIS or CSL-JSON).

    Exactly one of --date, --week, --ids or --saved chooses the papers. Citation keys are stable
    (`<family><year><word>_<arXiv id>`); arXiv ids are eprint fields, DOIs and journal refs are
    included when arXiv knows them.
    """
    from paperbrief.render.export import export_papers
    from paperbrief.render.files import OutputError, write_text_atomic

    chosen = [name for name, value in (("--date", date_text), ("--week", week_text), ("--ids", ids_text)) if value]
    if saved:
        chosen.append("--saved")
    if len(chosen) != 1:
        fail("choose exactly one of --date, --week, --ids or --saved", code=ExitCode.USAGE)
    settings, _ = app.settings()
    store = app.store(settings)
    if saved:
        papers = _saved_papers(store, reader or settings.reader)
    elif ids_text:
        papers = _ids_papers(store, ids_text)
    elif date_text:
        papers = _date_papers(store, date_text, settings.language, reader or settings.reader)
    else:
        papers = _week_papers(store, week_text or "", settings.language, reader or settings.reader)
    if reader and (date_text or week_text):
        papers = _without_hidden(store, reader, papers)
    text = export_papers(papers, fmt)
    if out_file is None:
        click.echo(text, nl=False)
        return
    try:
        write_text_atomic(out_file, text)
    except OutputError as exc:
        fail(str(exc))
    click.echo(f"{out_file} ({len(papers)} papers)", err=True)
