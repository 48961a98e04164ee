"""`paperbrief run`: the whole pipeline for one day (flags → settings overrides → `pipeline.run_day`)."""

from __future__ import annotations

import os
import signal
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from paperbrief.cli.common import AppContext, ExitCode, echo_line, fail, parse_date, pass_app
from paperbrief.factories import llm_key_warning
from paperbrief.text import one_line

if TYPE_CHECKING:
    from paperbrief.pipeline import RunOutcome


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
    type=click.Choice(["auto", "latest", "interest", "score", "learned"]),
    help="How papers are chosen [auto: interest when a profile exists, else latest].",
)
@click.option("--include-cross/--no-include-cross", default=None, help="Also digest cross-listed papers.")
@click.option("--categories", help="Comma-separated arXiv categories [cs.AI,cs.CL,cs.CV,cs.LG].")
@click.option("--refresh", is_flag=True, help="Ignore cached summaries and ask the LLM again.")
@click.option("--max-cost", type=click.FloatRange(min=0), help="Stop LLM calls once this many USD are spent.")
@click.option("--max-tokens", type=click.IntRange(min=0), help="Stop LLM calls once this many tokens are used.")
@click.option(
    "--no-deliver", is_flag=True, help="Skip e-mail and chat (the digest files and the site are still written)."
)
@click.option("--no-site", is_flag=True, help="Do not rebuild OUT/site/ (the HTML site and Atom feed).")
@click.option(
    "--fulltext",
    "fulltext_top",
    type=click.IntRange(min=0),
    metavar="K",
    help="Summarize the top K papers from their full text, with their first figure [0: off].",
)
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
    no_site: bool,
    fulltext_top: int | None,
) -> None:
    """Fetch, select, summarize and publish one announcement day.

    Writes DIR/YYYY-MM-DD.md, DIR/YYYY-MM-DD.json and DIR/site/, sends e-mail and chat when
    configured, prints where everything is, and exits 0 on success, 1 on failure, 2 for a bad
    flag or date, 3 when papers are missing or a delivery failed (the partial digest is kept),
    130 on Ctrl-C or SIGTERM (summaries received are kept).
    """
    from paperbrief.pipeline import PipelineError, RunRequest, RunUsageError, check_run_date, run_day
    from paperbrief.render.files import OutputError
    from paperbrief.summarize.base import SummarizerFatalError

    date = parse_date(date_text)
    if sample and day_file:
        fail("--sample and --from-json exclude each other", code=ExitCode.USAGE)
    try:
        check_run_date(date)
    except RunUsageError as exc:
        fail(str(exc), code=ExitCode.USAGE)
    # One channel for settings: every flag that is a setting becomes a settings override.
    overrides: dict[str, Any] = {
        "out_dir": out_dir,
        "language": language,
        "summarizer": summarizer,
        "max_papers": max_papers,
        "select_mode": select_mode,
        "arxiv_categories": categories,
        "arxiv_include_cross": include_cross,
        "llm_max_cost": max_cost,
        "llm_max_tokens": max_tokens,
        "fulltext_top": fulltext_top,
    }
    settings, _ = app.settings(**overrides)
    warning = llm_key_warning(settings) if settings.summarizer != "extractive" else None
    if warning:
        echo_line(f"warning: {warning}")  # once, before any request that would be refused
    _check_writable(settings.out_dir)
    store = app.store(settings)
    request = RunRequest(
        date=date, sample=sample, day_file=day_file, refresh=refresh, deliver=not no_deliver, site=not no_site
    )
    progress = _Progress()
    try:
        with _sigterm_as_interrupt(), progress.bar(app) as on_progress:
            if settings.readers:  # a lab: one fetch and one summary per paper for every reader
                from paperbrief.lab import run_lab

                outcome = run_lab(settings, store, request, progress=on_progress)
            else:
                outcome = run_day(settings, store, request, progress=on_progress)
    except KeyboardInterrupt:
        echo_line(progress.interrupted_message())
        raise SystemExit(ExitCode.INTERRUPTED) from None
    except RunUsageError as exc:
        fail(str(exc), code=ExitCode.USAGE)
    except (PipelineError, OutputError, SummarizerFatalError) as exc:
        fail(str(exc))
    except Exception as exc:
        if os.environ.get("PAPERBRIEF_DEBUG"):
            raise
        fail(_describe(exc))
    _print_outcome(app, outcome)
    raise SystemExit(outcome.exit_code)


def _print_outcome(app: AppContext, outcome: RunOutcome) -> None:
    """Notes on stderr; on stdout the summary line, the files, the site, then each channel."""
    from paperbrief.cli.publish import print_publish_report

    for note in outcome.messages:
        app.console.print(f"[yellow]note:[/] {escape(note)}", highlight=False, markup=True, soft_wrap=True)
    digest = outcome.digest
    if digest.no_announcement:
        click.echo(f"No arXiv announcement for {digest.date} ({digest.no_announcement_reason or 'no new papers'}).")
    else:
        stats = digest.stats
        # An unknown price is not a zero cost: say so instead of printing $0.
        cost = (
            f"n/a (no price for {stats.model} in [llm] prices)"
            if not outcome.run_priced
            else f"${outcome.run_cost:.4f}"
        )
        left_out = f", {len(outcome.already_digested)} already digested" if outcome.already_digested else ""
        click.echo(
            f"{digest.date}: {stats.selected} papers in the digest "
            f"({stats.summarized} summarized, {stats.failed} failed, {stats.skipped} skipped{left_out}) "
            f"by {stats.backend}/{stats.model}; LLM calls this run: {outcome.llm_calls}, "
            f"tokens: {outcome.run_tokens}, cost: {cost}"
        )
    for path in outcome.files:
        click.echo(f"wrote {path}")
    if outcome.published is not None:
        # On stdout after the files: one stream keeps the summary, files, site and channels in order.
        print_publish_report(outcome.published, digest.date, Console(soft_wrap=True))


@dataclass
class _Progress:
    """The run's progress bar and how far summarizing got (for the Ctrl-C message)."""

    done: int = 0
    total: int | None = None

    @contextmanager
    def bar(self, app: AppContext) -> Iterator[Any]:
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
                if stage == "summarize":
                    self.done, self.total = done, total
                if stage not in tasks:
                    tasks[stage] = bar.add_task(stage, total=total)
                bar.update(tasks[stage], completed=done, total=total)

            try:
                yield on_progress
            except KeyboardInterrupt:
                bar.stop()
                raise

    def interrupted_message(self) -> str:
        if self.total is None:
            return "Interrupted before any summary was asked for; run the same command again to start over."
        return (
            f"Interrupted: received {self.done} of {self.total} summaries, all kept; "
            "run the same command again to finish."
        )


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (systemd, CI, `kill`) ends the run like Ctrl-C: answers in flight kept, run marked interrupted."""

    def handler(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread (an embedding application): leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _check_writable(folder: Path) -> None:
    """Fail before any network or LLM work when the output folder cannot be written."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # A unique name: two processes writing to the same folder must not remove each other's probe.
        probe = folder / f".paperbrief-write-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        probe.write_text("ok", encoding="utf-8")
        probe.unlink()
    except OSError as exc:
        fail(f"output folder {folder} is not writable: {exc.strerror or exc}")


def _describe(exc: BaseException) -> str:
    text = one_line(exc)
    if type(exc).__module__.startswith("paperbrief.") or text == type(exc).__name__:
        return text  # our own errors are written as one-line messages for the user
    return f"{type(exc).__name__}: {text}"
