"""E-mail delivery: a multipart/alternative message (plain text + HTML) sent with smtplib.

The HTML part uses tables and inline CSS only, which is what mail clients render
(https://www.caniemail.com/); headers are encoded by `email.policy.SMTP` (RFC 2047 for the
UTF-8 subject, https://www.rfc-editor.org/rfc/rfc2047). The password is never put in an error.
"""

from __future__ import annotations

import base64
import datetime as dt
import smtplib
import socket
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, getaddresses, make_msgid, parseaddr
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from markupsafe import escape

from paperbrief.deliver.base import ChannelKind, DeliveryError
from paperbrief.models import Digest
from paperbrief.render import site_text
from paperbrief.render.fulltext_view import attach_figures, inline_figures
from paperbrief.render.highlights import highlights_html, highlights_plain
from paperbrief.render.jinja_env import template_environment
from paperbrief.render.layout import ordered_entries
from paperbrief.render.safe import clean_model
from paperbrief.render.site_text import labels_for
from paperbrief.render.wording import no_announcement_reason_text

if TYPE_CHECKING:
    from paperbrief.feedback import FeedbackLinks


class SmtpSecurity(StrEnum):
    """How the SMTP connection is protected (https://docs.python.org/3/library/smtplib.html)."""

    NONE = "none"
    STARTTLS = "starttls"
    SSL = "ssl"


class EmailConfigError(ValueError):
    """The e-mail settings are incomplete or invalid."""


def build_email(
    digest: Digest,
    sender: str,
    recipients: Sequence[str],
    base_url: str | None = None,
    figures_dir: Path | None = None,
    feedback: FeedbackLinks | None = None,
) -> EmailMessage:
    """The digest as a multipart/alternative message: plain text first, HTML preferred.

    Text is cleaned first (no forbidden character, no bidi control: `render.safe`); untrusted
    text sits in `<bdi>` in the HTML part. Highlights are HTML (citations link to the papers'
    cards on the site, or to arXiv without a site) and plain text in the text part, never Markdown.
    """
    digest = clean_model(digest)
    labels = labels_for(digest.language)
    env = template_environment(autoescape=True)
    targets = {
        e.number: site_text.day_page_url(base_url, digest.date, e.paper.arxiv_id) or e.paper.abs_url
        for e in ordered_entries(digest)
    }
    context = {
        "digest": digest,
        "labels": labels,
        "subject": site_text.subject_line(digest),
        "page_url": site_text.day_page_url(base_url, digest.date),
        "base_url": base_url.rstrip("/") + "/" if base_url else None,
        "categories": digest.categories_in_order(),
        "footer": site_text.footer_text(digest, labels),
        "count_text": labels.papers.format(n=len(digest.entries)),
        "page_url_for": lambda arxiv_id: site_text.day_page_url(base_url, digest.date, arxiv_id),
        "made_by": site_text.summary_source(digest, labels),
        "reason": no_announcement_reason_text(digest.no_announcement_reason, digest.language, short=True),
        "highlights_html": highlights_html(
            digest.highlights, targets, list_style="margin:0;padding-left:20px;", link_style="color:#1a55b3;"
        ),
        "highlights_text": highlights_plain(digest.highlights),
    }
    figures = inline_figures(digest, figures_dir)  # full-text figures (issue 13), attached as cid: parts
    context["figure_cids"] = {arxiv_id: cid for arxiv_id, (cid, _) in figures.items()}
    text = env.get_template("email/digest.txt").render(**context)
    html = env.get_template("email/digest.html").render(**context)
    if feedback is not None and digest.entries:
        text, html = _with_feedback_links(digest, text, html, feedback)
    message = EmailMessage(policy=SMTP_POLICY)
    message["Subject"] = site_text.subject_line(digest)
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    message["Message-ID"] = make_msgid(idstring=f"paperbrief.{digest.date.isoformat()}")
    message["Content-Language"] = labels.html_lang
    message.set_content(text, subtype="plain", charset="utf-8")
    message.add_alternative(html, subtype="html", charset="utf-8")
    attach_figures(message, figures)
    return message


def _with_feedback_links(digest: Digest, text: str, html: str, links: FeedbackLinks) -> tuple[str, str]:
    """Both parts with a "one-click feedback" block: 👍 👎 🔖 signed links per paper (docs/feedback.md)."""
    lines = ["", "Feedback (one click):"]
    rows = []
    for entry in ordered_entries(digest):
        urls = links.for_paper(entry.paper.arxiv_id)
        lines.append(f"{entry.number}. {site_text.one_line(entry.paper.title, 120)}")
        lines.extend(f"   {emoji} {url}" for emoji, url in urls)
        anchors = " ".join(f'<a href="{escape(url)}" style="text-decoration:none;">{emoji}</a>' for emoji, url in urls)
        rows.append(f"<li><bdi>{escape(site_text.one_line(entry.paper.title, 120))}</bdi> {anchors}</li>")
    block = f'<div class="feedback"><p>Feedback (one click):</p><ol>{"".join(rows)}</ol></div>\n'
    return text.rstrip("\n") + "\n" + "\n".join(lines) + "\n", html.replace("</body>", block + "</body>", 1)


