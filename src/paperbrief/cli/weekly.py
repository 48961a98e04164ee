"""`paperbrief weekly`: the weekly report (issue 14) from the stored digests. See docs/weekly.md."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.markup import escape

from paperbrief.cli.common import AppContext, ExitCode, fail, pass_app
from paperbrief.settings import Settings

if TYPE_CHECKING:
    from rich.console import Console

    from paperbrief.deliver import DeliveryReport
    from paperbrief.store import Store
    from paperbrief.weekly import ThemeWriter
    from paperbrief.weekly.deliver import WeeklyChannel


def theme_writer_from_settings(settings: Settings, store: Store) -> ThemeWriter | None:
    """The LLM theme writer of the `[llm]` settings, or None when no LLM is configured."""
    from paperbrief.weekly import ThemeWriter

    if settings.summarizer == "extractive" or not settings.llm_configured:
        return None
    return ThemeWriter(
        model=settings.llm_model or "",
        store=store,
        base_url=settings.llm_base_url,
        api_key=settings.llm_api_key.get_secret_value() if settings.llm_api_key is not None else None,
        language=settings.language,
        timeout=settings.llm_timeout_seconds,
        max_tokens=settings.llm_max_tokens,
        temperature=settings.llm_temperature,
    )


def weekly_channels(settings: Settings) -> tuple[list[WeeklyChannel], list[str]]:
    """The weekly channels of the settings (same as the daily ones) and one-line problems of the bad ones."""
    from paperbrief.deliver import ChatChannel, EmailChannel
    from paperbrief.factories import configure_channels
    from paperbrief.weekly.deliver import WeeklyChat, WeeklyEmail

    daily, problems = configure_channels(settings)
    channels: list[WeeklyChannel] = []
    for channel in daily:
        if isinstance(channel, EmailChannel):
            channels.append(WeeklyEmail(channel.sender, settings.site_base_url))
    for url in dict.fromkeys(settings.notify_urls):
        try:
            name = ChatChannel(url).name
        except ValueError:
            continue  # already in `problems`
        channels.append(WeeklyChat(url, name, settings.site_base_url))
    return channels, [f"weekly:{p.channel}: {p.error}" for p in problems]


def _print_delivery(week: str, report: DeliveryReport, console: Console) -> None:
    """One line per channel, e.g. `2026-W08 weekly:email: sent` (no emoji codes: `:email:` stays text)."""
    from paperbrief.deliver import Outcome

    styles = {Outcome.SENT: "green", Outcome.SKIPPED: "dim", Outcome.NOTHING_TO_SEND: "dim", Outcome.FAILED: "red"}
    notes = {
        Outcome.SKIPPED: "already sent this week (use --resend to send again)",
        Outcome.NOTHING_TO_SEND: "no paper this week, nothing sent",
    }
    for result in report.results:
        style = styles[result.outcome]
        detail = result.error or notes.get(result.outcome, "")
        line = f"{week} {escape(result.channel)}: [{style}]{result.outcome.value}[/{style}] {escape(detail)}"
        console.print(line.rstrip(), highlight=False, emoji=False, soft_wrap=True)


@click.command("weekly")
@click.option("--week", "week_text", metavar="YYYY-Www", help="ISO week, e.g. 2026-W08 [last complete week].")
@click.option("--reader", help="Reader: their hidden papers left out, their learned ranking [the `reader` setting].")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="Output folder [./digests].")
@click.option("--lang", "language", type=click.Choice(["zh", "en"]), help="Language of labels and theme prose [zh].")
@click.option("--no-deliver", is_flag=True, help="Write files and the site page only: no e-mail or chat.")
@click.option("--resend", is_flag=True, help="Send again even where the delivery log says this week was sent.")
@pass_app
def weekly_command(
    app: AppContext,
    week_text: str | None,
    reader: str | None,
    out_dir: Path | None,
    language: str | None,
    no_deliver: bool,
    resend: bool,
) -> None:
    """Write the weekly report: best papers, rising/falling terms and themes of one ISO week.

    Writes DIR/<week>.md, DIR/<week>.json and DIR/site/weekly/<week>.html (linked from the site
    index and the Atom feed), then sends it once per week over the configured channels.
    Exit code 3 when a channel failed (retried on the next call).
    """
    from paperbrief.factories import reader_view_from_settings, site_options_from_settings
    from paperbrief.publish import rebuild_site
    from paperbrief.render.files import OutputError
    from paperbrief.render.site import SITE_DIRNAME, SiteError
    from paperbrief.render.weekly import write_weekly_files
    from paperbrief.render.weekly_site import write_weekly_page
    from paperbrief.weekly import IsoWeek, build_weekly
    from paperbrief.weekly.deliver import deliver_weekly

    try:
        week = IsoWeek.parse(week_text) if week_text else IsoWeek.last_complete(dt.datetime.now(dt.UTC).date())
    except ValueError as exc:
        fail(str(exc), code=ExitCode.USAGE)
    settings, _ = app.settings(out_dir=out_dir, language=language)
    store = app.store(settings)
    writer = theme_writer_from_settings(settings, store)
    view = reader_view_from_settings(settings, store, reader)
    built = build_weekly(store, week, language=settings.language, reader=reader, writer=writer, view=view)
    report = built.report
    target = settings.out_dir
    try:
        target.mkdir(parents=True, exist_ok=True)
        written = write_weekly_files(report, target, base_url=settings.site_base_url)
        written += write_weekly_page(built, target / SITE_DIRNAME, base_url=settings.site_base_url)
        rebuild_site(store, target, site_options_from_settings(settings))
    except (OutputError, SiteError) as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot write the weekly report under {target}: {exc.strerror or exc}")
    for path in written:
        click.echo(str(path))
    for note in report.notes:
        app.console.print(f"note: {escape(note)}", highlight=False)
    if report.missing_days:
        app.console.print("missing days: " + ", ".join(d.isoformat() for d in report.missing_days), highlight=False)
    if no_deliver:
        return
    channels, problems = weekly_channels(settings)
    for problem in problems:
        app.console.print(f"[red]{escape(problem)}[/red]", highlight=False)
    if not channels:
        if problems:
            raise SystemExit(ExitCode.PARTIAL)
        return
    delivery = deliver_weekly(report, store, channels, resend=resend)
    _print_delivery(report.week, delivery, app.console)
    if problems or not delivery.ok:
        raise SystemExit(ExitCode.PARTIAL)
