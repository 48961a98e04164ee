"""`paperbrief explain` and `paperbrief profile import|show` through Click, with a stored day in a tmp home."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from fakes.arxiv_server import FakeArxiv
from fakes.select_day import DAY, fixture_day
from paperbrief.cli import main
from paperbrief.models import Digest, DigestEntry, DigestStats, Summary, SummaryStatus
from paperbrief.store import Store
from paperbrief.store.db import sqlite_url
from paperbrief.summarize.llm import PROMPT_VERSION

CONFIG = """max_papers = 5

[select]
topics = { "reinforcement learning" = 2.0, "diffusion" = 1.0 }
authors = ["Y. LeCun"]
exclude = ["token"]
"""


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    store = Store(sqlite_url(home / "paperbrief.db"))
    store.record_announcement(DAY - dt.timedelta(days=1), fixture_day()[:3])
    store.record_announcement(DAY, fixture_day())
    store.close()
    return home


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "paperbrief.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def _run(home: Path, config: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, ["--home", str(home), "--config", str(config), *args], env=env)


def test_explain_a_selected_paper_of_the_latest_day(home: Path, config: Path) -> None:
    result = _run(home, config, "explain", "2602.04868v1")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("2602.04868v1  CRoSS: A Continual Robotic Simulation Suite")
    assert lines[1] == "day 2026-02-05: 36 papers, 34 candidates, mode interest"
    assert lines[2].startswith("decision: selected: rank 1 of 34, score ")
    assert "profile matches: reinforcement learning" in lines


def test_explain_filtered_and_cut_papers(home: Path, config: Path) -> None:
    cross = _run(home, config, "explain", "2602.04900")
    assert "decision: filtered: cross-list from cs.RO (cross-lists are off)" in cross.output
    cut = _run(home, config, "explain", "2602.04837")
    assert cut.exit_code == 0
    assert "decision: not selected: rank " in cut.output and "(cut at 5; 1 slot taken by watched authors)" in cut.output
    watched = _run(home, config, "explain", "2602.04903")
    assert "watched authors: Yann LeCun" in watched.output
    assert "kept past exclude term 'token'" in watched.output


def test_explain_an_earlier_day_by_date(home: Path, config: Path) -> None:
    result = _run(home, config, "explain", "2602.04836", "--date", "2026-02-04")
    assert result.exit_code == 0, result.output
    assert "day 2026-02-04: 3 papers, 3 candidates, mode interest" in result.output


def test_explain_an_id_not_in_the_day_fails_with_one_line(home: Path, config: Path) -> None:
    result = _run(home, config, "explain", "2602.99999")
    assert result.exit_code == 1
    assert result.output == "Error: 2602.99999 is not in the stored announcement of 2026-02-05 (36 papers)\n"
    other_day = _run(home, config, "explain", "2602.04868", "--date", "2026-02-04")
    assert other_day.exit_code == 1
    bad = _run(home, config, "explain", "nonsense")
    assert bad.exit_code == 2 and bad.output == "Error: not an arXiv id: 'nonsense'\n"


def test_explain_without_stored_days(tmp_path: Path, config: Path) -> None:
    result = _run(tmp_path / "empty", config, "explain", "2602.04868")
    assert result.exit_code == 1
    assert "no announcement is stored yet" in result.output


def test_explain_with_an_invalid_regex_setting(home: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[select]\nexclude = ["re:(unclosed"]\n', encoding="utf-8")
    result = _run(home, bad, "explain", "2602.04868")
    assert result.exit_code == 2
    assert result.output.startswith("Error: invalid selection settings: invalid regular expression in filter term")
    assert result.output.count("\n") == 1


def test_profile_import_bibtex_reports_skipped_and_show_lists_items(home: Path, config: Path, tmp_path: Path) -> None:
    bib = tmp_path / "lib.bib"
    bib.write_text(
        "@article{a, title={Sparse attention for video diffusion}, eprint={2501.00001},\n"
        "  abstract={We accelerate video diffusion.}}\n"
        "@article{b, author={No Title}}\n",
        encoding="utf-8",
    )
    result = _run(home, config, "profile", "import", str(bib))
    assert result.exit_code == 3, result.output  # partial: one entry skipped
    assert f"{bib}: 1 item(s) imported (bibtex)" in result.output
    assert "lib.bib:3: entry 'b' has no title" in result.output
    shown = _run(home, config, "profile", "show")
    assert shown.exit_code == 0, shown.output
    assert "reading list: 1 item(s) (1 bibtex)" in shown.output
    assert "2501.00001  Sparse attention for video diffusion" in shown.output
    assert "  2  reinforcement learning" in shown.output
    # The imported item now joins the profile: Light Forcing (video diffusion, sparse attention) leads.
    explained = _run(home, config, "explain", "2602.04789")
    assert "profile matches: " in explained.output and "Sparse attention for video diffusion" in explained.output


def test_profile_import_ids_fetches_through_the_configured_arxiv_api(home: Path, config: Path, tmp_path: Path) -> None:
    ids = tmp_path / "ids.txt"
    ids.write_text("1605.08386\n2104.12255v1\n", encoding="utf-8")
    with FakeArxiv([], recorded_api=True) as fake:
        env = {
            "PAPERBRIEF_ARXIV_API_URL": fake.api_url,
            "PAPERBRIEF_ARXIV_DELAY_SECONDS": "0",
            "PAPERBRIEF_ARXIV_RETRIES": "0",
        }
        result = _run(home, config, "profile", "import", str(ids), "--format", "ids", env=env)
        requests = [r.query["id_list"] for r in fake.requests("/api")]
    assert result.exit_code == 0, result.output
    assert "2 item(s) imported (ids)" in result.output
    assert "2 abstract(s) fetched from arXiv" in result.output
    assert requests == ["1605.08386,2104.12255"]
    shown = _run(home, config, "profile", "show")
    assert "1605.08386  Heat-bath random walks with Markov bases" in shown.output


def test_profile_import_of_a_missing_file_fails_with_one_line(home: Path, config: Path, tmp_path: Path) -> None:
    result = _run(home, config, "profile", "import", str(tmp_path / "nope.bib"))
    assert result.exit_code == 1
    assert result.output == f"Error: reading list {tmp_path / 'nope.bib'} not found\n"


def test_environment_does_not_leak_into_these_tests() -> None:
    assert not [n for n in os.environ if n.startswith(("PAPERBRIEF_", "OPENAI_"))]


@pytest.mark.parametrize(
    ("name", "text"), [("empty.ris", ""), ("junk.bib", "not a bib file at all\n"), ("blank.txt", "# nothing\n")]
)
def test_profile_import_of_a_file_without_entries_fails(
    home: Path, config: Path, tmp_path: Path, name: str, text: str
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = _run(home, config, "profile", "import", str(path))
    assert result.exit_code == 1
    assert result.output == f"Error: no entries found in {path}\n"


SCORE_CONFIG = CONFIG.replace("max_papers = 5", "max_papers = 4") + 'mode = "score"\nmax_llm_papers = 6\n'
# The six papers score mode sends (5 best by profile rank + the watched author's), with their LLM scores.
SCORES = {"2602.04868": 57, "2602.04905": 63, "2602.04904": 80, "2602.04809": 91, "2602.04821": None, "2602.04903": 40}


def _store_scores(home: Path, *, with_digest: bool) -> None:
    store = Store(sqlite_url(home / "paperbrief.db"))
    try:
        papers = {p.arxiv_id: p for p in store.announced_papers(DAY)}
        summaries = {}
        for arxiv_id, score in SCORES.items():
            failed = score is None
            summaries[arxiv_id] = Summary(
                arxiv_id=arxiv_id,
                tldr=None if failed else f"tldr {arxiv_id}",
                score=score,
                backend="llm",
                model="fake-model",
                prompt_version=PROMPT_VERSION,
                status=SummaryStatus.FAILED if failed else SummaryStatus.OK,
                error="HTTP 500: internal error" if failed else None,
            )
            store.put_summary(summaries[arxiv_id])
        if with_digest:
            kept = ["2602.04809", "2602.04904", "2602.04905", "2602.04903"]
            entries = [DigestEntry(number=i, paper=papers[a], summary=summaries[a]) for i, a in enumerate(kept, 1)]
            stats = DigestStats(backend="llm", model="fake-model", prompt_version=PROMPT_VERSION)
            store.save_digest(Digest(date=DAY, language="zh", entries=entries, stats=stats))
    finally:
        store.close()


def _decision(result: Result) -> str:
    return next(line for line in result.output.splitlines() if line.startswith("decision: "))


def test_explain_replays_the_cut_by_llm_score_in_score_mode(home: Path, tmp_path: Path) -> None:
    config = tmp_path / "score.toml"
    config.write_text(SCORE_CONFIG, encoding="utf-8")
    _store_scores(home, with_digest=True)
    cut = _run(home, config, "explain", "2602.04868")
    assert cut.exit_code == 0, cut.output
    assert _decision(cut) == (
        "decision: not selected: cut by LLM score 57 (cut at 63); rank 1 of 34, score 1.349; "
        "profile: reinforcement learning"
    )
    assert "stored digest of 2026-02-05: absent" in cut.output
    kept = _run(home, config, "explain", "2602.04809")
    assert _decision(kept).startswith("decision: selected: LLM score 91 (#1 of 4 by LLM score); rank 4 of 34")
    assert "stored digest of 2026-02-05: #1" in kept.output
    failed = _run(home, config, "explain", "2602.04821")
    expected = "decision: not selected: no LLM score (failed: HTTP 500: internal error); rank 5"
    assert _decision(failed).startswith(expected)
    watched = _run(home, config, "explain", "2602.04903")
    assert _decision(watched).startswith("decision: selected: LLM score 40 (#4 of 4 by LLM score)")
    never_sent = _run(home, config, "explain", "2602.04837")
    assert _decision(never_sent).startswith("decision: not selected: rank ")
    assert "(cut at 6; 1 slot taken by watched authors)" in never_sent.output


def test_explain_in_score_mode_uses_the_configured_models_cache_without_a_digest(home: Path, tmp_path: Path) -> None:
    config = tmp_path / "score.toml"
    config.write_text(SCORE_CONFIG, encoding="utf-8")
    before = _run(home, config, "explain", "2602.04868")
    assert "note: score mode: no stored LLM score for this day" in before.output
    _store_scores(home, with_digest=False)
    result = _run(home, config, "explain", "2602.04868", env={"PAPERBRIEF_LLM_MODEL": "fake-model"})
    assert _decision(result).startswith("decision: not selected: cut by LLM score 57 (cut at 63)")
