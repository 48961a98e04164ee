"""JSON output of a digest and its committed JSON Schema."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from paperbrief.models import Digest, DigestEntry, Paper, Summary, SummaryStatus
from paperbrief.render.json_out import (
    SCHEMA_VERSION,
    DigestJSONError,
    digest_document,
    load_digest_json,
    render_json,
    render_json_schema,
)

SCHEMA_FILE = Path(__file__).parents[1] / "docs" / "digest.schema.json"


def _digest() -> Digest:
    def entry(arxiv_id: str, category: str, score: int | None) -> DigestEntry:
        paper = Paper(arxiv_id=arxiv_id, title=f"标题 {arxiv_id} 🚀", abstract="$x$ <b>", categories=[category])
        status = SummaryStatus.OK if score is not None else SummaryStatus.FAILED
        return DigestEntry(paper=paper, summary=Summary(arxiv_id=arxiv_id, score=score, status=status))

    return Digest(
        date=dt.date(2026, 2, 4),
        entries=[entry("2602.00003", "cs.CV", 10), entry("2602.00002", "cs.LG", None), entry("2602.00001", "cs.LG", 0)],
        generated=dt.datetime(2026, 2, 5, 1, 0, tzinfo=dt.UTC),
    )


def test_committed_schema_matches_the_model() -> None:
    # Regenerate with: python -m paperbrief.render.json_out > docs/digest.schema.json
    assert SCHEMA_FILE.read_text(encoding="utf-8") == render_json_schema()


def test_json_is_utf8_indented_and_versioned() -> None:
    text = render_json(_digest())
    assert text.startswith('{\n  "schema_version": 1,\n  "date": "2026-02-04",')
    assert "标题 2602.00003 🚀" in text and "\\u" not in text
    assert text.endswith("}\n")
    assert text == render_json(_digest())


def test_entries_in_report_order_with_markdown_numbers() -> None:
    data = json.loads(render_json(_digest()))
    assert data["schema_version"] == SCHEMA_VERSION
    # cs.LG has two papers so it comes first, as in the Markdown report.
    assert [(e["number"], e["paper"]["arxiv_id"]) for e in data["entries"]] == [
        (1, "2602.00002"),
        (2, "2602.00001"),
        (3, "2602.00003"),
    ]
    scores = [e["summary"]["score"] for e in data["entries"]]
    assert scores == [None, 0, 10]  # a failed score is null, a real zero stays 0


def test_round_trip() -> None:
    digest = _digest()
    loaded = load_digest_json(render_json(digest))
    assert [e.paper.arxiv_id for e in loaded.entries] == ["2602.00002", "2602.00001", "2602.00003"]
    assert loaded.generated == digest.generated
    assert render_json(loaded) == render_json(digest)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "not JSON"),
        ("[]", "not a digest"),
        ('{"schema_version": 99}', "unsupported schema_version"),
        ('{"schema_version": 1, "date": "nope"}', "invalid digest"),
    ],
)
def test_bad_documents(text: str, message: str) -> None:
    with pytest.raises(DigestJSONError, match=message):
        load_digest_json(text)


def test_streamed_json_equals_one_shot_dump() -> None:
    for digest in (_digest(), Digest(date=dt.date(2026, 2, 7), no_announcement=True, warnings=['"entries": []'])):
        expected = json.dumps(digest_document(digest), ensure_ascii=False, indent=2) + "\n"
        assert render_json(digest) == expected
