"""The deliver stage: e-mail and chat pushes of a day's digest, each sent once per (date, channel).

The store's `deliveries` table is the log: a channel already `sent` for a date is skipped, a
`failed` one is tried again on the next call, and `resend=True` sends regardless. Channels are
independent: one failing never stops the others. Delivery is at-least-once: a crash between a
successful send and its log row means that channel sends again on the next run. Channels are
built from settings by `paperbrief.factories.configure_channels`; this package never reads settings.
"""

from __future__ import annotations

from collections.abc import Sequence

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
