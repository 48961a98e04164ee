"""`paperbrief logs`: the recent LLM calls (prompt, response, usage, latency, status), like `llm logs`.

Settings become `LLMSummarizer` arguments in `paperbrief.factories.summarizer_from_settings`.
(https://llm.datasette.io/en/stable/logging.html is the model for the log).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import click

from paperbrief.cli.common import AppContext, pass_app
from paperbrief.redact import mask_text


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in row.items()}


@click.command("logs")
@click.option(
    "-n",
    "--count",
    "count",
    type=click.IntRange(min=1),
    default=3,
    show_default=True,
    help="How many of the newest calls to show.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the calls as a JSON array.")
@click.option("--short", is_flag=True, help="One line per call, without prompt and response.")
@pass_app
def logs_command(app: AppContext, count: int, as_json: bool, short: bool) -> None:
    """Show the most recent LLM calls: prompt, response, tokens, latency and status (newest first)."""
    settings, _ = app.settings()
    store = app.store(settings)
    secret = settings.llm_api_key.get_secret_value() if settings.llm_api_key is not None else None
    rows = [row.to_dict() for row in store.recent_llm_calls(count)]
    # Keys are never written to the log; redact again in case an old row predates that rule.
    for row in rows:
        for name in ("prompt", "response", "error"):
            if isinstance(row.get(name), str):
                row[name] = mask_text(row[name], secret)
    if as_json:
        click.echo(json.dumps([_jsonable(r) for r in rows], ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("No LLM calls logged yet.")
        return
    for row in rows:
        created = row["created"].isoformat(timespec="seconds") if row.get("created") else "?"
        head = (
            f"#{row['id']} {created}  {row['model']}  {row['status']}  "
            f"{row['tokens_in']}+{row['tokens_out']} tokens  {row['latency_ms']:.0f} ms  "
            f"prompt {row['prompt_version']}  papers {row['paper_ids']}"
        )
        if row.get("run_id") is not None:
            head += f"  run {row['run_id']}"
        click.echo(head)
        if row.get("error"):
            click.echo(f"  error: {row['error']}")
        if short:
            continue
        click.echo("\n## Prompt\n")
        click.echo(row["prompt"])
        click.echo("\n## Response\n")
        click.echo(row["response"] if row.get("response") is not None else "(none)")
        click.echo("")
