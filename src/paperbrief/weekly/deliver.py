"""Sending the weekly report over the configured e-mail and chat channels, once per week and channel.

The store's delivery log (the daily `deliveries` table) is reused: the row's date is the week's
Monday and its channel is `weekly:<channel>` (e.g. `weekly:email`), so a weekly send never
collides with the daily one of that Monday and a rerun skips what was sent.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

import apprise

from paperbrief.deliver import ChannelResult, DeliveryError, DeliveryReport, EmailSender, Outcome
from paperbrief.deliver.chat import scrub_url
from paperbrief.models import DeliveryStatus
from paperbrief.render.weekly import build_weekly_email, weekly_chat_message
from paperbrief.store import Store
from paperbrief.weekly.period import IsoWeek
from paperbrief.weekly.report import WeeklyReport

CHANNEL_PREFIX = "weekly:"


class WeeklyChannel(Protocol):
    """A way to send the weekly report; `name` is the daily channel's secret-free name."""

    @property
    def name(self) -> str:
        """E.g. `email` or `chat:slack://****#1a2b3c4d` (logged as `weekly:<name>`)."""
        ...

    def send(self, report: WeeklyReport) -> None:
        """Deliver the report or raise `DeliveryError`."""
        ...


class WeeklyEmail:
    """The weekly e-mail over the configured SMTP sender."""

    def __init__(self, sender: EmailSender, base_url: str | None = None) -> None:
        self.sender = sender
        self.base_url = base_url

    @property
    def name(self) -> str:
        """Always `email`, like the daily channel."""
        return "email"

    def send(self, report: WeeklyReport) -> None:
        """Build the message (charts inline) and send it."""
        self.sender.send(build_weekly_email(report, self.sender.sender, self.sender.recipients, self.base_url))


class WeeklyChat:
    """A short weekly push to one Apprise URL (https://github.com/caronc/apprise/wiki)."""

    def __init__(self, url: str, name: str, base_url: str | None = None) -> None:
        self._url = url
        self._name = name
        self.base_url = base_url

    def __repr__(self) -> str:
        return f"WeeklyChat({self._name!r})"

    @property
    def name(self) -> str:
        """The daily chat channel's masked name."""
        return self._name

    def send(self, report: WeeklyReport) -> None:
        """Push title and body, or raise `DeliveryError` with the URL's secrets masked."""
        title, body = weekly_chat_message(report, self.base_url)
        notifier = apprise.Apprise(asset=apprise.AppriseAsset(storage_mode="memory"))
        if not notifier.add(self._url):
            raise DeliveryError(scrub_url("unsupported notification URL", self._url))
        capture = apprise.LogCapture(level=logging.WARNING, fmt="%(message)s")  # type: ignore[no-untyped-call]
        with capture as captured:
            try:
                ok = notifier.notify(body=body, title=title, body_format=apprise.NotifyFormat.TEXT)
            except Exception as exc:  # a plugin bug must not stop the other channels
                raise DeliveryError(scrub_url(f"{type(exc).__name__}: {exc}", self._url)) from None
            logged = captured.getvalue()
        if not ok:
            reason = " ".join(line.strip() for line in logged.splitlines() if line.strip())[-400:]
            raise DeliveryError(scrub_url(f"notification failed: {reason or 'no detail'}", self._url))


def deliver_weekly(
    report: WeeklyReport, store: Store, channels: Sequence[WeeklyChannel], resend: bool = False
) -> DeliveryReport:
    """Send the report over every channel not yet sent for its week; an empty week is not sent."""
    monday = IsoWeek.parse(report.week).monday
    result = DeliveryReport(date=monday)
    for channel in channels:
        key = CHANNEL_PREFIX + channel.name
        if report.empty:
            result.results.append(ChannelResult(key, Outcome.NOTHING_TO_SEND))
            continue
        if not resend and store.delivery_status(monday, key) == DeliveryStatus.SENT:
            result.results.append(ChannelResult(key, Outcome.SKIPPED))
            continue
        try:
            channel.send(report)
        except DeliveryError as exc:
            error = str(exc)
        except Exception as exc:  # a bug in one channel must not stop the others; no secrets in the type name
            error = f"unexpected {type(exc).__name__} while sending"
        else:
            store.record_delivery(monday, key, DeliveryStatus.SENT)
            result.results.append(ChannelResult(key, Outcome.SENT))
            continue
        store.record_delivery(monday, key, DeliveryStatus.FAILED, error)
        result.results.append(ChannelResult(key, Outcome.FAILED, error))
    return result
