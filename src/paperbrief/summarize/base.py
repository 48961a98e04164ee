"""The summarizer seam: every backend turns papers into `Summary` objects the same way.

A backend returns everything the pipeline needs as values (`SummarizeResult`, `HighlightsResult`),
so the pipeline never inspects a backend's type or attributes beyond this protocol.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from paperbrief.models import DigestEntry, Paper, Summary

if TYPE_CHECKING:
    from paperbrief.store import Store

ResultCallback = Callable[[Summary], None]


class Scoring(StrEnum):
    """Whether a backend gives each paper a score (score-based selection needs one)."""

    NONE = "none"
    SCORES = "scores"


class FatalCause(StrEnum):
    """Why a summarizer stopped the whole run (issue 9): each has its own one-line message."""

    REFUSED = "refused"  # connection refused
    DNS = "dns"  # the host name does not resolve
    TLS = "tls"  # the TLS handshake or certificate failed
    UNREACHABLE = "unreachable"  # connections time out: nothing listens or a firewall drops them
    NO_ANSWER = "no-answer"  # connections accepted, answers never come (consecutive timeouts)
    KEY = "key"  # HTTP 401/403
    MODEL = "model"  # unknown model
    ROUTE = "route"  # HTTP 404 on the endpoint itself: the base URL is wrong
    REQUEST = "request"  # HTTP 400 saying the request's shape is wrong
    STORE = "store"  # the store cannot keep the answers (on_result raised)


class SummarizerFatalError(Exception):
    """The run cannot go on (bad key, unknown model, dead endpoint, store failure).

    `str()` is one line naming the cause and the endpoint (credentials masked); the CLI prints it
    as `Error: <message>` and exits 1. Summaries received before it were already handed to
    `on_result` and are kept.
    """

    def __init__(self, message: str, cause: FatalCause, endpoint: str = "") -> None:
        super().__init__(" ".join(message.split()))
        self.cause = cause
        self.endpoint = endpoint


@dataclass(frozen=True)
class Usage:
    """What some calls cost: calls, tokens in/out, cached input tokens (None: never reported), USD.

    `priced` is False when the price table has no entry for the model: `cost` is then 0.0 but
    unknown, and should be shown as "n/a".
    """

    calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost: float = 0.0
    priced: bool = True
    cached_tokens: int | None = None

    @property
    def tokens(self) -> int:
        """Input plus output tokens."""
        return self.tokens_in + self.tokens_out

    def __add__(self, other: Usage) -> Usage:
        cached = None
        if self.cached_tokens is not None or other.cached_tokens is not None:
            cached = (self.cached_tokens or 0) + (other.cached_tokens or 0)
        return Usage(
            calls=self.calls + other.calls,
            tokens_in=self.tokens_in + other.tokens_in,
            tokens_out=self.tokens_out + other.tokens_out,
            cost=self.cost + other.cost,
            priced=self.priced and other.priced,
            cached_tokens=cached,
        )


@dataclass
class SummarizeResult:
    """What one `summarize` call produced: one summary per paper in input order, its usage, notes."""

    summaries: list[Summary]
    usage: Usage = field(default_factory=Usage)
    notes: list[str] = field(default_factory=list)


@dataclass
class HighlightsResult:
    """The day's highlights (Markdown citing `[n]`, or None when there are none), usage and notes."""

    markdown: str | None
    usage: Usage = field(default_factory=Usage)
    notes: list[str] = field(default_factory=list)


class Summarizer(Protocol):
    """A summarizer backend (extractive, llm, …).

    `summarize` is called only with papers missing from the cache. It must call `on_result` for
    each summary as soon as it exists (the pipeline stores it at once, so Ctrl-C loses nothing
    already paid for) and return every summary, one per paper, in input order. A backend never
    invents a value: a failure is a `Summary` with status `failed` and an `error`. A failure of
    the whole run (bad key, dead endpoint, `on_result` raising) is a `SummarizerFatalError`.
    """

    @property
    def backend(self) -> str:
        """The backend's name (`extractive`, `llm`), shown in the report footer."""
        ...

    @property
    def model(self) -> str:
        """The model name (part of the summary cache key)."""
        ...

    @property
    def prompt_version(self) -> str:
        """The prompt version (part of the summary cache key)."""
        ...

    @property
    def language(self) -> str:
        """The summaries' language (part of the summary cache key)."""
        ...

    @property
    def scoring(self) -> Scoring:
        """Whether summaries carry a score."""
        ...

    @property
    def free(self) -> bool:
        """Whether a summary costs nothing to make: local, no network, no money (extractive).

        The summarize stage writes a free backend's answers in big bursts and claims its papers in
        big batches (docs/scale.md); a paid one's are stored one by one, the moment each exists.
        """
        ...

    def summarize(self, papers: Sequence[Paper], on_result: ResultCallback | None = None) -> SummarizeResult:
        """Summarize papers (cache misses only)."""
        ...

    def highlights(
        self, entries: Sequence[DigestEntry], store: Store | None = None, *, refresh: bool = False
    ) -> HighlightsResult | None:
        """The day's highlights over numbered entries; None when this backend writes none."""
        ...
