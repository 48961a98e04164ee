"""`paperbrief export` through the real CLI, its output read back with maintained parsers (bibtexparser v2, rispy)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import bibtexparser
import pytest
import rispy
from click.testing import CliRunner, Result

from paperbrief.cli import main

DAY = "2026-02-04"
RICH = {
    "id": "2602.30001",
    "version": 2,
    "title": "Résumé & 50% of $\\alpha_1$ tokens_in: {braces} R&D",
    "authors": ["Émile Zola", "李雷", "Ludwig van Beethoven", "Wang, Xin"],
    "categories": ["cs.CL", "cs.AI"],
    "published": f"{DAY}T10:00:00Z",
    "abstract": "We use #hashtags and 100% of $x_i$. 🚀",
    "doi": "10.1234/abc.5678",
    "journal_ref": "Nature 600, 1-10 (2026)",
}
PLAIN = {
    "id": "2602.30002",
    "version": 1,
    "title": "The Quiet Model",
    "authors": ["Ada Lovelace"],
    "categories": ["cs.LG"],
    "published": f"{DAY}T09:00:00Z",
    "abstract": "Short.",
}
RICH_KEY = "zola2026resume_2602.30001"
PLAIN_KEY = "lovelace2026quiet_2602.30002"


def _cli(tmp_path: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--home", str(tmp_path / "home"), *args], catch_exceptions=False)


@pytest.fixture
def stored(tmp_path: Path) -> Path:
    day = tmp_path / "day.json"
    day.write_text(json.dumps({"announced": DAY, "papers": [RICH, PLAIN]}, ensure_ascii=False), encoding="utf-8")
    result = _cli(tmp_path, "run", "--from-json", str(day), "--out", str(tmp_path / "out"), "--no-deliver")
    assert result.exit_code == 0, result.output
    return tmp_path


def _export(tmp_path: Path, fmt: str, *select: str) -> str:
    out = tmp_path / f"export.{fmt}"
    result = _cli(tmp_path, "export", *select, "--format", fmt, "--out", str(out))
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")


def test_bibtex_fields(stored: Path) -> None:
    library = bibtexparser.parse_string(_export(stored, "bibtex", "--ids", "2602.30001,2602.30002"))
    assert library.failed_blocks == []
    entries = {e.key: e for e in library.entries}
    assert list(entries) == [RICH_KEY, PLAIN_KEY]
    rich = entries[RICH_KEY]
    assert rich.entry_type == "article"
    assert {k: f.value for k, f in rich.fields_dict.items()} == {
        "title": "Résumé \\& 50\\% of $\\alpha_1$ tokens\\_in: {braces} R\\&D",
        "author": "Zola, Émile and {李雷} and van Beethoven, Ludwig and Wang, Xin",
        "year": "2026",
        "month": "2",
        "journal": "Nature 600, 1-10 (2026)",
        "doi": "10.1234/abc.5678",
        "eprint": "2602.30001",
        "archivePrefix": "arXiv",
        "primaryClass": "cs.CL",
        "url": "https://arxiv.org/abs/2602.30001",
        "abstract": "We use \\#hashtags and 100\\% of $x_i$. 🚀",
    }
    plain = entries[PLAIN_KEY]
    assert plain.entry_type == "misc"
    assert {k: f.value for k, f in plain.fields_dict.items()} == {
        "title": "The Quiet Model",
        "author": "Lovelace, Ada",
        "year": "2026",
        "month": "2",
        "eprint": "2602.30002",
        "archivePrefix": "arXiv",
        "primaryClass": "cs.LG",
        "url": "https://arxiv.org/abs/2602.30002",
        "abstract": "Short.",
    }


def test_ris_fields(stored: Path) -> None:
    records = rispy.loads(_export(stored, "ris", "--ids", "2602.30001,2602.30002"))
    assert len(records) == 2
    rich, plain = records
    assert rich == {
        "type_of_reference": "JOUR",
        "id": RICH_KEY,
        "title": RICH["title"],
        "authors": ["Zola, Émile", "李雷", "van Beethoven, Ludwig", "Wang, Xin"],
        "year": "2026",
        "date": "2026/02/04",
        "journal_name": "Nature 600, 1-10 (2026)",
        "doi": "10.1234/abc.5678",
        "accession_number": "arXiv:2602.30001",
        "name_of_database": "arXiv",
        "urls": ["https://arxiv.org/abs/2602.30001"],
        "keywords": ["cs.CL", "cs.AI"],
        "abstract": RICH["abstract"],
    }
    assert plain["type_of_reference"] == "UNPB" and plain["id"] == PLAIN_KEY
    assert "doi" not in plain and "journal_name" not in plain


# Variable names of the CSL 1.0.2 schema (https://github.com/citation-style-language/schema, csl-data.json).
CSL_VARIABLES = {
    "id", "type", "title", "author", "issued", "abstract", "URL", "DOI", "container-title", "publisher",
    "number", "archive", "archive_location", "keyword", "note",
}  # fmt: skip
CSL_TYPES = {"article", "article-journal"}


def test_csljson_fields(stored: Path) -> None:
    items: list[dict[str, Any]] = json.loads(_export(stored, "csljson", "--date", DAY))
    by_id = {item["id"]: item for item in items}
    assert set(by_id) == {RICH_KEY, PLAIN_KEY}
    for item in items:
        assert set(item) <= CSL_VARIABLES and item["type"] in CSL_TYPES
    assert by_id[RICH_KEY] == {
        "id": RICH_KEY,
        "type": "article-journal",
        "title": RICH["title"],
        "author": [
            {"family": "Zola", "given": "Émile"},
            {"literal": "李雷"},
            {"family": "van Beethoven", "given": "Ludwig"},
            {"family": "Wang", "given": "Xin"},
        ],
        "issued": {"date-parts": [[2026, 2, 4]]},
        "container-title": "Nature 600, 1-10 (2026)",
        "DOI": "10.1234/abc.5678",
        "publisher": "arXiv",
        "number": "arXiv:2602.30001",
        "archive": "arXiv",
        "archive_location": "cs.CL",
        "URL": "https://arxiv.org/abs/2602.30001",
        "keyword": "cs.CL, cs.AI",
        "abstract": RICH["abstract"],
    }
    assert by_id[PLAIN_KEY]["type"] == "article" and "DOI" not in by_id[PLAIN_KEY]


def test_keys_are_stable_whatever_else_is_exported(stored: Path) -> None:
    alone = bibtexparser.parse_string(_export(stored, "bibtex", "--ids", "2602.30002"))
    week = bibtexparser.parse_string(_export(stored, "bibtex", "--week", "2026-W06"))
    assert [e.key for e in alone.entries] == [PLAIN_KEY]
    assert sorted(e.key for e in week.entries) == sorted([RICH_KEY, PLAIN_KEY])


def test_stdout_when_no_out_file(stored: Path) -> None:
    result = _cli(stored, "export", "--ids", "arXiv:2602.30002v1", "--format", "ris")
    assert result.exit_code == 0
    assert result.output.startswith("TY  - UNPB\nID  - " + PLAIN_KEY + "\n")


def _feedback(tmp_path: Path, arxiv_id: str, action: str, reader: str = "ada") -> None:
    result = _cli(tmp_path, "feedback", "add", arxiv_id, f"--{action}", "--reader", reader)
    assert result.exit_code == 0, result.output


def test_saved_exports_the_papers_whose_latest_event_is_save(stored: Path) -> None:
    _feedback(stored, "2602.30002v1", "save")
    _feedback(stored, "arXiv:2602.30001", "save")
    _feedback(stored, "2602.30001", "like")  # a later like replaces the save
    _feedback(stored, "2602.30001", "save")  # saved again: now the latest save
    _feedback(stored, "2602.30002", "save", reader="bob")
    _feedback(stored, "2602.30002", "hide", reader="bob")  # bob's latest is hide: nothing saved
    library = bibtexparser.parse_string(_export(stored, "bibtex", "--saved", "--reader", "ada"))
    assert [e.key for e in library.entries] == [PLAIN_KEY, RICH_KEY]  # oldest latest-save first
    assert library.entries[1]["eprint"] == "2602.30001"

    _feedback(stored, "2602.30002", "dislike")
    records = rispy.loads(_export(stored, "ris", "--saved", "--reader", "ada"))
    assert [r["id"] for r in records] == [RICH_KEY]
    result = _cli(stored, "export", "--saved", "--reader", "bob", "--format", "bibtex")
    assert result.exit_code == 1
    assert (
        result.output == "Error: reader 'bob' has no saved papers (save one with `paperbrief feedback add ID --save`)\n"
    )


def test_saved_defaults_to_the_reader_setting_and_notes_papers_not_stored(stored: Path) -> None:
    _feedback(stored, "2602.30001", "save", reader="me")
    _feedback(stored, "2301.00001", "save", reader="me")  # read elsewhere: not in the store
    result = _cli(stored, "export", "--saved", "--format", "csljson")
    assert result.exit_code == 0, result.output
    assert "left out, not in the store yet: 2301.00001" in result.output
    items = json.loads(result.output[result.output.index("[") :])
    assert [item["id"] for item in items] == [RICH_KEY]
    _feedback(stored, "2602.30001", "hide", reader="me")
    result = _cli(stored, "export", "--saved", "--format", "ris")
    assert (result.exit_code, result.output) == (
        1,
        "Error: no saved paper of reader 'me' is in the store yet: 2301.00001\n",
    )


def test_reader_drops_the_papers_they_hid_from_a_day(stored: Path) -> None:
    _feedback(stored, "2602.30001", "hide")
    mine = bibtexparser.parse_string(_export(stored, "bibtex", "--date", DAY, "--reader", "ada"))
    assert [e.key for e in mine.entries] == [PLAIN_KEY]
    everyone = bibtexparser.parse_string(_export(stored, "bibtex", "--date", DAY))
    assert sorted(e.key for e in everyone.entries) == sorted([RICH_KEY, PLAIN_KEY])
    ids = bibtexparser.parse_string(_export(stored, "bibtex", "--ids", "2602.30001", "--reader", "ada"))
    assert [e.key for e in ids.entries] == [RICH_KEY]  # ids named explicitly are exported as asked


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--format", "ris"], 2, "Error: choose exactly one of --date, --week, --ids or --saved"),
        (["--date", DAY, "--ids", "2602.30001", "--format", "ris"], 2, "Error: choose exactly one of"),
        (["--ids", "nonsense", "--format", "ris"], 2, "Error: not an arXiv id: 'nonsense'"),
        (["--ids", "2602.99999", "--format", "ris"], 1, "Error: not in the store: 2602.99999"),
        (["--date", "2026-02-05", "--format", "ris"], 1, "Error: no stored digest for 2026-02-05"),
        (["--week", "2026-W99", "--format", "ris"], 2, "Error: invalid week '2026-W99'"),
    ],
)
def test_bad_selection_is_one_line(stored: Path, args: list[str], code: int, message: str) -> None:
    result = _cli(stored, "export", *args)
    assert result.exit_code == code
    assert result.output.startswith(message) and result.output.count("\n") == 1
