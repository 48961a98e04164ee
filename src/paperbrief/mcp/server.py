"""A Model Context Protocol server over the store, built on the official Python SDK (`mcp`).

Tools (https://modelcontextprotocol.io/specification/2025-06-18/server/tools): `search_papers`,
`get_paper`, `get_digest`, `explain` and `add_feedback`, each answering JSON text. Only
`add_feedback` writes (one feedback event, as `paperbrief feedback add`). A bad argument (an
unparseable date, an unknown id, a limit out of range) is a tool error
(`is_error`) with one line, never a crash of the server. See docs/mcp.md.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations

from paperbrief import __version__
from paperbrief.explain import ExplainError, ExplainOptions, explain_paper
from paperbrief.feedback import FeedbackInputError, feedback_event
from paperbrief.models import split_arxiv_id
from paperbrief.publish import NothingStoredError
from paperbrief.reader_view import ReaderView, load_reader_digest
from paperbrief.render.json_out import digest_document
from paperbrief.search import results_as_json, search
from paperbrief.store import Store, StoreError

MAX_LIMIT = 100
_READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False)
# Adds an event; nothing is deleted (a later event overrides it), and the same call twice leaves the same state.
_WRITES = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=True, open_world_hint=False)
Action = Literal["like", "dislike", "save", "hide"]


@dataclass(frozen=True)
class PaperTools:
    """The tools' logic over one store, callable without the protocol (the server wraps it)."""

    store: Store
    explain_options: ExplainOptions
    language: str = "en"
    readers: Sequence[str] = ("me",)
    default_reader: str = "me"
    views: Callable[[str], ReaderView] | None = None

    def reader_name(self, reader: str | None) -> str:
        """The reader a call is for: a configured one or one with stored feedback (ToolError otherwise)."""
        name = (reader or "").strip() or self.default_reader
        known = sorted({*self.readers, *self.store.feedback_readers()})
        if name not in known:
            raise ToolError(f"unknown reader {name!r} (known: {', '.join(known)})")
        return name

    def search_papers(
        self,
        query: str,
        limit: int = 10,
        since: str | None = None,
        until: str | None = None,
        category: str | None = None,
    ) -> str:
        """Stored papers matching every word of `query`, most relevant first."""
        if not 1 <= limit <= MAX_LIMIT:
            raise ToolError(f"limit must be between 1 and {MAX_LIMIT}, not {limit}")
        try:
            found = search(
                self.store,
                query,
                since=_date(since, "since"),
                until=_date(until, "until"),
                category=category,
                limit=limit,
            )
        except ValueError as exc:
            raise ToolError(str(exc)) from exc
        return _json(results_as_json(found))

    def get_paper(self, arxiv_id: str) -> str:
        """A stored paper: metadata, abstract, its summaries and the digests it was in."""
        bare = _arxiv_id(arxiv_id)
        paper = self.store.latest_papers([bare]).get(bare)
        if paper is None:
            raise ToolError(f"{bare} is not in the store")
        summaries = self.store.paper_summaries(bare)
        body: dict[str, Any] = {
            **paper.model_dump(mode="json", exclude_none=True),
            "url": f"https://arxiv.org/abs/{bare}",
            "summaries": [
                s.model_dump(
                    mode="json",
                    exclude_none=True,
                    include={"language", "model", "tldr", "motivation", "method", "conclusion", "keywords", "score"},
                )
                for s in summaries
            ],
            "digests": [d.isoformat() for d in self.store.paper_digest_dates(bare)],
            "announced": [
                {"date": d.isoformat(), "version": v, "type": str(t)} for d, v, t in self.store.announcement_dates(bare)
            ],
        }
        return _json(body)

    def get_digest(self, date: str, reader: str | None = None) -> str:
        """The stored digest of a day, as the JSON document of `paperbrief run` (docs/json-schema.md)."""
        day = _date(date, "date")
        assert day is not None
        name = self.reader_name(reader)
        digest = load_reader_digest(self.store, day, name, prefer_language=self.language)
        if digest is None:
            raise ToolError(f"no digest is stored for {day.isoformat()}")
        if reader is None or not reader.strip():
            return _json(digest_document(digest))
        view = self._view(self.reader_name(reader))
        document = digest_document(digest)
        # Filtered after layout: the other papers keep their places and numbers of the report.
        entries = document["entries"]
        document["entries"] = view.visible(entries, lambda e: str(e["paper"]["arxiv_id"]))
        document["reader"] = {"name": view.reader, "hidden": len(entries) - len(document["entries"])}
        return _json(document)

    def add_feedback(self, arxiv_id: str, action: str, reader: str | None = None) -> str:
        """Store one feedback event (source `mcp`), as `paperbrief feedback add` does."""
        name = self.reader_name(reader)
        try:
            event = feedback_event(arxiv_id, action, "mcp")
        except FeedbackInputError as exc:
            raise ToolError(str(exc)) from exc
        if self.store.read_only:
            raise ToolError("the store is read-only: feedback cannot be recorded")
        self.store.add_feedback(name, [event])
        known = event.arxiv_id in self.store.latest_papers([event.arxiv_id])
        return _json(
            {
                "ok": True,
                "reader": name,
                "arxiv_id": event.arxiv_id,
                "version": event.version,
                "action": event.action,
                "in_store": known,
            }
        )

    def _view(self, reader: str) -> ReaderView:
        if self.views is None:
            return ReaderView(reader, self.store.latest_feedback(reader))
        return self.views(reader)

    def explain(self, arxiv_id: str, date: str | None = None) -> str:
        """Why a paper was (not) selected on a stored day, replayed with the current settings."""
        try:
            found = explain_paper(self.store, _arxiv_id(arxiv_id), _date(date, "date"), self.explain_options)
        except (ExplainError, NothingStoredError) as exc:
            raise ToolError(str(exc)) from exc
        return _json(found.to_dict())


