"""`paperbrief.redact`: the one masking function for URLs and secrets (expected values written by hand)."""

from __future__ import annotations

import pytest

from paperbrief.redact import mask_notify_url, mask_text, mask_url


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql+psycopg://u:s3cret@db:5432/pb", "postgresql+psycopg://u:****@db:5432/pb"),
        ("postgresql://db/pb?user=u&password=hunter2", "postgresql://db/pb?user=u&password=****"),
        ("postgresql://db/pb?sslmode=require&PASSWORD=x", "postgresql://db/pb?sslmode=require&PASSWORD=****"),
        ("https://api.example.org/v1?api_key=abc&x=1", "https://api.example.org/v1?api_key=****&x=1"),
        ("http://127.0.0.1:9/v1", "http://127.0.0.1:9/v1"),
        ("sqlite:////tmp/home/paperbrief.db", "sqlite:////tmp/home/paperbrief.db"),
        ("http://[::1]:8080/v1", "http://[::1]:8080/v1"),
    ],
)
def test_mask_url_hides_passwords_in_user_info_and_query(url: str, shown: str) -> None:
    assert mask_url(url) == shown


def test_mask_url_of_a_malformed_port_shows_nothing() -> None:
    assert mask_url("http://h:notaport/x?password=p") == "****"


def test_mask_notify_url_keeps_the_scheme_only() -> None:
    assert mask_notify_url("tgram://123456:TOKEN/chat") == "tgram://****"


def test_mask_text_masks_secrets_user_info_and_query_values_inside_a_message() -> None:
    text = "cannot open postgresql://u:pw@h/pb?password=zz&user=u: key sk-live-1 refused"
    assert mask_text(text, "sk-live-1") == "cannot open postgresql://****@h/pb?password=****&user=u: key **** refused"
