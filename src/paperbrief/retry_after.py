"""Retry-After parsing shared by the arXiv client and the LLM client.

RFC 9110 §10.2.3 (https://www.rfc-editor.org/rfc/rfc9110#field.retry-after) allows an integer
delay-seconds or an HTTP-date; providers also send fractional seconds ("1.5") and OpenAI sends
`retry-after-ms` (https://github.com/openai/openai-python/blob/main/src/openai/_base_client.py),
so both are accepted here.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
import time
from collections.abc import Callable, Mapping

# ASCII digits only (str.isdigit would take "²"); no sign, exponent, "inf" or "nan".
_SECONDS_RE = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")


def parse_retry_after(value: str | None, *, now: Callable[[], float] | None = None) -> float | None:
    """Seconds to wait from a Retry-After value: integer or fractional seconds, or an HTTP-date (RFC 9110 §10.2.3).

    `now` returns the current Unix time (default `time.time`); a date in the past means 0.0.
    Missing, negative or unreadable values are None.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    seconds = _parse_seconds(text)
    if seconds is not None:
        return seconds
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # "-0000" (no zone information): HTTP-dates are UTC anyway
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, when.timestamp() - (now or time.time)())


def retry_after_from_headers(headers: Mapping[str, str], *, now: Callable[[], float] | None = None) -> float | None:
    """Seconds to wait from headers: `retry-after-ms` (OpenAI) first, else `Retry-After`; None if neither reads."""
    lowered = {key.lower(): value for key, value in headers.items()}
    millis = _parse_seconds(lowered.get("retry-after-ms", "").strip())
    if millis is not None:
        return millis / 1000
    return parse_retry_after(lowered.get("retry-after"), now=now)


def _parse_seconds(text: str) -> float | None:
    return float(text) if _SECONDS_RE.fullmatch(text) else None
