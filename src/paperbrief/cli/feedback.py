"""`paperbrief feedback add|import|list|export`: a reader's likes, dislikes, saves and hides (docs/feedback.md)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from paperbrief.cli.common import AppContext, ExitCode, fail, pass_app
from paperbrief.feedback import FeedbackInputError, feedback_csv, feedback_event, parse_feedback_csv
from paperbrief.select.learn import FeedbackAction
from paperbrief.store import StoreError

_READER = click.option("--reader", help="Reader name (default: the `reader` setting, `me` if unset).")


@click.group("feedback")
def feedback_group() -> None:
    """Tell paperbrief which papers you liked, disliked, saved or hid; the learned ranking uses it."""


@feedback_group.command("add")
@click.argument("arxiv_id")
@click.option("--like", "action", flag_value=FeedbackAction.LIKE.value, help="👍 more like this.")
@click.option("--dislike", "action", flag_value=FeedbackAction.DISLIKE.value, help="👎 fewer like this.")
@click.option("--save", "action", flag_value=FeedbackAction.SAVE.value, help="Save it (counts as a like).")
@click.option("--hide", "action", flag_value=FeedbackAction.HIDE.value, help="Never show it again.")
@_READER
@pass_app
def add_command(app: AppContext, arxiv_id: str, action: str | None, reader: str | None) -> None:
    """Record one event for ARXIV_ID (with or without version)."""
    if action is None:
        fail("give one of --like, --dislike, --save or --hide", code=ExitCode.USAGE)
    settings, _ = app.settings()
    name = reader or settings.reader
    try:
        event = feedback_event(arxiv_id, action, "cli")
    except FeedbackInputError as exc:
        fail(str(exc), code=ExitCode.USAGE)
    store = app.store(settings)
    try:
        store.add_feedback(name, [event])
    except StoreError as exc:
        fail(str(exc))
    known = "" if store.latest_papers([event.arxiv_id]) else " (not in the store yet: a later fetch fills it in)"
    click.echo(f"{name}: {event.action} {event.arxiv_id}{known}")


@feedback_group.command("import")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@_READER
@pass_app
def import_command(app: AppContext, path: Path, reader: str | None) -> None:
    """Import a CSV file with header `arxiv_id,label` (like, dislike, save, hide); bad rows are reported."""
    settings, _ = app.settings()
    name = reader or settings.reader
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        fail(f"{path} is not UTF-8 text", code=ExitCode.USAGE)
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror or exc}", code=ExitCode.USAGE)
    try:
        report = parse_feedback_csv(text)
    except FeedbackInputError as exc:
        fail(f"{path}: {exc}", code=ExitCode.USAGE)
    for problem in report.problems:
        click.echo(f"{path}: {problem}", err=True)
    store = app.store(settings)
    try:
        store.add_feedback(name, report.events)
    except StoreError as exc:
        fail(str(exc))
    found = store.latest_papers([e.arxiv_id for e in report.events])
    unknown = len({e.arxiv_id for e in report.events if e.arxiv_id not in found})
    tail = f", {unknown} not in the store yet (a later fetch fills them in)" if unknown else ""
    click.echo(f"{name}: imported {len(report.events)} events, {len(report.problems)} bad rows skipped{tail}")
    if report.problems:
        raise SystemExit(ExitCode.PARTIAL)


@feedback_group.command("list")
@_READER
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@pass_app
def list_command(app: AppContext, reader: str | None, as_json: bool) -> None:
    """Every event of the reader, oldest first: time, action, id, source."""
    settings, _ = app.settings()
    name = reader or settings.reader
    rows = app.store(settings).feedback_events(name)
    if as_json:
        items = [
            {
                "arxiv_id": r.arxiv_id,
                "version": r.version,
                "action": r.action,
                "time": r.time.isoformat(),
                "source": r.source,
                "known": r.known,
            }
            for r in rows
        ]
        click.echo(json.dumps(items, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo(f"{name}: no feedback yet", err=True)
    for r in rows:
        version = f"v{r.version}" if r.version else ""
        unknown = "" if r.known else "  (not in the store yet)"
        click.echo(f"{r.time:%Y-%m-%d %H:%M}  {r.action:<7}  {r.arxiv_id}{version}  {r.source}{unknown}")


@feedback_group.command("export")
@_READER
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), help="File (default stdout).")
@pass_app
def export_command(app: AppContext, reader: str | None, out_path: Path | None) -> None:
    """The reader's events as a CSV that `feedback import` reads back."""
    settings, _ = app.settings()
    text = feedback_csv(app.store(settings).feedback_events(reader or settings.reader))
    if out_path is None:
        click.echo(text, nl=False)
        return
    try:
        out_path.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {out_path}: {exc.strerror or exc}")
