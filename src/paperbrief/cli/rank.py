"""`paperbrief rank`: every candidate of a stored day in the reader's learned order, with score and reason."""

from __future__ import annotations

import json

import click

from paperbrief.cli.common import AppContext, fail, parse_date, pass_app
from paperbrief.factories import select_options_from_settings, settings_for_reader
from paperbrief.publish import NothingStoredError, given_or_latest
from paperbrief.select.learn import LearnedRanker, rank_stored_day
from paperbrief.select.profile import profile_entries


@click.command("rank")
@click.option("--date", "date_text", metavar="YYYY-MM-DD", help="Stored day (default: the latest).")
@click.option("--reader", help="Reader name (default: the `reader` setting, `me` if unset).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of {arxiv_id, score, reason, …}.")
@pass_app
def rank_command(app: AppContext, date_text: str | None, reader: str | None, as_json: bool) -> None:
    """Rank every candidate of a stored day by the reader's learned model (docs/feedback.md)."""
    base, _ = app.settings()
    settings = settings_for_reader(base, reader)
    store = app.store(settings)
    try:
        date = given_or_latest(
            parse_date(date_text), store.announced_days(), "no announcement is stored yet: run `paperbrief fetch` first"
        )
    except NothingStoredError as exc:
        fail(str(exc))
    options = select_options_from_settings(settings)
    prior = profile_entries(options.topics, store.reading_items(settings.reader))
    ranker = LearnedRanker(exploration=options.exploration, embedding_model=options.embedding_model)
    ranked, hidden = rank_stored_day(
        store,
        date,
        settings.reader,
        prior,
        ranker=ranker,
        include_replacements=settings.arxiv_include_replacements,
        slots=options.max_papers,
    )
    if hidden:
        click.echo(f"{hidden} paper(s) you hid are left out", err=True)
    if as_json:
        items = [
            {
                "rank": n,
                "arxiv_id": s.arxiv_id,
                "score": s.score,
                "reason": s.reason,
                "exploration": s.exploration,
                "similar": [
                    {"arxiv_id": r.arxiv_id, "title": r.title, "url": f"https://arxiv.org/abs/{r.arxiv_id}"}
                    for r in s.similar
                ],
                "topics": list(s.topics),
            }
            for n, s in enumerate(ranked, 1)
        ]
        click.echo(json.dumps(items, ensure_ascii=False, indent=2))
        return
    for n, s in enumerate(ranked, 1):
        mark = " [exploration]" if s.exploration else ""
        click.echo(f"{n:>4}  {s.score:+8.3f}  {s.arxiv_id}{mark}  {s.reason}")
