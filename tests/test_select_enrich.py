"""Enrichment from arXiv's own metadata, on real comments recorded from the API (data/fixtures/api)."""

from __future__ import annotations

import pytest
from lxml import etree

from fakes.arxiv_server import recorded_entries
from paperbrief.models import Enrichment, Paper
from paperbrief.select.enrich import code_urls, enrich_paper, venue_of

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"


def _recorded(arxiv_id: str) -> Paper:
    entry = etree.fromstring(recorded_entries()[arxiv_id])
    return Paper(
        arxiv_id=arxiv_id,
        title=entry.findtext(f"{ATOM}title") or "",
        abstract=entry.findtext(f"{ATOM}summary") or "",
        comment=entry.findtext(f"{ARXIV}comment"),
        journal_ref=entry.findtext(f"{ARXIV}journal_ref"),
    )


@pytest.mark.parametrize(
    ("arxiv_id", "expected"),
    [
        ("1605.08386", Enrichment(pages=20, figures=3)),
        (
            "2108.07910",
            Enrichment(
                pages=8,
                figures=8,
                tables=4,
                venue="2021 IEEE International Conference on Artificial Intelligence Testing (AITest)",
            ),
        ),
        (
            "2311.09714",
            Enrichment(
                pages=58, figures=7, tables=9, venue="Software Testing, Verification and Reliability, 35(2):e1914, 2025"
            ),
        ),
        ("1706.00679", Enrichment(figures=6, code_urls=["https://github.com/ydecastro/super-resolution-testing"])),
        (
            "2604.03438",
            Enrichment(
                venue="19th IEEE International Conference on Software Testing, Verification and Validation (ICST 2026)"
            ),
        ),
        (
            "2012.06822",
            Enrichment(
                venue="IEEE International Conference on Software Testing, Verification and Validation (ICST) 2021"
            ),
        ),
        ("1306.4664", Enrichment(pages=14, venue="Algorithmica")),
        ("2007.10224", Enrichment()),  # "Submitted to …" is not an acceptance
        ("2102.08864", Enrichment()),  # "Currently under review at …" neither
    ],
)
def test_enrichment_of_recorded_papers(arxiv_id: str, expected: Enrichment) -> None:
    assert enrich_paper(_recorded(arxiv_id)) == expected


@pytest.mark.parametrize(
    ("comment", "venue"),
    [
        ("Accepted at ICLR 2026", "ICLR 2026"),
        ("NeurIPS 2025 camera-ready", "NeurIPS 2025"),
        (
            "12 pages, 5 figures. To appear in Transactions on Machine Learning Research",
            "Transactions on Machine Learning Research",
        ),
        ("Accepted to CVPR 2026 (Highlight). Project page: https://x.github.io/p", "CVPR 2026 (Highlight)"),
        ("Submitted to ICML 2026", None),
        ("Under review at NeurIPS 2025", None),
        ("ACL 2025 Findings", "ACL 2025 Findings"),
    ],
)
def test_venue_phrases(comment: str, venue: str | None) -> None:
    assert venue_of(comment, None) == venue


def test_code_urls_strip_punctuation_dedupe_and_skip_bare_hosts() -> None:
    abstract = (
        "Code is at https://github.com/Org/Repo. Weights: huggingface.co/org/model-7B, and the data "
        "(https://huggingface.co/datasets/org/data). See also https://github.com/org/repo/ and "
        "\\url{https://gitlab.com/grp/proj}; mirror at codeberg.org/me/proj! Ask on https://github.com."
    )
    assert code_urls(abstract, "Code: https://github.com/Org/Repo.git") == [
        "https://github.com/Org/Repo",
        "https://huggingface.co/org/model-7B",
        "https://huggingface.co/datasets/org/data",
        "https://gitlab.com/grp/proj",
        "https://codeberg.org/me/proj",
    ]


def test_page_and_figure_counts_from_comment() -> None:
    paper = Paper(arxiv_id="2602.00001", title="t", comment="12 pages, 5 figures, 1 table; 9+3 pages appendix")
    enrichment = enrich_paper(paper)
    assert (enrichment.pages, enrichment.figures, enrichment.tables) == (12, 5, 1)


def test_code_urls_match_hosts_case_insensitively_as_re_does() -> None:
    # The host pre-check must find what the URL regex finds under re.IGNORECASE: ASCII in any case,
    # and the non-ASCII letters `re` folds onto ASCII ones (dotted capital I → i), anywhere in a long text.
    assert code_urls("Code: HTTPS://WWW.GitHub.Com/Org/Repo.") == ["HTTPS://WWW.GitHub.Com/Org/Repo"]
    assert code_urls("see gİthub.com/a/b and huggingface.co/m") == [
        "https://gİthub.com/a/b",
        "https://huggingface.co/m",
    ]
    assert code_urls("long text " * 50 + "https://www.gitlab.com/x/y") == ["https://www.gitlab.com/x/y"]
    assert code_urls("hf.co/ and then hf.co/z", None, "") == ["https://hf.co/z"]
    assert code_urls("no host here, only github.io/page and gitlab") == []


def test_found_enrichment_is_none_only_when_nothing_is_found() -> None:
    from paperbrief.select.enrich import found_enrichment

    assert found_enrichment(Paper(arxiv_id="2602.00001", title="t", abstract="plain text")) is None
    # An empty venue and a zero count are findings (they differ from the defaults), as before.
    assert found_enrichment(Paper(arxiv_id="2602.00001", title="t", journal_ref=".")) == Enrichment(venue="")
    assert found_enrichment(Paper(arxiv_id="2602.00001", title="t", comment="0 pages")) == Enrichment(pages=0)
    paper = Paper(arxiv_id="2602.00001", title="t", abstract="Code: github.com/a/b", comment="9 pages, 2 figures")
    assert found_enrichment(paper) == enrich_paper(paper)
