"""`paperbrief deliver`, `paperbrief site` and `paperbrief serve`: publish stored digests.

See docs/publishing.md for the channels, the delivery log and the environment variables.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from paperbrief.cli.common import AppContext, ExitCode, fail, parse_date, pass_app
from paperbrief.deliver import ChannelKind, ChannelResult, DeliveryReport, EmailConfigError, Outcome
from paperbrief.factories import channels_from_settings, site_options_from_settings
from paperbrief.lab import settings_as_reader
from paperbrief.publish import NothingStoredError, PublishReport, load_stored_digest, publish_digest, rebuild_site
from paperbrief.render.site import SITE_DIRNAME, SiteError

_CHANNEL_CHOICES = ("email", "chat", "all")


def print_report(report: DeliveryReport, console: Console) -> None:
    """One line per channel: sent, skipped (already sent), nothing to send, or failed with why."""
    styles = {
        Outcome.SENT: "green",
        Outcome.SKIPPED: "dim",
        Outcome.NOTHING_TO_SEND: "dim",
        Outcome.FAILED: "red",
    }
    notes = {
        Outcome.SKIPPED: "already sent (use --resend to send again)",
        Outcome.NOTHING_TO_SEND: "no announcement that day, nothing sent",
    }
    for result in report.results:
        style = styles[result.outcome]
        detail = result.error or notes.get(result.outcome, "")
        line = f"{report.date.isoformat()} {escape(result.channel)}: [{style}]{result.outcome.value}[/{style}]"
        console.print(f"{line} {escape(detail)}".rstrip(), highlight=False, soft_wrap=True)


def print_publish_report(report: PublishReport, date: dt.date, console: Console) -> None:
    """After `paperbrief run`: the site line, then one line per channel (failed ones say why)."""
    if report.site is not None:
        console.print(
            f"site: {escape(str(report.site.index))} ({len(report.site.files)} files)", highlight=False, soft_wrap=True
        )
        for note in report.site.notes:
            click.echo(f"note: {note}", err=True)
    deliveries = DeliveryReport(date=date, results=list(report.problems))
    if report.site_error is not None:
        deliveries.results.insert(0, ChannelResult("site", Outcome.FAILED, report.site_error))
    if report.deliveries is not None:
        deliveries.results += report.deliveries.results
    if deliveries.results:
        print_report(deliveries, console)


@click.command("deliver")
@click.option("--date", "date_text", metavar="YYYY-MM-DD", help="Day to deliver (default: the latest stored digest).")
@click.option(
    "--channel",
    "channel_kinds",
    type=click.Choice(_CHANNEL_CHOICES),
    multiple=True,
    help="Channel family to use (repeatable; default all configured).",
)
@click.option("--resend", is_flag=True, help="Send again even where the delivery log says it was sent.")
@click.option("--reader", help="Reader name (default: the `reader` setting, `me` if unset).")
@pass_app
def deliver_command(
    app: AppContext, date_text: str | None, channel_kinds: tuple[str, ...], resend: bool, reader: str | None
) -> None:
    """Send a stored digest by e-mail and chat, once per day and channel.

    Channels come from the settings: PAPERBRIEF_SMTP_HOST (+ PAPERBRIEF_EMAIL_FROM,
    PAPERBRIEF_EMAIL_TO …) for e-mail and PAPERBRIEF_NOTIFY_URLS (Apprise URLs) for chat.
    Exit code 3 when a channel failed; it is retried on the next call. In a lab, `--reader NAME`
    sends NAME's digest to NAME's recipients.
    """
    base, _ = app.settings()
    settings = settings_as_reader(base, reader)
    date = parse_date(date_text)
    store = app.store(settings)
    try:
        digest = load_stored_digest(store, date, settings.language, settings.reader)
    except NothingStoredError as exc:
        fail(str(exc))
    kinds = None if not channel_kinds or "all" in channel_kinds else [ChannelKind(k) for k in channel_kinds]
    try:
        channels = channels_from_settings(settings, kinds)
    except EmailConfigError as exc:
        fail(f"e-mail is not configured correctly: {exc}", code=ExitCode.USAGE)
    except ValueError as exc:
        fail(str(exc), code=ExitCode.USAGE)
    if not channels:
        fail(
            "no delivery channel is configured: set PAPERBRIEF_SMTP_HOST, PAPERBRIEF_EMAIL_FROM and "
            "PAPERBRIEF_EMAIL_TO for e-mail, or PAPERBRIEF_NOTIFY_URLS for chat (see docs/publishing.md)",
            code=ExitCode.USAGE,
        )
    report = publish_digest(
        digest, store, settings.out_dir, site=None, channels=channels, resend=resend, reader=settings.reader
    )
    assert report.deliveries is not None
    print_report(report.deliveries, app.console)
    if report.failed:
        raise SystemExit(ExitCode.PARTIAL)


@click.command("site")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="Output directory.")
@click.option(
    "--reader", help="Reader whose site to rebuild (default: every reader of a lab, else the `reader` setting)."
)
@pass_app
def site_command(app: AppContext, out_dir: Path | None, reader: str | None) -> None:
    """Rebuild the HTML site and Atom feed (OUT/site/, OUT/NAME/site/ in a lab) from the reader's stored digests."""
    base, _ = app.settings(out_dir=out_dir)
    names = [reader] if reader else base.reader_names
    store = app.store(base)
    for name in names:
        settings = settings_as_reader(base, name)
        try:
            site = rebuild_site(store, settings.out_dir, site_options_from_settings(settings), reader=name)
        except SiteError as exc:
            fail(str(exc))
        for note in site.notes:
            click.echo(f"note: {note}", err=True)
        click.echo(f"{site.index} ({len(site.files)} files)")


@click.command("serve")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="Output directory.")
@pass_app
def serve_command(app: AppContext, port: int, host: str, out_dir: Path | None) -> None:
    """Serve OUT/site/ and the feedback API (builds the site first if missing). Ctrl-C stops.

    The site's 👍/👎/save buttons post to /api/feedback (CSRF-protected, same-origin); signed
    one-click links from e-mail and chat land on /feedback (docs/feedback.md).
    """
    from paperbrief.serve import FeedbackServer, ServeOptions

    settings, _ = app.settings(out_dir=out_dir)
    lab = len(settings.readers) > 1
    # A lab's readers each have their site under OUT/NAME/site/: serve OUT so each is /NAME/site/.
    site_dir = settings.out_dir if lab else settings.out_dir / SITE_DIRNAME
    store = app.store(settings)
    if not lab and not (site_dir / "index.html").exists():
        try:
            rebuild_site(store, settings.out_dir, site_options_from_settings(settings), reader=settings.reader)
        except SiteError as exc:
            fail(str(exc))
    secret = settings.feedback_secret.get_secret_value() if settings.feedback_secret else None
    options = ServeOptions(
        site_dir=site_dir,
        host=host,
        port=port,
        default_reader=settings.reader_names[0] if settings.readers else settings.reader,
        readers=tuple(settings.reader_names),
        link_secret=secret,
    )
    try:
        server = FeedbackServer(options, store)
    except OSError as exc:
        fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
    bound_host, bound_port = server.address
    try:  # Ctrl-C right after the banner still stops cleanly
        click.echo(f"Serving {site_dir} at http://{bound_host}:{bound_port}/ (Ctrl-C to stop)")
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopped")
    finally:
        server.stop()
