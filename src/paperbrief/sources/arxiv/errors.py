"""Typed, one-line errors of the arXiv sources; each carries the URL it concerns.

The classes follow the failure modes listed in https://info.arxiv.org/help/api/user-manual.html
(error feed) and https://info.arxiv.org/help/rss.html (feed errors), plus transport faults.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

if TYPE_CHECKING:
    from paperbrief.models import Paper


def _one_line(text: str) -> str:
    return " ".join(text.split())


def short_url(url: str, *, max_value: int = 200) -> str:
    """The URL for logs and messages: the endpoint plus its parameters, `id_list=<100 ids>` for long lists."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    shown = []
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key == "id_list" and value.count(",") >= 3:
            value = f"<{value.count(',') + 1} ids>"
        elif len(value) > max_value:
            value = value[: max_value - 1] + "…"
        shown.append(f"{key}={value}")
    return f"{parts.scheme}://{parts.netloc}{parts.path}?" + "&".join(shown)


class ArxivError(Exception):
    """Base class: an arXiv request failed; `str()` is one line naming the URL."""

    def __init__(self, message: str, url: str = "") -> None:
        self.message = _one_line(message)
        self.url = url
        super().__init__(self._render())

    def _render(self) -> str:
        return f"{self.message} ({short_url(self.url)})" if self.url else self.message

    def __str__(self) -> str:
        """`<message> (<url>)` on one line; a long `id_list` is shown as `id_list=<N ids>` (`.url` is complete)."""
        return self._render()

    def add_note_line(self, note: str) -> None:
        """Append a clause to the one-line message (e.g. how many attempts were made)."""
        self.message = f"{self.message} {_one_line(note)}"
        self.args = (self._render(),)


class ArxivHTTPError(ArxivError):
    """A non-success HTTP status (after retries for 429/5xx)."""

    def __init__(self, message: str, url: str = "", status: int | None = None) -> None:
        self.status = status
        super().__init__(message, url)


class ArxivTooLargeError(ArxivError):
    """A body over the caller's byte limit: refused from its Content-Length, or reading stopped at the limit.

    Not retried: the same URL would send the same body. `size` is the announced length when known.
    """

    def __init__(self, message: str, url: str = "", limit: int = 0, size: int | None = None) -> None:
        self.limit = limit
        self.size = size
        super().__init__(message, url)


class ArxivNetworkError(ArxivError):
    """Connection refused/reset or timed out (after retries)."""


class ArxivParseError(ArxivError):
    """The body was empty or not the XML we expected (after retries)."""


class ArxivAPIError(ArxivError):
    """The search API answered with its error feed (entry id `…/api/errors#…`)."""


class ArxivFeedError(ArxivError):
    """rss.arxiv.org answered "Feed error for query" (e.g. an unknown category)."""


class ArxivOAIError(ArxivError):
    """OAI-PMH answered with an `<error code=…>` other than noRecordsMatch."""

    def __init__(self, message: str, url: str = "", code: str = "") -> None:
        self.code = code
        super().__init__(message, url)


class ArxivEmptyPageError(ArxivError):
    """A page came back empty although totalResults promised more (after retries)."""


class ArxivMissingError(ArxivError):
    """Some requested ids were not returned; `papers` holds what was, `missing` the rest."""

    def __init__(self, missing: Sequence[str], papers: Sequence[Paper], url: str = "") -> None:
        self.missing = list(missing)
        self.papers = list(papers)
        shown = ", ".join(self.missing[:5]) + (" …" if len(self.missing) > 5 else "")
        super().__init__(f"{len(self.missing)} id(s) not returned by the arXiv API: {shown}", url)


class ArxivNotAnnouncedError(ArxivError):
    """The requested date is after the newest announcement the feed holds, or after today."""


class ArxivCategoryError(ValueError):
    """Not an arXiv category: bad syntax or an unknown archive (raised before any request)."""
