"""The deliver stage: e-mail and chat pushes of a day's digest, each sent once per (date, channel).

The store's `deliveries` table is the log: a channel already `sent` for a date is skipped, a
`failed` one is tried again on the next call, and `resend=True` sends regardless. Channels are
independent: one failing never stops the others. Delivery is at-least-once: a crash between a
successful send and its log row means that channel sends again on the next run.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from paperbrief.deliver.base import (
    Channel,
    ChannelKind,
    ChannelProblem,
    ChannelResult,
    DeliveryError,
    DeliveryReport,
    Outcome,
)
from paperbrief.deliver.chat import ChatChannel, mask_url
from paperbrief.deliver.email import EmailChannel, EmailConfigError, EmailSender, SmtpSecurity
from paperbrief.models import DeliveryStatus, Digest
from paperbrief.store import Store

if TYPE_CHECKING:
    from paperbrief.settings import Settings

__all__ = [
    "Channel",
    "ChannelKind",
    "ChannelProblem",
    "ChannelResult",
    "ChatChannel",
    "DeliveryError",
    "DeliveryReport",
    "EmailChannel",
    "EmailConfigError",
    "EmailSender",
    "Outcome",
    "SmtpSecurity",
    "channels_from_settings",
    "configure_channels",
    "deliver_digest",
    "mask_url",
]


def deliver_digest(digest: Digest, store: Store, channels: Sequence[Channel], resend: bool = False) -> DeliveryReport:
    """Send a digest over every channel not yet sent for its date, logging each outcome in the store."""
    report = DeliveryReport(date=digest.date)
    for channel in channels:
        name = channel.name
        if digest.no_announcement:
            # Nothing was announced: a message saying so on every Friday and Saturday is noise.
            report.results.append(ChannelResult(name, Outcome.NOTHING_TO_SEND))
            continue
        if not resend and store.delivery_status(digest.date, name) == DeliveryStatus.SENT:
            report.results.append(ChannelResult(name, Outcome.SKIPPED))
            continue
        try:
            channel.send(digest)
        except DeliveryError as exc:
            error = str(exc)
        except Exception as exc:  # a bug in one channel must not stop the others; no secrets in the type name
            error = f"unexpected {type(exc).__name__} while sending"
        else:
            store.record_delivery(digest.date, name, DeliveryStatus.SENT)
            report.results.append(ChannelResult(name, Outcome.SENT))
            continue
        store.record_delivery(digest.date, name, DeliveryStatus.FAILED, error)
        report.results.append(ChannelResult(name, Outcome.FAILED, error))
    return report


def channels_from_settings(settings: Settings, kinds: Iterable[ChannelKind | str] | None = None) -> list[Channel]:
    """The channels the settings configure (e-mail when an SMTP host is set, one per notify URL).

    Raises `EmailConfigError` or `ValueError` (with a secret-free message) for a half-configured channel.
    """
    channels, problems = configure_channels(settings, kinds)
    if problems:
        raise problems[0].error
    return channels


def configure_channels(
    settings: Settings, kinds: Iterable[ChannelKind | str] | None = None
) -> tuple[list[Channel], list[ChannelProblem]]:
    """`channels_from_settings` without raising: the channels built, and one problem per channel that cannot be.

    Used where a bad channel must not stop the good ones (`paperbrief run`). Duplicate notify URLs
    count once.
    """
    wanted = {ChannelKind(k) for k in kinds} if kinds is not None else set(ChannelKind)
    channels: list[Channel] = []
    problems: list[ChannelProblem] = []
    if ChannelKind.EMAIL in wanted and settings.smtp_host:
        try:
            sender = EmailSender(
                settings.smtp_host,
                settings.smtp_port,
                settings.smtp_security,
                settings.smtp_user,
                settings.smtp_password.get_secret_value() if settings.smtp_password else None,
                sender=settings.email_from or "",
                recipients=settings.email_to,
                timeout=settings.smtp_timeout_seconds,
            )
        except EmailConfigError as exc:
            problems.append(ChannelProblem(ChannelKind.EMAIL.value, exc))
        else:
            channels.append(EmailChannel(sender, settings.site_base_url))
    if ChannelKind.CHAT in wanted:
        for url in dict.fromkeys(settings.notify_urls):
            try:
                channels.append(ChatChannel(url, settings.site_base_url))
            except ValueError as exc:  # the message shows the URL masked
                problems.append(ChannelProblem(f"chat:{mask_url(url)}", exc))
    return channels, problems
