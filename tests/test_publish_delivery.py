"""E-mail and chat delivery against local servers (aiosmtpd, an HTTP webhook), sent once per day and channel."""

from __future__ import annotations

import datetime as dt
import email
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult

from fakes.digests import SAMPLE_DATE, empty_digest, sample_digest
from fakes.publish_servers import free_port, smtp_server, webhook_server
from paperbrief.deliver import (
    ChannelProblem,
    ChatChannel,
    DeliveryError,
    EmailChannel,
    EmailConfigError,
    EmailSender,
    Outcome,
    deliver_digest,
    mask_url,
)
from paperbrief.deliver.chat import chat_message, scrub_url
from paperbrief.deliver.email import build_email
from paperbrief.factories import channels_from_settings, configure_channels
from paperbrief.models import DeliveryStatus, Digest, SummaryStatus
from paperbrief.settings import Settings
from paperbrief.store import Store

SITE = "https://example.org/pb"
SUBJECT_ZH = "arXiv AI 论文日报 | 2026-02-04（30 篇）"


def _sender(port: int, **kwargs: Any) -> EmailSender:
    return EmailSender(
        "127.0.0.1",
        port,
        "none",
        sender="paperbrief@example.org",
        recipients=["ada@example.org", "  ", "李雷 <lilei@example.org>"],
        timeout=10,
        **kwargs,
    )


def _parse(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=default_policy)
    assert isinstance(message, EmailMessage)
    return message


def _top_by_score(digest: Digest, n: int) -> list[str]:
    ranked = sorted(
        range(len(digest.entries)),
        key=lambda i: (-(digest.entries[i].summary.score or 0), i),  # type: ignore[union-attr]
    )
    return [digest.entries[i].paper.title for i in ranked[:n]]


# --- e-mail -----------------------------------------------------------------------------------


def test_email_is_received_with_utf8_subject_both_parts_and_links(store: Store) -> None:
    digest = sample_digest()
    with smtp_server() as (port, received):
        report = deliver_digest(digest, store, [EmailChannel(_sender(port), base_url=SITE)])
    assert [(r.channel, r.outcome) for r in report.results] == [("email", Outcome.SENT)]
    assert len(received) == 1
    mail = received[0]
    assert mail.mail_from == "paperbrief@example.org"
    assert mail.rcpt_tos == ["ada@example.org", "lilei@example.org"]
    raw_headers = mail.data.split(b"\r\n\r\n", 1)[0]
    assert b"=?utf-8?" in raw_headers.lower()  # RFC 2047: the raw header is 7-bit
    raw_headers.decode("ascii")
    message = _parse(mail.data)
    assert message["Subject"] == SUBJECT_ZH
    assert message["From"] == "paperbrief@example.org"
    assert "lilei@example.org" in message["To"]
    assert message["Message-ID"] and message["Date"]
    assert message.get_content_type() == "multipart/alternative"
    parts = {part.get_content_type(): part for part in message.iter_parts()}
    assert set(parts) == {"text/plain", "text/html"}
    text = parts["text/plain"].get_content()
    html = parts["text/html"].get_content()
    for body in (text, html):
        assert "https://arxiv.org/abs/2602.04837v1" in body
        assert "https://arxiv.org/pdf/2602.04837v1" in body
        assert f"{SITE}/2026-02-04.html" in body
        assert "提出了一种新颖的群体进化代理（GEA）框架" in body  # a tldr, UTF-8 intact
    assert text.startswith(SUBJECT_ZH)
    assert "<script" not in html.lower()
    assert 'style="' in html and "<table" in html
    assert html.count('<tr><td style="padding:14px 24px;border-top') == 30


def test_second_delivery_sends_nothing_and_resend_sends_again(store: Store) -> None:
    digest = sample_digest()
    with smtp_server() as (port, received):
        channel = EmailChannel(_sender(port))
        first = deliver_digest(digest, store, [channel])
        second = deliver_digest(digest, store, [channel])
        assert len(received) == 1
        third = deliver_digest(digest, store, [channel], resend=True)
        assert len(received) == 2
    assert first.results[0].outcome == Outcome.SENT
    assert second.results[0].outcome == Outcome.SKIPPED and second.ok
    assert third.results[0].outcome == Outcome.SENT
    rows = store.list_deliveries(SAMPLE_DATE)
    assert [(r["channel"], r["status"], r["attempts"]) for r in rows] == [("email", "sent", 2)]


def test_refused_connection_is_reported_recorded_and_retried_next_run(store: Store) -> None:
    digest = sample_digest()
    closed = free_port()
    failed = deliver_digest(digest, store, [EmailChannel(_sender(closed))])
    assert not failed.ok
    result = failed.results[0]
    assert result.outcome == Outcome.FAILED
    assert result.error == f"SMTP 127.0.0.1:{closed}: connection refused"
    assert store.delivery_status(SAMPLE_DATE, "email") == DeliveryStatus.FAILED
    with smtp_server() as (port, received):
        retried = deliver_digest(digest, store, [EmailChannel(_sender(port))])
    assert retried.results[0].outcome == Outcome.SENT
    assert len(received) == 1
    row = store.list_deliveries(SAMPLE_DATE)[0]
    assert (row["status"], row["attempts"], row["last_error"]) == ("sent", 2, None)


