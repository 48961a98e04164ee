"""`paperbrief bulk`: summarize a backfilled date range through the provider's Batch API (docs/bulk.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import click

from paperbrief.cli.common import AppContext, ExitCode, echo_line, fail, parse_date, pass_app
from paperbrief.factories import llm_config_from_settings, llm_not_configured
from paperbrief.models import Paper
from paperbrief.summarize.llm.bulk import (
    BudgetRefused,
    BulkError,
    BulkOptions,
    BulkOutcome,
    BulkReport,
    BulkRunner,
    BulkStatus,
    papers_in_range,
)
from paperbrief.summarize.llm.config import LLMConfigError


def _status_text(status: BulkStatus) -> str:
    done = f"{status.completed + status.failed}/{status.total}" if status.total else "?"
    wait = f", next check in {status.next_check:.0f}s" if status.next_check else ""
    state = f"batch {status.batch_id}: {status.provider_status}, {done} requests done{wait}"
    return f"{state} (Ctrl-C is safe: rerun to resume)"


def _print_report(report: BulkReport, rerun: str, price_factor: float) -> None:
    ids = ", ".join(report.batch_ids) or "-"
    resumed = " (picked up from the store)" if report.resumed else ""
    echo_line(
        f"bulk: batch {ids}{resumed}: {report.ok} summaries stored, {len(report.failed)} failed, "
        f"{len(report.unanswered)} unanswered; {report.tokens_in:,} tokens in, {report.tokens_out:,} out, "
        f"${report.cost:.4f} (at {price_factor:.0%} of the live price)"
    )
    for versioned_id, reason in report.failed[:20]:
        echo_line(f"failed {versioned_id}: {reason}")
    if len(report.failed) > 20:
        echo_line(f"… and {len(report.failed) - 20} more failed papers (see `paperbrief logs`)")
    if report.unanswered:
        echo_line(f"{len(report.unanswered)} papers got no answer before the batch ended: rerun `{rerun}` to send them")


@click.command("bulk")
@click.option("--from", "from_text", required=True, metavar="YYYY-MM-DD", help="First stored day.")
@click.option("--to", "to_text", required=True, metavar="YYYY-MM-DD", help="Last stored day (inclusive).")
@click.option("--max-cost", type=float, metavar="USD", help="Refuse to upload when the estimate is over this.")
@click.option("--max-tokens", type=int, metavar="N", help="Refuse to upload when the estimated tokens are over this.")
@click.option(
    "--price-factor",
    type=click.FloatRange(min=0.0, min_open=True),
    default=0.5,
    show_default=True,
    help="Batch price as a share of the live [llm] prices (OpenAI bills batches at 50 %).",
)
@click.option("--no-wait", is_flag=True, help="Upload and create the batch, then exit; rerun later to collect.")
@click.option(
    "--max-wait",
    type=click.FloatRange(min=0.0),
    default=26 * 3600.0,
    show_default=True,
    metavar="SECONDS",
    help="Stop polling after this long (the batch stays stored: rerun to pick it up).",
)
@click.option(
    "--poll-every",
    type=click.FloatRange(min=0.0, min_open=True),
    default=10.0,
    show_default=True,
    metavar="SECONDS",
    help="First wait between status checks (grows ×1.5 up to 300 s).",
)
@pass_app
def bulk_command(
    app: AppContext,
    from_text: str,
    to_text: str,
    max_cost: float | None,
    max_tokens: int | None,
    price_factor: float,
    no_wait: bool,
    max_wait: float,
    poll_every: float,
) -> None:
    """Summarize the stored papers of a date range through the provider's Batch API (half price, within 24 h).

    Only papers without a good cached summary are sent. Resumable: the batch id is stored at
    once, so after Ctrl-C or a crash the same command picks the batch up instead of uploading again.
    """
    first, last = parse_date(from_text), parse_date(to_text)
    assert first is not None and last is not None
    if last < first:
        fail("--to is before --from", code=ExitCode.USAGE)
    overrides = {k: v for k, v in {"llm_max_cost": max_cost, "llm_max_tokens": max_tokens}.items() if v is not None}
    settings, _ = app.settings(**overrides)
    if not settings.llm_configured:
        fail(str(llm_not_configured(settings)).replace("--summarizer llm", "bulk"), code=ExitCode.USAGE)
    try:
        config = llm_config_from_settings(settings)
    except LLMConfigError as exc:
        fail(str(exc), code=ExitCode.USAGE)
    store = app.store(settings)
    papers = papers_in_range(store, first, last)
    options = BulkOptions(price_factor=price_factor, poll_first=poll_every, max_wait=max_wait, wait=not no_wait)
    rerun = f"paperbrief bulk --from {first} --to {last}"
    report = _run(app, lambda status: BulkRunner(config, store, options, status=status), papers, (first, last), rerun)
    _finish(report, rerun, price_factor, len(papers), first, last)


def _run(
    app: AppContext,
    make_runner: Callable[[Callable[[BulkStatus], None]], BulkRunner],
    papers: list[Paper],
    days: tuple[dt.date, dt.date],
    rerun: str,
) -> BulkReport:
    try:
        with app.console.status("bulk: preparing the batch …") as spinner:
            runner = make_runner(lambda s: spinner.update(_status_text(s)))
            return runner.run(papers, *days)
    except KeyboardInterrupt:
        echo_line(f"interrupted: rerun `{rerun}`: a batch already created is picked up from the store, not sent again")
        raise SystemExit(ExitCode.INTERRUPTED) from None
    except BudgetRefused as exc:
        fail(f"budget: {exc}")
    except BulkError as exc:
        fail(str(exc))


def _finish(report: BulkReport, rerun: str, price_factor: float, count: int, first: dt.date, last: dt.date) -> None:
    for note in report.notes:
        echo_line(f"note: {note}")
    if report.outcome is BulkOutcome.NOTHING_TO_DO:
        if count == 0:
            fail(
                f"no stored papers between {first} and {last}: "
                f"run `paperbrief backfill --from {first} --to {last}` first"
            )
        echo_line(f"bulk: all {count} papers of {first}..{last} already have a summary; nothing to send")
        return
    estimate = report.estimate
    if estimate is not None:
        cost = "n/a (no price for the model)" if estimate.cost is None else f"${estimate.cost:.4f}"
        echo_line(f"bulk: sent {estimate.requests} papers, estimated {estimate.tokens:,} tokens, {cost}")
    if report.outcome is BulkOutcome.SUBMITTED:
        echo_line(f"bulk: batch {', '.join(report.batch_ids)} submitted; rerun `{rerun}` later to collect the answers")
        return
    if report.outcome is BulkOutcome.WAITING:
        fail(
            f"batch {', '.join(report.batch_ids)} is still running; rerun `{rerun}` to pick it up",
            code=ExitCode.PARTIAL,
        )
    _print_report(report, rerun, price_factor)
    if report.failed or report.unanswered:
        raise SystemExit(ExitCode.PARTIAL)
