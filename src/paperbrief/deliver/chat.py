"""Chat delivery through Apprise notification URLs (Slack, Telegram, Discord, DingTalk, Feishu/Lark,
WeCom, ntfy, a generic `json://` webhook, …): https://github.com/caronc/apprise/wiki.

Apprise URLs carry tokens (often in the host part, e.g. `tgram://bottoken/chat`), so a URL is
only ever shown masked: its scheme, the host of plain webhooks, and a short hash that keeps
two URLs of one service apart (`mask_url`).
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

import apprise

from paperbrief.deliver.base import ChannelKind, DeliveryError
from paperbrief.models import Digest
from paperbrief.redact import notify_url_id
from paperbrief.render import site_text
from paperbrief.render.highlights import highlights_plain
from paperbrief.render.numbers_marks import summary_mark_text
from paperbrief.render.safe import clean_model
from paperbrief.render.site_text import labels_for

if TYPE_CHECKING:
    from paperbrief.feedback import FeedbackLinks

_SEGMENT_SPLIT = re.compile(r"[/:@?&=#,+]")
# The one notification-URL id of paperbrief.redact, under the name callers of this module know.
mask_url = notify_url_id


def scrub_url(text: str, url: str) -> str:
    """`text` with every non-trivial part of `url` (tokens, ids, passwords) replaced by `****`."""
    scheme = url.partition("://")[0]
    parts = {p for p in _SEGMENT_SPLIT.split(url.partition("://")[2]) if len(p) >= 4}
    parts.discard(scheme)
    text = text.replace(url, mask_url(url))
    for part in sorted(parts, key=len, reverse=True):
        text = text.replace(part, "****")
    return text


def chat_message(
    digest: Digest, base_url: str | None = None, top_n: int = 5, feedback: FeedbackLinks | None = None
) -> tuple[str, str]:
    """(title, body) of the chat push: the highlights, or the top papers with their tldrs, and a link.

    Plain text: no forbidden character, no bidi control (`render.safe`), highlights without Markdown.
    """
    digest = clean_model(digest)
    labels = labels_for(digest.language)
    title = site_text.subject_line(digest)
    lines: list[str] = []
    if digest.no_announcement:
        lines.append(labels.no_announcement)
    elif digest.highlights and highlights_plain(digest.highlights):
        lines.append(f"{labels.highlights}:")
        text = highlights_plain(digest.highlights)
        lines.append(text if len(text) <= 1500 else text[:1499].rstrip() + "…")
        if feedback is not None:  # one-click signed links (docs/feedback.md)
            for entry in site_text.ranked_entries(digest)[:top_n]:
                links = " ".join(f"{emoji} {url}" for emoji, url in feedback.for_paper(entry.paper.arxiv_id))
                lines.append(f"{site_text.one_line(entry.paper.title, 120)}: {links}")
    else:
        for rank, entry in enumerate(site_text.ranked_entries(digest)[:top_n], start=1):
            score = site_text.score_text(entry, labels)
            lines.append(f"{rank}. {site_text.one_line(entry.paper.title, 200)} ({labels.score} {score})")
            if entry.summary is not None and entry.summary.tldr:
                lines.append(f"   {site_text.one_line(entry.summary.tldr, 240)}")
            if entry.summary is not None and entry.summary.unsupported_numbers:  # issue 16
                mark = summary_mark_text(entry.summary, entry.summary.unsupported_numbers, digest.language)
                lines.append(f"   {mark.strip()}")
            link = site_text.day_page_url(base_url, digest.date, entry.paper.arxiv_id) or entry.paper.abs_url
            lines.append(f"   {link}")
            if feedback is not None:  # one-click signed links (docs/feedback.md)
                lines.extend(f"   {emoji} {url}" for emoji, url in feedback.for_paper(entry.paper.arxiv_id))
    page = site_text.day_page_url(base_url, digest.date)
    if page:
        lines.append("")
        lines.append(f"{labels.read_online}: {page}")
    return title, "\n".join(lines)


class ChatChannel:
    """One Apprise URL as a delivery channel, named `chat:<masked url>`."""

    kind = ChannelKind.CHAT

    def __init__(
        self,
        url: str,
        base_url: str | None = None,
        *,
        top_n: int = 5,
        feedback: FeedbackLinks | None = None,
        reader: str | None = None,
    ) -> None:
        self._url = url.strip()
        self.base_url = base_url
        self.top_n = top_n
        self.feedback = feedback
        self.reader = reader
        self._masked = mask_url(self._url)
        asset = apprise.AppriseAsset(storage_mode="memory")  # no cache files written on the user's disk
        self._apprise = apprise.Apprise(asset=asset)
        if not self._apprise.add(self._url):
            raise ValueError(f"not a valid Apprise notification URL: {self._masked}")

    @property
    def name(self) -> str:
        """`chat:` and the masked URL: stable across runs, no token in it (`#READER` for a lab's reader)."""
        return f"chat:{self._masked}" + (f"#{self.reader}" if self.reader else "")

    def __repr__(self) -> str:
        return f"ChatChannel({self._masked!r})"

    def send(self, digest: Digest) -> None:
        """Push the short message, or raise `DeliveryError` with what Apprise logged (tokens masked)."""
        title, body = chat_message(digest, self.base_url, self.top_n, self.feedback)
        capture = apprise.LogCapture(level=logging.WARNING, fmt="%(message)s")  # type: ignore[no-untyped-call]
        with capture as captured:
            try:
                ok = self._apprise.notify(body=body, title=title, body_format=apprise.NotifyFormat.TEXT)
            except Exception as exc:  # a plugin bug must not stop the other channels
                raise DeliveryError(scrub_url(f"{type(exc).__name__}: {exc}", self._url)) from None
            logged = captured.getvalue()
        if not ok:
            reason = " ".join(line.strip() for line in logged.splitlines() if line.strip())[-400:]
            raise DeliveryError(scrub_url(f"notification failed: {reason or 'no detail'}", self._url))