def build_server(tools: PaperTools) -> MCPServer:
    """The MCP server exposing `tools` (run it with `.run("stdio")`)."""
    server: MCPServer = MCPServer(
        name="paperbrief",
        version=__version__,
        instructions=(
            "Search and read the arXiv papers, summaries and daily digests paperbrief has stored. "
            "Every tool answers JSON text; only add_feedback writes (one like/dislike/save/hide event)."
        ),
    )

    @server.tool(annotations=_READ_ONLY, structured_output=False)
    def search_papers(
        query: str, limit: int = 10, since: str | None = None, until: str | None = None, category: str | None = None
    ) -> str:
        """Search every stored paper (title, abstract, authors, summaries, keywords; Chinese too).

        Every word and "quoted phrase" must match. `since`/`until` are YYYY-MM-DD (the day a paper
        was digested, else announced); `category` is an arXiv category (cs.CL) or archive (cs).
        Returns a JSON array of {arxiv_id, title, score, date, snippet, ...}, best first.
        """
        return _guarded(lambda: tools.search_papers(query, limit, since, until, category))

    @server.tool(annotations=_READ_ONLY, structured_output=False)
    def get_paper(arxiv_id: str) -> str:
        """One stored paper by arXiv id: metadata, abstract, summaries, the digests it was in."""
        return _guarded(lambda: tools.get_paper(arxiv_id))

    @server.tool(annotations=_READ_ONLY, structured_output=False)
    def get_digest(date: str, reader: str | None = None) -> str:
        """The stored digest of a day (YYYY-MM-DD) as JSON; with `reader`, without the papers that reader hid."""
        return _guarded(lambda: tools.get_digest(date, reader))

    @server.tool(annotations=_READ_ONLY, structured_output=False)
    def explain(arxiv_id: str, date: str | None = None) -> str:
        """Why a paper was or was not selected on a stored day (default: the latest stored)."""
        return _guarded(lambda: tools.explain(arxiv_id, date))

    @server.tool(annotations=_WRITES, structured_output=False)
    def add_feedback(arxiv_id: str, action: Action, reader: str | None = None) -> str:
        """Record a reader's like, dislike, save or hide of a paper (the only tool that writes).

        `arxiv_id` may carry a version or an arXiv: prefix; `reader` defaults to the configured one.
        The learned ranking uses it from the next run; a hidden paper never appears again.
        """
        return _guarded(lambda: tools.add_feedback(arxiv_id, action, reader))

    return server


def _guarded(call: Any) -> str:
    """Run a tool; a store failure becomes a one-line tool error instead of a crash."""
    try:
        result: str = call()
    except StoreError as exc:
        raise ToolError(str(exc)) from exc
    return result


def _date(text: str | None, name: str) -> dt.date | None:
    if not text:
        return None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ToolError(f"{name}: {text!r} is not a YYYY-MM-DD date")
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise ToolError(f"{name}: {text} is not a calendar date") from exc


def _arxiv_id(text: str) -> str:
    try:
        return split_arxiv_id(text)[0]
    except ValueError as exc:
        raise ToolError(f"not an arXiv id: {text!r}") from exc


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1)