class EmailSender:
    """Sends messages over SMTP with STARTTLS, implicit TLS (`ssl`) or no encryption (`none`)."""

    def __init__(
        self,
        host: str,
        port: int = 587,
        security: SmtpSecurity | str = SmtpSecurity.STARTTLS,
        user: str | None = None,
        password: str | None = None,
        *,
        sender: str,
        recipients: Sequence[str],
        timeout: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if not host:
            raise EmailConfigError("SMTP host is not set (PAPERBRIEF_SMTP_HOST)")
        try:
            self.security = SmtpSecurity(security)
        except ValueError as exc:
            raise EmailConfigError(f"SMTP security must be none, starttls or ssl, not {security!r}") from exc
        if not sender:
            raise EmailConfigError("e-mail sender is not set (PAPERBRIEF_EMAIL_FROM)")
        cleaned = [r.strip() for r in recipients if r.strip()]
        if not cleaned:
            raise EmailConfigError("no e-mail recipient is set (PAPERBRIEF_EMAIL_TO, comma-separated)")
        if password and not user:
            raise EmailConfigError("an SMTP password is set without a user (PAPERBRIEF_SMTP_USER)")
        self.host = host
        self.port = port
        self.user = user
        self._password = password
        self.sender = sender
        self.recipients = cleaned
        self.timeout = timeout
        self._ssl_context = ssl_context

    def __repr__(self) -> str:
        return (
            f"EmailSender(host={self.host!r}, port={self.port}, security={self.security.value!r}, "
            f"user={self.user!r}, password={'****' if self._password else None}, recipients={self.recipients!r})"
        )

    def send(self, message: EmailMessage) -> None:
        """Send one message to every recipient, or raise `DeliveryError` with a secret-free reason."""
        context = self._ssl_context or ssl.create_default_context()
        try:
            client: smtplib.SMTP
            if self.security == SmtpSecurity.SSL:
                client = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            with client:
                client.ehlo()
                if self.security == SmtpSecurity.STARTTLS:
                    client.starttls(context=context)
                    client.ehlo()
                if self.user:
                    client.login(self.user, self._password or "")
                # The envelope takes bare addresses; display names stay in the headers (RFC 5321 section 4.1.2).
                envelope_from = parseaddr(self.sender)[1] or self.sender
                envelope_to = [addr for _, addr in getaddresses(self.recipients) if addr]
                refused = client.send_message(message, from_addr=envelope_from, to_addrs=envelope_to)
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"SMTP {self.host}:{self.port}: {self._describe(exc)}") from None
        if refused:
            raise DeliveryError(f"SMTP {self.host}:{self.port}: recipients refused: {', '.join(sorted(refused))}")

    def _describe(self, exc: BaseException) -> str:
        if isinstance(exc, ConnectionRefusedError):
            text = "connection refused"
        elif isinstance(exc, socket.timeout | TimeoutError):
            text = f"no answer within {self.timeout:g} s"
        elif isinstance(exc, smtplib.SMTPAuthenticationError):
            text = f"authentication failed for user {self.user!r} (code {exc.smtp_code})"
        elif isinstance(exc, smtplib.SMTPNotSupportedError):
            text = f"server does not support this ({exc}); check PAPERBRIEF_SMTP_SECURITY"
        elif isinstance(exc, smtplib.SMTPResponseException):
            raw = exc.smtp_error
            detail = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
            text = f"server answered {exc.smtp_code} {detail}"
        else:
            text = str(exc) or type(exc).__name__
        return self._scrub(" ".join(text.split()))

    def _scrub(self, text: str) -> str:
        # A server may echo what it received; never let the password (or its AUTH encodings) through.
        if not self._password:
            return text
        secrets = {self._password}
        for raw in (f"\0{self.user}\0{self._password}", self._password):
            secrets.add(base64.b64encode(raw.encode("utf-8")).decode("ascii"))
        for secret in secrets:
            text = text.replace(secret, "****")
        return text


class EmailChannel:
    """The `email` channel: one message per day to every recipient."""

    kind = ChannelKind.EMAIL

    def __init__(
        self,
        sender: EmailSender,
        base_url: str | None = None,
        *,
        figures_dir: Path | None = None,
        feedback: FeedbackLinks | None = None,
        reader: str | None = None,
    ) -> None:
        self.sender = sender
        self.base_url = base_url
        self.figures_dir = figures_dir  # OUT: full-text figures are attached inline from OUT/figures
        self.feedback = feedback
        self.reader = reader

    @property
    def name(self) -> str:
        """`email` (one log row per day whatever the recipients); `email:READER` for a lab's reader."""
        return f"email:{self.reader}" if self.reader else "email"

    def send(self, digest: Digest) -> None:
        """Build the day's message and send it."""
        message = build_email(
            digest, self.sender.sender, self.sender.recipients, self.base_url, self.figures_dir, self.feedback
        )
        self.sender.send(message)
