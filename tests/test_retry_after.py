"""Retry-After parsing shared by the arXiv and LLM clients (RFC 9110 §10.2.3, plus `retry-after-ms`)."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from paperbrief.retry_after import parse_retry_after, retry_after_from_headers

NOW = dt.datetime(2026, 2, 5, 6, 0, 0, tzinfo=dt.UTC).timestamp()


def _now() -> float:
    return NOW


def test_retry_after_http_date_and_seconds() -> None:
    """Retry-After as delay-seconds or an HTTP-date (https://www.rfc-editor.org/rfc/rfc9110#field.retry-after)."""
    assert parse_retry_after("120", now=_now) == 120.0
    assert parse_retry_after("Thu, 05 Feb 2026 06:00:30 GMT", now=_now) == 30.0
    assert parse_retry_after("Thu, 05 Feb 2026 05:00:00 GMT", now=_now) == 0.0  # in the past: retry now
    assert parse_retry_after("soon", now=_now) is None
    assert parse_retry_after(None, now=_now) is None


def test_quirk_fractional_retry_after_seconds() -> None:
    """Providers send fractional seconds ("1.5"), which openai-python accepts with float():
    https://github.com/openai/openai-python/blob/main/src/openai/_base_client.py ."""
    assert parse_retry_after("1.5") == 1.5
    assert parse_retry_after(" 0.25 ") == 0.25
    assert parse_retry_after("2.") == 2.0
    assert parse_retry_after(".5") == 0.5
    assert parse_retry_after("0") == 0.0


@pytest.mark.parametrize("value", ["", "  ", "-1", "-0.5", "+3", "1e3", "inf", "nan", "NaN", "1,5", "²", "1 2", "Thu"])
def test_negative_or_garbage_retry_after_is_none(value: str) -> None:
    assert parse_retry_after(value, now=_now) is None


def test_http_date_without_zone_is_utc() -> None:
    """`-0000` means "no zone information" (RFC 5322 §3.3); an HTTP-date is UTC anyway."""
    assert parse_retry_after("Thu, 05 Feb 2026 06:01:00 -0000", now=_now) == 60.0


def test_http_date_uses_the_clock_by_default() -> None:
    far = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    wait = parse_retry_after(far)
    assert wait is not None and 3000 < wait <= 3600


def test_quirk_openai_retry_after_ms_wins() -> None:
    """OpenAI sends `retry-after-ms` next to `Retry-After` and it takes precedence, as in openai-python's
    `_parse_retry_after_header`: https://github.com/openai/openai-python/blob/main/src/openai/_base_client.py ."""
    headers = httpx.Headers({"Retry-After": "20", "retry-after-ms": "1500"})
    assert retry_after_from_headers(headers) == 1.5
    assert retry_after_from_headers({"Retry-After-Ms": "250.5"}) == 0.2505  # any header case


def test_unreadable_retry_after_ms_falls_back_to_retry_after() -> None:
    assert retry_after_from_headers(httpx.Headers({"retry-after-ms": "-5", "Retry-After": "3"})) == 3.0
    dated = {"retry-after-ms": "soon", "retry-after": "Thu, 05 Feb 2026 06:00:30 GMT"}
    assert retry_after_from_headers(dated, now=_now) == 30.0
    assert retry_after_from_headers(httpx.Headers({"retry-after-ms": "x"})) is None
    assert retry_after_from_headers({}) is None
