"""One-click feedback links in e-mail and chat (issue 12): HMAC-signed, per reader, expiring."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from fakes.digests import sample_digest
from paperbrief.deliver.chat import chat_message
from paperbrief.deliver.email import build_email
from paperbrief.factories import configure_channels, settings_for_reader
from paperbrief.feedback import FeedbackLinks, LinkClaim, LinkError, sign_link, verify_link
from paperbrief.settings import Settings

SECRET = "s3cret-for-links-only"
LINK_RE = re.compile(r"(👍|👎|🔖) (https://papers\.example\.org/feedback\?t=([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+))")


def _links(text: str) -> list[tuple[str, str, str]]:
    return [(m.group(1), m.group(2), m.group(3)) for m in LINK_RE.finditer(text)]


def test_email_carries_three_signed_links_per_paper_for_its_reader() -> None:
    digest = sample_digest("en")
    links = FeedbackLinks("https://papers.example.org/", SECRET, reader="alice", valid_days=14)
    before = time.time()
    message = build_email(digest, "pb@example.org", ["alice@example.org"], None, feedback=links)
    after = time.time()
    text_part = message.get_body(("plain",))
    html_part = message.get_body(("html",))
    assert text_part is not None and html_part is not None
    found = _links(text_part.get_content())
    assert len(found) == 3 * len(digest.entries)
    emoji, _url, token = found[0]
    claim = verify_link(SECRET, token)
    assert (emoji, claim.reader, claim.action) == ("👍", "alice", "like")
    assert claim.arxiv_id in {e.paper.arxiv_id for e in digest.entries}
    # Expiry = the signing time + 14 days: bracketed by the clock read before and after building.
    assert int(before + 14 * 86400) <= claim.expires <= int(after + 14 * 86400)
    assert html_part.get_content().count("https://papers.example.org/feedback?t=") == 3 * len(digest.entries)
    assert SECRET not in text_part.get_content() and SECRET not in html_part.get_content()


def test_chat_message_carries_links_for_the_top_papers() -> None:
    digest = sample_digest("en")
    digest.highlights = None
    links = FeedbackLinks("https://papers.example.org", SECRET, reader="bob")
    _title, body = chat_message(digest, None, top_n=3, feedback=links)
    found = _links(body)
    assert [e for e, _, _ in found] == ["👍", "👎", "🔖"] * 3
    assert {verify_link(SECRET, t).reader for _, _, t in found} == {"bob"}


def test_without_links_configured_nothing_is_added() -> None:
    digest = sample_digest("en")
    message = build_email(digest, "pb@example.org", ["a@example.org"])
    text_part = message.get_body(("plain",))
    assert text_part is not None and "/feedback?t=" not in text_part.get_content()


def test_valid_expired_and_tampered_tokens() -> None:
    now = 1_800_000_000.0
    token = sign_link(SECRET, LinkClaim("alice", "2602.04837", "dislike", int(now) + 60))
    assert verify_link(SECRET, token, now=now) == LinkClaim("alice", "2602.04837", "dislike", int(now) + 60)
    with pytest.raises(LinkError, match="expired"):
        verify_link(SECRET, token, now=now + 61)
    payload, mac = token.split(".")
    mallory = sign_link("other", LinkClaim("mallory", "2602.04837", "dislike", int(now) + 60)).split(".")[0]
    with pytest.raises(LinkError, match="signature mismatch"):
        verify_link(SECRET, f"{mallory}.{mac}", now=now)
    flipped = payload[:-1] + ("A" if payload[-1] != "A" else "B")
    with pytest.raises(LinkError):
        verify_link(SECRET, f"{flipped}.{mac}", now=now)
    with pytest.raises(LinkError, match="signature mismatch"):
        verify_link("wrong secret", token, now=now)
    with pytest.raises(LinkError):
        verify_link(SECRET, "no-dot-here", now=now)


def test_settings_give_each_lab_reader_their_own_signed_channels(tmp_path: Path) -> None:
    settings = Settings(
        home=tmp_path,
        smtp_host="127.0.0.1",
        email_from="pb@example.org",
        feedback_base_url="https://papers.example.org",
        feedback_secret=SECRET,
        readers={"alice": {"email_to": ["alice@example.org"]}, "bob": {"email_to": ["bob@example.org"]}},
    )
    channels, problems = configure_channels(settings_for_reader(settings, "alice"))
    assert problems == []
    (email,) = channels
    assert email.name == "email:alice"
    assert email.feedback.reader == "alice"
    assert email.sender.recipients == ["alice@example.org"]
