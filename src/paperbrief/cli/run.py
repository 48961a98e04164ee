"""`paperbrief run`: the whole pipeline for one day."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from paperbrief.cli.common import AppContext, ExitCode, fail, parse_date, pass_app


@click.command("run")
@click.option("--sample", is_flag=True, help="Use the bundled sample day (2026-02-04, 30 papers): no network.")
@click.option(
    "--from-json",
    "day_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Use the papers of a JSON file (`paperbrief fetch --json` output or the sample format): no network.",
)
@click.option("--date", "date_text", metavar="YYYY-MM-DD", help="Announcement day (default: today's feed).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="Output folder [./digests].")
@click.option(
    "--summarizer",
    type=click.Choice(["auto", "extractive", "llm"]),
    help="auto = the LLM when one is configured, else extractive.",
)
@click.option("--lang", "language", type=click.Choice(["zh", "en"]), help="Language of labels and summaries [zh].")
@click.option("--max-papers", type=click.IntRange(min=1), help="Papers in the digest [30].")
@click.option(
    "--select",
    "select_mode",
    type=click.Choice(["auto", "latest", "interest", "score"]),
    help="How papers are chosen [auto: interest when a profile exists, else latest].",
)
@click.option("--include-cross/--no-include-cross", default=None, help="Also digest cross-listed papers.")
@click.option("--categories", help="Comma-separated arXiv categories [cs.AI,cs.CL,cs.CV,cs.LG].")
@click.option("--refresh", is_flag=True, help="Ignore cached summaries and ask the LLM again.")
@click.option("--max-cost", type=click.FloatRange(min=0), help="Stop LLM calls once this many USD are spent.")
@click.option("--max-tokens", type=click.IntRange(min=0), help="Stop LLM calls once this many tokens are used.")
@click.option("--no-deliver", is_flag=True, help="Write files only: no site rebuild, e-mail or chat.")
@pass_app
def run_command(
    app: AppContext,
    sample: bool,
    day_file: Path | None,
    date_text: str | None,
    out_dir: Path | None,
    summarizer: str | None,
    language: str | None,
    max_papers: int | None,
    select_mode: str | None,
    include_cross: bool | None,
    categories: str | None,
    refresh: bool,
    max_cost: float | None,
    max_tokens: int | None,
    no_deliver: bool,
) -> None:
    """Fetch, select, summarize and publish one announcement day.

    Writes DIR/YYYY-MM-DD.md and DIR/YYYY-MM-DD.json (and DIR/site/ when publishing), prints
    where they are, and exits 0 on success, 1 on failure, 3 when papers are missing or a
    delivery failed (the partial digest is kept), 130 on Ctrl-C (summaries received are kept).
    """
    from paperbrief.pipeline import PipelineError, RunOptions, run_day
    from paperbrief.render.files import OutputError
    from paperbrief.summarize.base import SummarizerFatalError

    date = parse_date(date_text)
    if sample and day_file:
        fail("--sample and --from-json exclude each other", code=ExitCode.USAGE)
    overrides: dict[str, Any] = {
        "out_dir": out_dir,
        "language": language,
        "summarizer": summarizer,
        "max_papers": max_papers,
        "select_mode": select_mode,
        "arxiv_categories": categories,
        "llm_max_cost": max_cost,
        "llm_max_tokens": max_tokens,
    }
    settings, _ = app.settings(**overrides)
    target = settings.out_dir
    _check_writable(target)
    store = app.store(settings)
    options = RunOptions(
        date=date,
        sample=sample,
        day_file=day_file,
        out_dir=target,
        summarizer=summarizer,
        language=language,
        max_papers=max_papers,
        select_mode=select_mode,
        include_cross=include_cross,
        refresh=refresh,
        deliver=not no_deliver,
    )
    console = app.console
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as bar:
        tasks: dict[str, Any] = {}

        def on_progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        try:
            outcome = run_day(settings, store, options, progress=on_progress, console=console)
        except KeyboardInterrupt:
            bar.stop()
            kept = store.count_summaries()
            click.echo(
                f"Interrupted: every summary already received is kept ({kept} in the store); "
                "run the same command again to finish.",
                err=True,
            )
            raise SystemExit(ExitCode.INTERRUPTED) from None
        except (PipelineError, OutputError, SummarizerFatalError) as exc:
            fail(str(exc))
        except Exception as exc:
            if os.environ.get("PAPERBRIEF_DEBUG"):
                raise
            fail(_describe(exc))
    for note in outcome.messages:
        console.print(f"[yellow]note:[/] {note}", highlight=False, markup=True)
    digest = outcome.digest
    if digest.no_announcement:
        click.echo(f"No arXiv announcement for {digest.date} ({digest.no_announcement_reason or 'no new papers'}).")
    else:
        stats = digest.stats
        unpriced = not outcome.run_priced
        # An unknown price is not a zero cost: say so instead of printing $0.
        cost = f"n/a (no price for {stats.model} in [llm] prices)" if unpriced else f"${outcome.run_cost:.4f}"
        click.echo(
            f"{digest.date}: {stats.selected} papers in the digest "
            f"({stats.summarized} summarized, {stats.failed} failed, {stats.skipped} skipped) "
            f"by {stats.backend}/{stats.model}; LLM calls this run: {outcome.llm_calls}, "
            f"tokens: {outcome.run_tokens}, cost: {cost}"
        )
    for path in outcome.files:
        click.echo(f"wrote {path}")
    raise SystemExit(outcome.exit_code)


def _check_writable(folder: Path) -> None:
    """Fail before any network or LLM work when the output folder cannot be written."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".paperbrief-write-test"
        probe.write_text("ok", encoding="utf-8")
        probe.unlink()
    except OSError as exc:
        fail(f"output folder {folder} is not writable: {exc.strerror or exc}")


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    if text and type(exc).__module__.startswith("paperbrief."):
        return text[0]  # our own errors are written as one-line messages for the user
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
