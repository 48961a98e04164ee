"""What every delivery channel shares: the `Channel` protocol, its error and the outcome of a run."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol, runtime_checkable

from paperbrief.models import Digest


class DeliveryError(Exception):
    """A channel could not deliver; the message is one line and carries no secret."""


class ChannelKind(StrEnum):
    """Families of channels that `paperbrief deliver --channel` selects."""

    EMAIL = "email"
    CHAT = "chat"


@runtime_checkable
class Channel(Protocol):
    """A way to send a digest. `name` is the stable, secret-free id used in the delivery log."""

    @property
    def name(self) -> str:
        """Stable id, e.g. `email` or `chat:slack://****#1a2b3c4d`."""
        ...

    @property
    def kind(self) -> ChannelKind:
        """The family of the channel."""
        ...

    def send(self, digest: Digest) -> None:
        """Deliver the digest or raise `DeliveryError`."""
        ...


class Outcome(StrEnum):
    """What happened to one channel in one `deliver_digest` call."""

    SENT = "sent"
    SKIPPED = "skipped"  # already sent earlier (the delivery log says so)
    FAILED = "failed"
    NOTHING_TO_SEND = "nothing-to-send"  # a day without an announcement


@dataclass(frozen=True)
class ChannelResult:
    """One channel's outcome."""

    channel: str
    outcome: Outcome
    error: str | None = None


@dataclass(frozen=True)
class ChannelProblem:
    """A configured channel that cannot be built: its secret-free name and the typed, one-line error."""

    channel: str
    error: ValueError  # `EmailConfigError` for e-mail, `ValueError` for a bad Apprise URL


@dataclass
class DeliveryReport:
    """The outcome of delivering one day's digest over every channel."""

    date: dt.date
    results: list[ChannelResult] = field(default_factory=list)

    @property
    def failures(self) -> list[ChannelResult]:
        """Results of the channels that failed (retried on the next run)."""
        return [r for r in self.results if r.outcome == Outcome.FAILED]

    @property
    def failed(self) -> list[str]:
        """Names of the channels that failed."""
        return [r.channel for r in self.failures]

    @property
    def sent(self) -> list[str]:
        """Names of the channels that sent now."""
        return [r.channel for r in self.results if r.outcome == Outcome.SENT]

    @property
    def ok(self) -> bool:
        """True when no channel failed."""
        return not self.failed
