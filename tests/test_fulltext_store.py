"""The full-text cache (m007_fulltexts) and the summaries' new columns, on SQLite and PostgreSQL."""

from __future__ import annotations

from paperbrief.models import Summary, TextSource
from paperbrief.store import FullTextRecord, Store


def test_full_text_and_figure_round_trip_by_id_and_version(store: Store) -> None:
    text = '{"source": "html", "title": "数学 $O(n \\\\log n)$ 🚀", "sections": []}'
    record = FullTextRecord(
        "2601.00001",
        1,
        "html",
        text,
        [["no_figure", "no figure in the paper's HTML"]],
        b"\x89PNG-bytes",
        "image/png",
        8,
        4,
        "图 1",
    )
    store.put_fulltext(record)
    store.put_fulltext(FullTextRecord("2601.00002", 1, "abstract", None, [["not_found", "neither HTML nor PDF"]]))
    found = store.get_fulltexts([("2601.00001", 1), ("2601.00001", 2), ("2601.00002", 1)])
    assert set(found) == {("2601.00001", 1), ("2601.00002", 1)}  # version 2 was never read
    assert found[("2601.00001", 1)] == record
    assert found[("2601.00002", 1)].text_json is None and found[("2601.00002", 1)].figure is None


def test_full_text_summary_fields_are_stored_under_a_source_specific_prompt_version(store: Store) -> None:
    summary = Summary(
        arxiv_id="2601.00001",
        tldr="t",
        experiments="在 ImageNet 上 top-1 提升 2.1 个百分点",
        limitations="只在小模型上验证",
        text_source=TextSource.PDF,
        model="m",
        prompt_version="ft-2026.11.1/pdf",
        language="zh",
    )
    store.put_summary(summary)
    got = store.get_summaries([("2601.00001", 1)], model="m", prompt_version="ft-2026.11.1/pdf", language="zh")
    kept = got[("2601.00001", 1)]
    assert (kept.experiments, kept.limitations, kept.text_source) == (
        summary.experiments,
        summary.limitations,
        TextSource.PDF,
    )
    assert store.get_summaries([("2601.00001", 1)], model="m", prompt_version="ft-2026.11.1/html", language="zh") == {}
