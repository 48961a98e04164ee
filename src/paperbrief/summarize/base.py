"""The summarizer seam: every backend turns papers into `Summary` objects the same way."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from paperbrief.models import Paper, Summary

ResultCallback = Callable[[Summary], None]


class Summarizer(Protocol):
    """A summarizer backend (extractive, llm, …).

    `summarize` is called only with papers missing from the cache. It must call `on_result` for
    each summary as soon as it exists (the pipeline stores it at once, so Ctrl-C loses nothing
    already paid for) and return every summary, one per paper, in input order. A backend never
    invents a value: a failure is a `Summary` with status `failed` and an `error`.
    """

    backend: str
    model: str
    prompt_version: str
    language: str

    def summarize(self, papers: Sequence[Paper], on_result: ResultCallback | None = None) -> list[Summary]:
        """Summarize papers (cache misses only)."""
        ...
