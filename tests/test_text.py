"""The shared text helpers: one-line errors and characters that XML 1.0 and PostgreSQL forbid."""

from __future__ import annotations

import pytest

from paperbrief.text import clean_text, has_forbidden_chars, one_line


class _Wrapped(Exception):
    def __init__(self, orig: BaseException) -> None:
        super().__init__("wrapper text")
        self.orig = orig


def test_one_line_takes_the_first_line_or_the_type_name() -> None:
    assert one_line(ValueError("first\nsecond")) == "first"
    assert one_line(ValueError("  ")) == "ValueError"
    assert one_line(_Wrapped(RuntimeError("inner\nmore"))) == "inner"


@pytest.mark.parametrize("bad", ["\x00", "\x01", "\x0b", "\x1f", "\ufffe", "\uffff", "\ud800"])
def test_forbidden_characters_are_removed(bad: str) -> None:
    text = f"Title{bad} with 中文 🚀 and $\\mathcal{{L}}$"
    assert has_forbidden_chars(text)
    assert clean_text(text) == "Title with 中文 🚀 and $\\mathcal{L}$"


def test_allowed_whitespace_and_unicode_survive() -> None:
    text = "a\tb\nc\rd — 大语言模型 ✓ \u202e"
    assert not has_forbidden_chars(text)
    assert clean_text(text) == text
