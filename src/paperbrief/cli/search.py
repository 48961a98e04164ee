"""`paperbrief search`: every stored paper, ranked by relevance (issue 14). See docs/search.md."""

from __future__ import annotations

import json

import click
from rich.console import Console
from rich.markup import escape

from paperbrief.cli.common import AppContext, ExitCode, fail, parse_date, pass_app
from paperbrief.search import SearchResult, results_as_json, search


@click.command("search")
@click.argument("query")
@click.option("--since", "since_text", metavar="YYYY-MM-DD", help="Only papers of this day or later.")
@click.option("--until", "until_text", metavar="YYYY-MM-DD", help="Only papers of this day or earlier.")
@click.option("--category", metavar="C", help="Only papers listed in C (cs.CL), or in a whole archive (cs).")
@click.option("--reader", metavar="R", help="Leave out what R hid; rank close hits by R's learned model once ready.")
@click.option("--limit", type=click.IntRange(min=1, max=1000), default=20, show_default=True, help="Most results.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of results.")
@pass_app
def search_command(
    app: AppContext,
    query: str,
    since_text: str | None,
    until_text: str | None,
    category: str | None,
    reader: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """Search every stored paper (title, abstract, authors, summaries, keywords) for QUERY.

    Every word and "quoted phrase" must match; Chinese and Japanese work as written (蒸馏,
    知识蒸馏). A paper's day is the day it was first digested, else first announced.
    """
    since, until = parse_date(since_text), parse_date(until_text)
    settings, _ = app.settings()
    store = app.store(settings)
    view = None
    if reader:
        from paperbrief.factories import reader_view_from_settings

        view = reader_view_from_settings(settings, store, reader)
    try:
        results = search(store, query, since=since, until=until, category=category, limit=limit, view=view)
    except ValueError as exc:
        fail(str(exc), code=ExitCode.USAGE)
    if as_json:
        click.echo(json.dumps(results_as_json(results), ensure_ascii=False, indent=2))
        return
    if not results:
        click.echo(f"no stored paper matches {query!r}", err=True)
        return
    _print(results)


def _print(results: list[SearchResult]) -> None:
    console = Console(soft_wrap=True, highlight=False)
    for result in results:
        day = result.date.isoformat() if result.date else "—"
        digested = "" if result.digests else " (not digested)"
        console.print(f"[bold]{result.arxiv_id}[/bold]  {day}{digested}  score {result.score:.3f}")
        console.print(f"  {escape(result.title)}")
        console.print("  " + _bold_marks(result.snippet))


def _bold_marks(snippet: str) -> str:
    """The snippet's `**match**` marks as bold, everything else printed literally."""
    parts = escape(snippet).split("**")
    return "".join(f"[bold yellow]{p}[/bold yellow]" if i % 2 else p for i, p in enumerate(parts))
