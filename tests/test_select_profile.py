"""Reading-list import: BibTeX, Zotero CSV, RIS and arXiv ids, malformed entries reported, nothing lost."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from fakes.arxiv_server import FakeArxiv
from paperbrief.models import Paper
from paperbrief.select.profile import (
    NEEDS_SOURCE,
    ReadingListError,
    ReadingListFormat,
    detect_format,
    import_reading_list,
    parse_reading_list,
    profile_entries,
)
from paperbrief.sources.arxiv.source import ArxivSource
from paperbrief.store import Store
from paperbrief.store.db import sqlite_url

BIBTEX = r"""% exported from Zotero
@article{weng2026gea,
  title = {Group-Evolving Agents: Open-Ended Self-Improvement via Experience Sharing},
  author = {Weng, Zhaotian and Wang, Xin Eric},
  eprint = {2602.04837},
  archivePrefix = {arXiv},
  abstract = {Open-ended self-improving agents can autonomously modify their own designs.}
}

@inproceedings{broken2025,
  title = {An entry whose braces never close,
  author = {Someone}

@misc{stanley2016heat,
  title = {Heat-bath random walks with {M}arkov bases},
  url = {https://arxiv.org/abs/1605.08386v1}
}

@article{notitle,
  author = {Nobody}
}

@article{weng2026gea,
  title = {A duplicate key}
}

@book{cafe,
  title = {Caf{\'e} au lait: {\"U}ber 你好},
  doi = {10.1000/CAFE.1}
}
"""

ZOTERO_CSV = (
    '\ufeff"Key","Item Type","Publication Year","Author","Title","DOI","Url",'
    '"Abstract Note","Extra"\n'
    '"AB12CD34","preprint","2026","Weng, Zhaotian","Group-Evolving Agents","",'
    '"http://arxiv.org/abs/2602.04837v1","Open-ended self-improving agents.","arXiv: 2602.04837"\n'
    '"ZZ","journalArticle","2020","A, B","Too few fields"\n'
    '"EF56GH78","journalArticle","2024","Roe, R","","","","No title here",""\n'
    '"IJ90KL12","conferencePaper","2025","Doe, J","Multi-line abstract, with ""quotes""","10.1/x","",'
    '"Line one\nline two",""\n'
    '"MN34","journalArticle","2025","Last, L","Unterminated,""","","","oops\n'
)

RIS = """TY  - JOUR
TI  - Protein Autoregressive Modeling via Multiscale Structure Generation
AU  - Someone, A.
AB  - We model protein structure
  across scales with autoregression.
UR  - https://arxiv.org/abs/2602.04883
ER  -

TY  - JOUR
TI  - Record missing its end line
TY  - CONF
T1  - Dynamical Regimes of Multimodal Diffusion Models
DO  - 10.48550/arXiv.2602.04780
ER  -
AU  - Stray, Line
TY  - JOUR
AB  - no title in this record
ER  -
TY  - JOUR
TI  - Last record never ends
"""


def _store(tmp_path: Path) -> Store:
    return Store(sqlite_url(tmp_path / "pb.db"))


def _fake_fetch(found: dict[str, Paper]) -> tuple[list[list[str]], object]:
    calls: list[list[str]] = []

    def fetch(ids: Sequence[str]) -> list[Paper]:
        calls.append(list(ids))
        return [found[i] for i in ids if i in found]

    return calls, fetch


def test_bibtex_malformed_entries_are_reported_and_the_rest_imported(tmp_path: Path) -> None:
    path = tmp_path / "library.bib"
    path.write_text(BIBTEX, encoding="utf-8")
    store = _store(tmp_path)
    heat = Paper(arxiv_id="1605.08386", title="Heat-bath random walks", abstract="Graphs on lattice points.")
    calls, fetch = _fake_fetch({"1605.08386": heat})
    report = import_reading_list(path, store, fetch_ids=fetch)  # type: ignore[arg-type]
    assert report.format is ReadingListFormat.BIBTEX
    assert report.imported == 3
    assert calls == [["1605.08386"]]  # only the entry that lacked an abstract
    reasons = [str(s) for s in report.skipped]
    assert any(r.startswith("library.bib:10: syntax error") for r in reasons), reasons
    assert "library.bib:19: entry 'notitle' has no title" in reasons
    assert any(r.startswith("library.bib:23: duplicate entry key 'weng2026gea'") for r in reasons), reasons
    rows = {r["item_id"]: r for r in store.reading_items()}
    assert set(rows) == {"arxiv:2602.04837", "arxiv:1605.08386", "doi:10.1000/cafe.1"}
    assert rows["arxiv:1605.08386"]["text"] == "Graphs on lattice points."
    assert rows["arxiv:1605.08386"]["title"] == "Heat-bath random walks with Markov bases"
    assert rows["doi:10.1000/cafe.1"]["title"] == "Café au lait: Über 你好"  # LaTeX decoded, UTF-8 kept


def test_bibtex_without_fetcher_keeps_title_only_items(tmp_path: Path) -> None:
    path = tmp_path / "library.bib"
    path.write_text(BIBTEX, encoding="utf-8")
    store = _store(tmp_path)
    report = import_reading_list(path, store)
    assert report.imported == 3 and report.fetched == 0
    assert {r["item_id"]: r["text"] for r in store.reading_items()}["arxiv:1605.08386"] == ""


def test_zotero_csv_malformed_rows_are_reported_and_the_rest_imported(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(ZOTERO_CSV, encoding="utf-8")
    store = _store(tmp_path)
    report = import_reading_list(path, store)
    assert report.format is ReadingListFormat.CSV
    assert report.imported == 2
    reasons = [str(s) for s in report.skipped]
    assert reasons[0] == "export.csv:3: row has 5 fields, the header has 9"
    assert reasons[1] == "export.csv:4: row has no title"
    assert reasons[2].startswith("export.csv:7: unreadable CSV")
    rows = {r["item_id"]: r for r in store.reading_items()}
    assert rows["arxiv:2602.04837"]["source"] == "zotero"
    assert rows["doi:10.1/x"]["title"] == 'Multi-line abstract, with "quotes"'
    assert rows["doi:10.1/x"]["text"] == "Line one line two"


def test_csv_without_title_column_is_a_file_level_error(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("Key,Author\n1,2\n", encoding="utf-8")
    with pytest.raises(ReadingListError, match=r"x\.csv: no 'Title' column"):
        parse_reading_list(path)


def test_ris_malformed_records_are_reported_and_the_rest_imported(tmp_path: Path) -> None:
    path = tmp_path / "refs.ris"
    path.write_text(RIS, encoding="utf-8")
    store = _store(tmp_path)
    report = import_reading_list(path, store)
    assert report.format is ReadingListFormat.RIS
    assert report.imported == 2
    assert [str(s) for s in report.skipped] == [
        "refs.ris:9: record has no 'ER  -' end line",
        "refs.ris:15: 'AU  -' line outside a record (no 'TY  -')",
        "refs.ris:16: record has no title (TI/T1)",
        "refs.ris:19: record has no 'ER  -' end line",
    ]
    rows = {r["item_id"]: r for r in store.reading_items()}
    assert rows["arxiv:2602.04883"]["text"] == "We model protein structure across scales with autoregression."
    assert rows["arxiv:2602.04780"]["title"] == "Dynamical Regimes of Multimodal Diffusion Models"


def test_ids_fetch_abstracts_through_the_arxiv_source_and_report_unknown_ids(tmp_path: Path) -> None:
    path = tmp_path / "ids.txt"
    path.write_text(
        "# papers I liked\n1605.08386v1\nhttps://arxiv.org/abs/2104.12255\nnot-an-id\n\n1605.08386\n2602.99999\n",
        encoding="utf-8",
    )
    store = _store(tmp_path)
    with FakeArxiv([], recorded_api=True) as fake:
        source = ArxivSource(api_url=fake.api_url, delay_seconds=0, retries=0)
        try:
            report = import_reading_list(path, store, fetch_ids=source.fetch_ids)
            assert report.format is ReadingListFormat.IDS
            assert report.imported == 2 and report.fetched == 2
            assert [str(s) for s in report.skipped] == [
                "ids.txt:4: not an arXiv id: 'not-an-id'",
                "ids.txt:6: duplicate of ids.txt:2",
                "ids.txt:7: arXiv returned no paper for 2602.99999",
            ]
            rows = {r["item_id"]: r for r in store.reading_items()}
            assert rows["arxiv:1605.08386"]["title"] == "Heat-bath random walks with Markov bases"
            assert rows["arxiv:1605.08386"]["text"].startswith("Graphs on lattice points")
            assert rows["arxiv:2104.12255"]["source"] == "arxiv"
            # A second import fetches only what is not stored yet.
            before = len(fake.requests("/api"))
            again = import_reading_list(path, store, fetch_ids=source.fetch_ids)
            assert again.already_stored == 2
            assert [r.query["id_list"] for r in fake.requests("/api")[before:]] == ["2602.99999", "2602.99999"]
        finally:
            source.close()


def test_ids_without_a_source_fail_clearly_and_store_nothing(tmp_path: Path) -> None:
    path = tmp_path / "ids.txt"
    path.write_text("2602.04837\n", encoding="utf-8")
    store = _store(tmp_path)
    with pytest.raises(ReadingListError, match=NEEDS_SOURCE):
        import_reading_list(path, store)
    assert store.reading_items() == []


def test_a_failing_fetch_stores_nothing(tmp_path: Path) -> None:
    path = tmp_path / "ids.txt"
    path.write_text("2602.04837\n", encoding="utf-8")
    store = _store(tmp_path)

    def broken(ids: Sequence[str]) -> list[Paper]:
        raise ConnectionError("arXiv unreachable")

    with pytest.raises(ReadingListError, match=r"fetching 1 abstract\(s\) from arXiv failed: arXiv unreachable"):
        import_reading_list(path, store, fetch_ids=broken)
    assert store.reading_items() == []


def test_unreadable_files_are_typed_errors(tmp_path: Path) -> None:
    with pytest.raises(ReadingListError, match="not found"):
        parse_reading_list(tmp_path / "missing.bib")
    latin = tmp_path / "latin.bib"
    latin.write_bytes("@misc{a, title={Caf\xe9}}".encode("latin-1"))
    with pytest.raises(ReadingListError, match="not UTF-8"):
        parse_reading_list(latin)


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("a.bib", "", ReadingListFormat.BIBTEX),
        ("export.txt", "@article{x, title={t}}", ReadingListFormat.BIBTEX),
        ("export.txt", "TY  - JOUR\nER  -\n", ReadingListFormat.RIS),
        ("zotero", "Key,Item Type,Title\n", ReadingListFormat.CSV),
        ("list.txt", "2602.04837\n", ReadingListFormat.IDS),
    ],
)
def test_detect_format(name: str, text: str, expected: ReadingListFormat) -> None:
    assert detect_format(Path(name), text) is expected


def test_profile_entries_combine_topics_and_items() -> None:
    entries = profile_entries(
        {"diffusion": 1.5, "ignored": 0.0}, [{"title": "T", "text": "abstract"}, {"title": "", "text": ""}]
    )
    assert [(e.label, e.weight, e.is_topic) for e in entries] == [("diffusion", 1.5, True), ("T", 1.0, False)]
    assert entries[1].text == "T. abstract"
