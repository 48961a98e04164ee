"""`paperbrief logs`: the recent LLM calls (prompt, response, usage, latency, status), like `llm logs`.

Also `summarizer_from_settings`, the one place where settings become `LLMSummarizer` arguments
(https://llm.datasette.io/en/stable/logging.html is the model for the log).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

import click

from paperbrief.cli.common import AppContext, pass_app
from paperbrief.summarize.llm import LLMSummarizer
from paperbrief.summarize.llm.limits import redact

if TYPE_CHECKING:
    from paperbrief.settings import Settings
    from paperbrief.store import Store


def summarizer_from_settings(settings: Settings, store: Store | None, run_id: int | None) -> LLMSummarizer:
    """The LLM summarizer the settings describe (raises `LLMConfigError` when no model is set)."""
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key is not None else None
    prices = {model: (float(pair[0]), float(pair[1])) for model, pair in settings.llm_prices.items() if len(pair) >= 2}
    return LLMSummarizer(
        model=settings.llm_model or "",
        base_url=settings.llm_base_url,
        api_key=key,
        language=settings.language,
        concurrency=settings.llm_concurrency,
        requests_per_minute=settings.llm_requests_per_minute,
        tokens_per_minute=settings.llm_tokens_per_minute,
        timeout=settings.llm_timeout_seconds,
        retries=settings.llm_retries,
        run_deadline=settings.llm_run_deadline_seconds,
        temperature=settings.llm_temperature,
        batch_size=settings.llm_batch_size,
        response_format=settings.llm_response_format,
        max_cost=settings.llm_max_cost,
        max_tokens=settings.llm_max_tokens,
        prices=prices,
        store=store,
        run_id=run_id,
    )


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
    rows = store.recent_llm_calls(count)
    # Keys are never written to the log; redact again in case an old row predates that rule.
    for row in rows:
        for name in ("prompt", "response", "error"):
            if isinstance(row.get(name), str):
                row[name] = redact(row[name], secret)
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