def test_authentication_failure_never_shows_the_password(store: Store) -> None:
    password = "s3cret-Pa55word"
    seen: list[Any] = []

    def reject(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        seen.append(auth_data)
        return AuthResult(success=False, handled=False)

    with smtp_server(authenticator=reject, auth_require_tls=False) as (port, received):
        sender = _sender(port, user="paperbrief", password=password)
        report = deliver_digest(sample_digest(), store, [EmailChannel(sender)])
    assert seen, "the client never tried to log in"
    assert received == []
    error = report.results[0].error or ""
    assert "authentication failed for user 'paperbrief' (code 535)" in error
    assert password not in error
    assert password not in repr(sender)
    assert password not in str(store.list_deliveries())


def test_email_config_errors_are_one_line_and_typed() -> None:
    with pytest.raises(EmailConfigError, match="PAPERBRIEF_EMAIL_TO"):
        EmailSender("smtp.example.org", sender="a@example.org", recipients=[" "])
    with pytest.raises(EmailConfigError, match="none, starttls or ssl"):
        EmailSender("smtp.example.org", security="tls", sender="a@example.org", recipients=["b@example.org"])
    with pytest.raises(EmailConfigError, match="PAPERBRIEF_EMAIL_FROM"):
        EmailSender("smtp.example.org", sender="", recipients=["b@example.org"])


def test_english_subject_and_failed_score_is_not_zero() -> None:
    digest = sample_digest("en")
    summary = digest.entries[0].summary
    assert summary is not None
    summary.score = None
    summary.status = SummaryStatus.FAILED
    message = build_email(digest, "a@example.org", ["b@example.org"])
    assert message["Subject"] == "arXiv AI digest | 2026-02-04 (30 papers)"
    text = next(p for p in message.iter_parts() if p.get_content_type() == "text/plain").get_content()
    first_paper = text.split("\n2. ", 1)[0]
    assert "Score: Scoring failed" in first_paper
    assert "Score: 0" not in text


def test_no_announcement_day_sends_nothing(store: Store) -> None:
    with smtp_server() as (port, received):
        report = deliver_digest(empty_digest(dt.date(2026, 2, 6)), store, [EmailChannel(_sender(port))])
    assert report.results[0].outcome == Outcome.NOTHING_TO_SEND
    assert received == []
    assert store.list_deliveries() == []


# --- chat -------------------------------------------------------------------------------------


def test_chat_push_arrives_through_apprise_json_webhook(store: Store) -> None:
    digest = sample_digest()
    with webhook_server() as (port, posts):
        url = f"json://robot:hunter2pass@127.0.0.1:{port}/hooks/T0KEN-abcdef123456"
        channel = ChatChannel(url, base_url=SITE)
        report = deliver_digest(digest, store, [channel])
    assert report.ok, report.results
    assert len(posts) == 1
    post = posts[0]
    assert post.path == "/hooks/T0KEN-abcdef123456"
    payload = post.json()
    assert payload["title"] == SUBJECT_ZH
    message = payload["message"]
    top = _top_by_score(digest, 5)
    for rank, title in enumerate(top, start=1):
        assert f"{rank}. {title}" in message
    assert _top_by_score(digest, 6)[5] not in message
    assert "提出了一种新颖的群体进化代理（GEA）框架" in message  # the top paper's tldr
    assert f"{SITE}/2026-02-04.html#2602.04837" in message
    assert message.rstrip().endswith(f"{SITE}/2026-02-04.html")
    # The channel id is stable and masked.
    assert channel.name == f"chat:{mask_url(url)}"
    assert channel.name.startswith(f"chat:json://127.0.0.1:{port}/****#")
    for secret in ("hunter2pass", "T0KEN-abcdef123456", "robot"):
        assert secret not in channel.name
        assert secret not in repr(channel)
    assert store.delivery_status(SAMPLE_DATE, channel.name) == DeliveryStatus.SENT


def test_chat_uses_highlights_when_present() -> None:
    digest = sample_digest()
    digest.highlights = "今日看点：智能体自我进化与扩散模型加速是两大主题。"
    title, body = chat_message(digest, None)
    assert title == SUBJECT_ZH
    assert digest.highlights in body
    assert "1. " not in body
    assert "http" not in body  # no base URL: no site link


def test_failing_webhook_is_recorded_masked_and_does_not_stop_email(store: Store) -> None:
    digest = sample_digest()
    with webhook_server(status=500) as (hook_port, posts), smtp_server() as (smtp_port, received):
        url = f"json://127.0.0.1:{hook_port}/secret-path-S3CR3T"
        report = deliver_digest(digest, store, [ChatChannel(url), EmailChannel(_sender(smtp_port))])
    outcomes = {r.channel: r.outcome for r in report.results}
    assert outcomes["email"] == Outcome.SENT and len(received) == 1
    chat_result = next(r for r in report.results if r.channel.startswith("chat:"))
    assert chat_result.outcome == Outcome.FAILED and len(posts) >= 1
    assert chat_result.error and "S3CR3T" not in chat_result.error and "secret-path" not in chat_result.error
    assert "S3CR3T" not in str(store.list_deliveries())
    assert "500" in chat_result.error
    # Retried on the next run (and only the failed channel), now that the webhook answers 200.
    with webhook_server(port=hook_port) as (_, posts2), smtp_server() as (smtp_port2, received2):
        again = deliver_digest(digest, store, [ChatChannel(url), EmailChannel(_sender(smtp_port2))])
    outcomes = {r.channel: r.outcome for r in again.results}
    assert outcomes == {chat_result.channel: Outcome.SENT, "email": Outcome.SKIPPED}
    assert len(posts2) == 1 and received2 == []
    assert store.delivery_status(SAMPLE_DATE, chat_result.channel) == DeliveryStatus.SENT


@pytest.mark.parametrize(
    ("url", "secrets"),
    [
        (
            "tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/-1001234567/",
            ["123456789", "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"],
        ),
        ("slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#general", ["T1JJ3T3L2", "TIiajkdnlazkcOXrIdevi7FQ"]),
        ("discord://4174216298/JHMHI8qBe7bk2ZwO5U711o3dV_js", ["4174216298", "JHMHI8qBe7bk2ZwO5U711o3dV_js"]),
        ("dingtalk://a1b2c3d4e5f6a1b2c3d4e5f6/", ["a1b2c3d4e5f6a1b2c3d4e5f6"]),
        ("wecombot://abcd-1234-efgh-5678", ["abcd-1234-efgh-5678"]),
        ("ntfys://user:pass1234@ntfy.example.org/my-private-topic", ["pass1234", "my-private-topic"]),
        ("jsons://user:pw12345@hooks.example.org/path/tok3n?x=1", ["pw12345", "tok3n"]),
    ],
)
def test_mask_url_hides_tokens(url: str, secrets: list[str]) -> None:
    masked = mask_url(url)
    assert masked.split("://")[0] == url.split("://")[0]
    for secret in secrets:
        assert secret not in masked
        # e.g. Telegram's API URL embeds the token: https://api.telegram.org/bot<token>/sendMessage
        assert secret not in scrub_url(f"failed to reach {url}: https://api.example/bot{secret}/send", url)
    assert mask_url(url) == masked  # stable
    assert mask_url(url + "x") != masked  # two URLs of one service stay apart


def test_invalid_apprise_url_is_a_clear_error_without_the_url() -> None:
    with pytest.raises(ValueError, match=r"not a valid Apprise notification URL: nosuchservice://\*\*\*\*#"):
        ChatChannel("nosuchservice://very-secret-token")


def test_email_sender_errors_are_delivery_errors() -> None:
    sender = _sender(free_port())
    message = build_email(sample_digest(), sender.sender, sender.recipients)
    with pytest.raises(DeliveryError, match="connection refused"):
        sender.send(message)


def test_configure_channels_collects_problems_and_channels_from_settings_raises_them(tmp_path: Path) -> None:
    """One bad channel does not hide the good ones; duplicate notify URLs give one channel."""
    hook = "json://127.0.0.1:9/secret-token-1234"
    settings = Settings(home=tmp_path, smtp_host="127.0.0.1", notify_urls=[hook, "bogus://x", hook])
    channels, problems = configure_channels(settings)
    assert [c.name for c in channels] == [f"chat:{mask_url(hook)}"]
    assert [p.channel for p in problems] == ["email", f"chat:{mask_url('bogus://x')}"]
    assert isinstance(problems[0].error, EmailConfigError) and isinstance(problems[1], ChannelProblem)
    assert "secret-token-1234" not in " ".join(str(p.error) for p in problems)
    assert configure_channels(settings, ["chat"])[1][0].channel.startswith("chat:bogus")
    with pytest.raises(EmailConfigError):
        channels_from_settings(settings)
    with pytest.raises(ValueError, match="not a valid Apprise notification URL"):
        channels_from_settings(settings, ["chat"])


def test_load_digest_prefers_a_language_but_falls_back_to_any(store: Store) -> None:
    """`prefer_language` orders, `language` filters: one query instead of "mine, else any"."""
    store.save_digest(sample_digest(language="zh"))
    store.save_digest(sample_digest(language="en"))  # written last: the newest
    other_day = SAMPLE_DATE - dt.timedelta(days=1)
    store.save_digest(sample_digest(language="en", date=other_day))

    def language(digest: Digest | None) -> str | None:
        return digest.language if digest is not None else None

    assert language(store.load_digest(SAMPLE_DATE, prefer_language="zh")) == "zh"
    assert language(store.load_digest(SAMPLE_DATE, prefer_language="en")) == "en"
    assert language(store.load_digest(other_day, prefer_language="zh")) == "en"
    assert language(store.load_digest(SAMPLE_DATE, "zh", prefer_language="en")) == "zh"
    assert store.load_digest(other_day, "zh", prefer_language="zh") is None
    assert store.load_digest(SAMPLE_DATE - dt.timedelta(days=9), prefer_language="zh") is None
