"""`paperbrief deliver`, `paperbrief site` and `paperbrief serve`: publish stored digests.

See docs/publishing.md for the channels, the delivery log and the environment variables.
"""

from __future__ import annotations

import functools
import http.server
from collections.abc import Sequence
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from paperbrief.cli.common import AppContext, ExitCode, fail, parse_date, pass_app
from paperbrief.deliver import (
    Channel,
    ChannelKind,
    ChannelResult,
    DeliveryReport,
    EmailConfigError,
    Outcome,
    channels_from_settings,
    configure_channels,
    deliver_digest,
)
from paperbrief.models import Digest
from paperbrief.render.site import SITE_DIRNAME, SiteBuild, SiteError, build_site
from paperbrief.settings import Settings
from paperbrief.store import Store

_CHANNEL_CHOICES = ("email", "chat", "all")


def load_all_digests(store: Store, language: str | None = None) -> list[Digest]:
    """Every stored digest, newest first (in `language` when stored in it, else any language)."""
    found: list[Digest] = []
    for date in store.digest_dates():
        digest = store.load_digest(date, prefer_language=language)
        if digest is not None:
            found.append(digest)
    return found


def rebuild_site(store: Store, settings: Settings, out_dir: Path, extra: Digest | None = None) -> SiteBuild:
    """Rebuild `out_dir/site` from every stored digest (plus `extra`, which wins for its date).

    The result's `notes` name the records left out because they could not be rendered.
    """
    digests = load_all_digests(store, settings.language)
    if extra is not None:
        digests = [d for d in digests if d.date != extra.date] + [extra]
    return build_site(digests, out_dir, base_url=settings.site_base_url, feed_days=settings.site_feed_days)


def _channels(settings: Settings, kinds: Sequence[str] | None = None) -> list[Channel]:
    try:
        return channels_from_settings(settings, kinds)
    except EmailConfigError as exc:
        fail(f"e-mail is not configured correctly: {exc}", code=ExitCode.USAGE)
    except ValueError as exc:
        fail(str(exc), code=ExitCode.USAGE)


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


def publish_after_run(
    digest: Digest, store: Store, settings: Settings, out_dir: Path, console: Console
) -> DeliveryReport | None:
    """After `paperbrief run`: rebuild the site from the stored digests, then deliver if channels are set.

    Never raises for a publishing problem: a site that cannot be written (channel `site`) or a
    half-configured channel is reported as a failed result, so the run exits PARTIAL with its
    digest kept. Returns None when the site was written and no channel is configured.
    """
    problems: list[ChannelResult] = []
    try:
        built = rebuild_site(store, settings, out_dir, extra=digest)
    except SiteError as exc:
        problems.append(ChannelResult("site", Outcome.FAILED, str(exc)))
    else:
        index = out_dir / SITE_DIRNAME / "index.html"
        console.print(f"site: {escape(str(index))} ({len(built.files)} files)", highlight=False)
        for note in built.notes:
            click.echo(f"note: {note}", err=True)
    channels, bad = configure_channels(settings)
    problems += [ChannelResult(p.channel, Outcome.FAILED, str(p.error)) for p in bad]
    if not channels and not problems:
        return None
    report = deliver_digest(digest, store, channels)
    report.results[:0] = problems
    print_report(report, console)
    return report


def _app_settings(app: AppContext) -> tuple[Settings, Store]:
    settings, _ = app.settings()
    return settings, app.store(settings)


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
@pass_app
def deliver_command(app: AppContext, date_text: str | None, channel_kinds: tuple[str, ...], resend: bool) -> None:
    """Send a stored digest by e-mail and chat, once per day and channel.

    Channels come from the settings: PAPERBRIEF_SMTP_HOST (+ PAPERBRIEF_EMAIL_FROM,
    PAPERBRIEF_EMAIL_TO …) for e-mail and PAPERBRIEF_NOTIFY_URLS (Apprise URLs) for chat.
    Exit code 3 when a channel failed; it is retried on the next call.
    """
    settings, store = _app_settings(app)
    date = parse_date(date_text)
    if date is None:
        dates = store.digest_dates()
        if not dates:
            fail("no digest is stored yet: run `paperbrief run` first")
        date = dates[0]
    digest = store.load_digest(date, prefer_language=settings.language)
    if digest is None:
        fail(f"no stored digest for {date.isoformat()}: run `paperbrief run --date {date.isoformat()}` first")
    kinds = None if not channel_kinds or "all" in channel_kinds else [ChannelKind(k) for k in channel_kinds]
    channels = _channels(settings, kinds)
    if not channels:
        fail(
            "no delivery channel is configured: set PAPERBRIEF_SMTP_HOST, PAPERBRIEF_EMAIL_FROM and "
            "PAPERBRIEF_EMAIL_TO for e-mail, or PAPERBRIEF_NOTIFY_URLS for chat (see docs/publishing.md)",
            code=ExitCode.USAGE,
        )
    report = deliver_digest(digest, store, channels, resend=resend)
    print_report(report, app.console)
    if not report.ok:
        raise SystemExit(ExitCode.PARTIAL)


@click.command("site")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="Output directory.")
@pass_app
def site_command(app: AppContext, out_dir: Path | None) -> None:
    """Rebuild the HTML site and Atom feed (OUT/site/) from every stored digest."""
    settings, store = _app_settings(app)
    target = out_dir or settings.out_dir
    try:
        built = rebuild_site(store, settings, target)
    except SiteError as exc:
        fail(str(exc))
    for note in built.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(f"{target / SITE_DIRNAME / 'index.html'} ({len(built.files)} files)")


@click.command("serve")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="Output directory.")
@pass_app
def serve_command(app: AppContext, port: int, host: str, out_dir: Path | None) -> None:
    """Serve OUT/site/ over HTTP for a local preview (builds it first if missing). Ctrl-C stops."""
    settings, _ = app.settings()
    target = out_dir or settings.out_dir
    site_dir = target / SITE_DIRNAME
    if not (site_dir / "index.html").exists():
        try:
            rebuild_site(app.store(settings), settings, target)
        except SiteError as exc:
            fail(str(exc))
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site_dir))
    try:
        server = http.server.ThreadingHTTPServer((host, port), handler)
    except OSError as exc:
        fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
    bound_host, bound_port = server.server_address[:2]
    click.echo(f"Serving {site_dir} at http://{bound_host!s}:{bound_port}/ (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopped")
    finally:
        server.server_close()
