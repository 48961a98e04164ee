"""`paperbrief mcp` driven by the MCP SDK's own client over stdio, on a temp home with a stored day.

The day is the reference sample (real Chinese summaries) stored through the store's methods; the
server is the real console script spawned as a subprocess.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.types import CallToolResult, TextContent

from fakes.digests import SAMPLE_DATE, sample_digest
from paperbrief.store import Store
from paperbrief.store.db import sqlite_url

FIRST = "2602.04837"  # its zh tldr mentions 经验共享


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _stored_home(tmp_path_factory.mktemp("mcp-home"))


def _stored_home(folder: Path) -> Path:
    digest = sample_digest("zh")
    store = Store.open(sqlite_url(folder / "paperbrief.db"))
    store.record_announcement(digest.date, [e.paper for e in digest.entries])
    store.put_summaries([e.summary for e in digest.entries if e.summary is not None])
    store.save_digest(digest)
    store.close()
    return folder


def _session(home: Path, body: Callable[[ClientSession], Awaitable[None]]) -> None:
    script = Path(sys.executable).parent / "paperbrief"
    params = StdioServerParameters(
        command=str(script), args=["--home", str(home), "mcp"], env={"PAPERBRIEF_LANGUAGE": "zh"}
    )

    async def main() -> None:
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            await body(session)

    anyio.run(main)


def _text(result: Any) -> str:
    assert isinstance(result, CallToolResult)
    [content] = result.content
    assert isinstance(content, TextContent)
    return content.text


def test_lists_the_tools_only_add_feedback_writes(home: Path) -> None:
    async def body(session: ClientSession) -> None:
        tools = (await session.list_tools()).tools
        assert {t.name for t in tools} == {"search_papers", "get_paper", "get_digest", "explain", "add_feedback"}
        for tool in tools:
            assert tool.annotations is not None
            assert tool.annotations.read_only_hint is (tool.name != "add_feedback"), tool.name
        feedback = next(t for t in tools if t.name == "add_feedback")
        assert feedback.input_schema["required"] == ["arxiv_id", "action"]
        assert set(feedback.input_schema["properties"]) == {"arxiv_id", "action", "reader"}
        assert feedback.input_schema["properties"]["action"]["enum"] == ["like", "dislike", "save", "hide"]
        search = next(t for t in tools if t.name == "search_papers")
        assert search.input_schema["required"] == ["query"]
        assert set(search.input_schema["properties"]) == {"query", "limit", "since", "until", "category"}

    _session(home, body)


def test_search_get_paper_get_digest_and_explain_answer_json(home: Path) -> None:
    async def body(session: ClientSession) -> None:
        found = await session.call_tool("search_papers", {"query": "经验共享", "limit": 5})
        assert not found.is_error
        hits = json.loads(_text(found))
        assert hits[0]["arxiv_id"] == FIRST
        assert hits[0]["date"] == SAMPLE_DATE.isoformat()
        assert {"arxiv_id", "title", "score", "date", "snippet"} <= set(hits[0])
        assert "**经验共享**" in hits[0]["snippet"]

        filtered = json.loads(_text(await session.call_tool("search_papers", {"query": "代理", "category": "cs.CV"})))
        assert all(any(c == "cs.CV" for c in h["categories"]) for h in filtered)
        later = await session.call_tool("search_papers", {"query": "代理", "since": "2026-02-05"})
        assert json.loads(_text(later)) == []

        paper = json.loads(_text(await session.call_tool("get_paper", {"arxiv_id": f"arXiv:{FIRST}v1"})))
        assert paper["arxiv_id"] == FIRST
        assert paper["digests"] == [SAMPLE_DATE.isoformat()]
        assert paper["summaries"][0]["language"] == "zh"
        assert "经验共享" in paper["summaries"][0]["tldr"]

        digest = json.loads(_text(await session.call_tool("get_digest", {"date": SAMPLE_DATE.isoformat()})))
        assert digest["date"] == SAMPLE_DATE.isoformat()
        assert len(digest["entries"]) == len(sample_digest().entries)

        explained = json.loads(_text(await session.call_tool("explain", {"arxiv_id": FIRST})))
        assert explained["date"] == SAMPLE_DATE.isoformat()
        assert explained["digest_stored"] is True
        assert explained["digest_number"] is not None

    _session(home, body)


BAD_CALLS: list[tuple[str, dict[str, Any], str]] = [
    ("search_papers", {"query": "x", "since": "last week"}, "not a YYYY-MM-DD date"),
    ("search_papers", {"query": "x", "since": "2026-02-30"}, "not a calendar date"),
    ("search_papers", {"query": "x", "limit": 0}, "limit must be between 1 and 100"),
    ("search_papers", {"query": "x", "since": "2026-02-06", "until": "2026-02-05"}, "is after"),
    ("get_paper", {"arxiv_id": "not-an-id"}, "not an arXiv id"),
    ("get_paper", {"arxiv_id": "2301.00001"}, "is not in the store"),
    ("get_digest", {"date": "2025-01-01"}, "no digest is stored for 2025-01-01"),
    ("explain", {"arxiv_id": "2301.00001"}, "is not in the stored announcement"),
    ("get_paper", {}, "arxiv_id"),
    ("search_papers", {"query": "x", "limit": "many"}, "limit"),
]


def test_bad_arguments_are_tool_errors_and_the_server_keeps_serving(home: Path) -> None:
    """One server for every bad call: each is an `is_error` result with one line, and the next call works."""

    async def body(session: ClientSession) -> None:
        for tool, arguments, message in BAD_CALLS:
            result = await session.call_tool(tool, arguments)
            assert result.is_error, (tool, arguments)
            assert message in _text(result), (tool, arguments, _text(result))
            again = await session.call_tool("search_papers", {"query": "经验共享"})
            assert not again.is_error

    _session(home, body)


def _events(home: Path, reader: str) -> list[tuple[str, int | None, str, str]]:
    store = Store.open(sqlite_url(home / "paperbrief.db"))
    try:
        return [(e.arxiv_id, e.version, e.action, e.source) for e in store.feedback_events(reader)]
    finally:
        store.close()


def test_add_feedback_stores_an_event_and_get_digest_drops_what_the_reader_hid(tmp_path: Path) -> None:
    home = _stored_home(tmp_path)
    day = SAMPLE_DATE.isoformat()
    every = [e.paper.arxiv_id for e in sample_digest().entries]

    async def body(session: ClientSession) -> None:
        added = await session.call_tool("add_feedback", {"arxiv_id": f"arXiv:{FIRST}v1", "action": "hide"})
        assert not added.is_error, _text(added)
        assert json.loads(_text(added)) == {
            "ok": True,
            "reader": "me",
            "arxiv_id": FIRST,
            "version": 1,
            "action": "hide",
            "in_store": True,
        }
        elsewhere = json.loads(
            _text(await session.call_tool("add_feedback", {"arxiv_id": "2301.00001", "action": "save"}))
        )
        assert elsewhere["in_store"] is False and elsewhere["version"] is None

        whole = json.loads(_text(await session.call_tool("get_digest", {"date": day})))
        order = [e["paper"]["arxiv_id"] for e in whole["entries"]]
        assert sorted(order) == sorted(every) and "reader" not in whole
        mine = json.loads(_text(await session.call_tool("get_digest", {"date": day, "reader": "me"})))
        assert [e["paper"]["arxiv_id"] for e in mine["entries"]] == [i for i in order if i != FIRST]
        assert mine["reader"] == {"name": "me", "hidden": 1}

        # A later like un-hides the paper (only the latest event counts).
        await session.call_tool("add_feedback", {"arxiv_id": FIRST, "action": "like", "reader": "me"})
        again = json.loads(_text(await session.call_tool("get_digest", {"date": day, "reader": "me"})))
        assert FIRST in [e["paper"]["arxiv_id"] for e in again["entries"]] and again["reader"]["hidden"] == 0

    _session(home, body)
    assert _events(home, "me") == [
        (FIRST, 1, "hide", "mcp"),
        ("2301.00001", None, "save", "mcp"),
        (FIRST, None, "like", "mcp"),
    ]


BAD_FEEDBACK: list[tuple[str, dict[str, Any], str]] = [
    ("add_feedback", {"arxiv_id": FIRST, "action": "love"}, "action"),
    ("add_feedback", {"arxiv_id": "nonsense", "action": "like"}, "not an arXiv id: 'nonsense'"),
    ("add_feedback", {"arxiv_id": FIRST, "action": "like", "reader": "mallory"}, "unknown reader 'mallory'"),
    ("add_feedback", {"arxiv_id": FIRST}, "action"),
    ("get_digest", {"date": SAMPLE_DATE.isoformat(), "reader": "mallory"}, "unknown reader 'mallory' (known: me)"),
]


def test_bad_feedback_is_a_tool_error_and_stores_nothing(tmp_path: Path) -> None:
    home = _stored_home(tmp_path)

    async def body(session: ClientSession) -> None:
        for tool, arguments, message in BAD_FEEDBACK:
            result = await session.call_tool(tool, arguments)
            assert result.is_error, (tool, arguments)
            assert message in _text(result), (tool, arguments, _text(result))
            again = await session.call_tool("get_paper", {"arxiv_id": FIRST})
            assert not again.is_error

    _session(home, body)
    assert _events(home, "me") == [] and _events(home, "mallory") == []
