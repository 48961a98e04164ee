"""The publish stage: the HTML site from every stored digest, then e-mail and chat for one day.

Library code: it takes the store, a `SiteOptions` and built channels (see `factories.py`) and
returns what it did; the CLI prints it. See docs/publishing.md and docs/architecture.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from paperbrief.deliver import Channel, ChannelProblem, ChannelResult, DeliveryReport, Outcome, deliver_digest
from paperbrief.models import Digest
from paperbrief.render.site import SITE_DIRNAME, SiteError, build_site
from paperbrief.store import Store
from paperbrief.store.reader import DEFAULT_READER

__all__ = [
    "NothingStoredError",
    "PublishReport",
    "SiteOptions",
    "SiteReport",
    "given_or_latest",
    "load_all_digests",
    "load_stored_digest",
    "publish_digest",
    "rebuild_site",
]


class NothingStoredError(LookupError):
    """The store holds nothing for the day asked (one-line message for the user)."""


@dataclass(frozen=True)
class SiteOptions:
    """How the site is built: the preferred language of each day, its public URL and feed length."""

    language: str | None = None
    base_url: str | None = None
    feed_days: int = 7


@dataclass(frozen=True)
class SiteReport:
    """A rebuilt site: its index page and every file it holds."""

    index: Path
    files: list[Path]
    notes: list[str] = field(default_factory=list)  # records left out because they could not be rendered


@dataclass
class PublishReport:
    """What publishing one day did: the site (or why not) and each channel's outcome."""

    site: SiteReport | None = None
    site_error: str | None = None
    deliveries: DeliveryReport | None = None  # None when no channel is configured (or delivery was not asked)
    problems: list[ChannelResult] = field(default_factory=list)

    @property
    def failed(self) -> list[str]:
        """Names of what failed: `site` and each failed channel (retried on the next run)."""
        names = ["site"] if self.site_error is not None else []
        names += [r.channel for r in self.problems]
        if self.deliveries is not None:
            names += [r.channel for r in self.deliveries.failures]
        return names


def given_or_latest(given: dt.date | None, stored_newest_first: Sequence[dt.date], nothing: str) -> dt.date:
    """`given` when set, else the newest stored day; raises `NothingStoredError(nothing)` when none is."""
    if given is not None:
        return given
    if not stored_newest_first:
        raise NothingStoredError(nothing)
    return stored_newest_first[0]


def load_stored_digest(
    store: Store, date: dt.date | None, language: str | None = None, reader: str = DEFAULT_READER
) -> Digest:
    """The reader's stored digest of `date` (else of their latest day), in `language` when stored in it."""
    whose = f" for reader {reader}" if reader != DEFAULT_READER else ""
    nothing = f"no digest is stored yet{whose}: run `paperbrief run` first"
    day = given_or_latest(date, store.digest_dates(reader), nothing)
    digest = store.load_digest(day, prefer_language=language, reader=reader)
    if digest is None:
        raise NothingStoredError(
            f"no stored digest{whose} for {day.isoformat()}: run `paperbrief run --date {day.isoformat()}` first"
        )
    return digest


def load_all_digests(store: Store, language: str | None = None, reader: str = DEFAULT_READER) -> list[Digest]:
    """Every stored digest of the reader, newest first (in `language` when stored in it, else any language)."""
    found: list[Digest] = []
    for date in store.digest_dates(reader):
        digest = store.load_digest(date, prefer_language=language, reader=reader)
        if digest is not None:
            found.append(digest)
    return found


def rebuild_site(
    store: Store, out_dir: Path, options: SiteOptions, extra: Digest | None = None, reader: str = DEFAULT_READER
) -> SiteReport:
    """Rebuild `out_dir/site` from the reader's stored digests (`extra` wins for its date); raises `SiteError`."""
    digests = load_all_digests(store, options.language, reader)
    if extra is not None:
        digests = [d for d in digests if d.date != extra.date] + [extra]
    built = build_site(digests, out_dir, base_url=options.base_url, feed_days=options.feed_days)
    return SiteReport(out_dir / SITE_DIRNAME / "index.html", built.files, built.notes)


def publish_digest(
    digest: Digest,
    store: Store,
    out_dir: Path,
    *,
    site: SiteOptions | None,
    channels: Sequence[Channel] = (),
    problems: Sequence[ChannelProblem] = (),
    resend: bool = False,
    reader: str = DEFAULT_READER,
) -> PublishReport:
    """Rebuild the site (unless `site` is None), then send `digest` over `channels` once per day each.

    Never raises for a publishing problem: a site that cannot be written or a channel that cannot be
    built (`problems`) is reported as failed, so a run keeps its digest and exits PARTIAL.
    """
    report = PublishReport(problems=[ChannelResult(p.channel, Outcome.FAILED, str(p.error)) for p in problems])
    if site is not None:
        try:
            report.site = rebuild_site(store, out_dir, site, extra=digest, reader=reader)
        except SiteError as exc:
            report.site_error = str(exc)
    if channels:
        report.deliveries = deliver_digest(digest, store, channels, resend=resend)
    return report
