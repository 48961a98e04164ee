"""Parsing of every recorded arXiv response in tests/data/fixtures into the Paper model, field by field."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path

import pytest

from paperbrief.models import AnnounceType, Paper
from paperbrief.sources.arxiv import ArxivAPIError, ArxivFeedError, ArxivOAIError, ArxivParseError
from paperbrief.sources.arxiv.parse import parse_announcement, parse_api, parse_oai, split_authors

FIXTURES = Path(__file__).parent / "data" / "fixtures"
UTC = dt.UTC


def _api(name_prefix: str) -> tuple[str, int, bytes]:
    (path,) = sorted((FIXTURES / "api").glob(f"{name_prefix}*.json"))
    data = json.loads(path.read_text(encoding="utf-8"))
    return data["url"], data["status_code"], data["body"].encode("utf-8")


def _by_id(papers: list[Paper]) -> dict[str, Paper]:
    return {p.arxiv_id: p for p in papers}


# --- every file is covered ------------------------------------------------------------------


def test_every_fixture_file_parses() -> None:
    """Each recorded response parses (or fails with the typed error it documents)."""
    seen = 0
    for path in sorted(FIXTURES.rglob("*")):
        if path.suffix not in (".json", ".xml"):
            continue
        seen += 1
        if path.parent.name == "api" and path.suffix == ".json":
            data = json.loads(path.read_text(encoding="utf-8"))
            if "id_abc" in path.name:
                with pytest.raises(ArxivAPIError):
                    parse_api(data["body"].encode(), data["url"])
            else:
                page = parse_api(data["body"].encode(), data["url"])
                assert all(isinstance(p, Paper) and p.title for p in page.papers)
        elif path.parent.name == "legacy-2016":
            assert parse_api(path.read_bytes()).papers
        elif path.parent.name == "rss":
            if "error" in path.name:
                with pytest.raises(ArxivFeedError):
                    parse_announcement(path.read_bytes())
            else:
                assert parse_announcement(path.read_bytes()).date is not None
        elif path.parent.name == "oai":
            assert len(parse_oai(path.read_bytes()).records) == 8
        else:  # pragma: no cover - a new folder must get its own test
            raise AssertionError(f"unexpected fixture {path}")
    assert seen == 31


# --- RSS announcement feeds -----------------------------------------------------------------


def test_rss_many_archives_counts() -> None:
    """The 2024-11-28 capture: 1,504 items, new 926 / cross 9 / replace 569, per-category tags."""
    page = parse_announcement((FIXTURES / "rss" / "rss-2024-11-28-many-archives.xml").read_bytes())
    assert page.date == dt.date(2024, 11, 28)
    assert len(page.papers) == 1504
    assert len({p.arxiv_id for p in page.papers}) == 1504
    kinds = Counter(p.announce_type for p in page.papers)
    assert kinds == {AnnounceType.NEW: 926, AnnounceType.CROSS: 9, AnnounceType.REPLACE: 569}
    tags = Counter(c for p in page.papers for c in p.categories)
    assert (tags["cs.LG"], tags["cs.AI"], tags["cs.CL"], tags["cs.CV"]) == (218, 194, 102, 227)
    assert all(p.announced == dt.date(2024, 11, 28) for p in page.papers)
    assert sum(1 for p in page.papers if p.doi) == 111
    assert sum(1 for p in page.papers if p.journal_ref) == 97


def test_rss_item_fields() -> None:
    """A `new` item with DOI and journal reference, read field by field."""
    page = parse_announcement((FIXTURES / "rss" / "rss-2024-11-28-many-archives.xml").read_bytes())
    paper = _by_id(page.papers)["2411.17758"]
    assert paper.version == 1
    assert paper.title == "PP-LEM: Efficient and Privacy-Preserving Clearance Mechanism for Local Energy Markets"
    assert paper.authors == ["Kamil Erdayandi", "Mustafa Asan Mustafa"]
    assert paper.categories == ["cs.GT", "cs.CR"]
    assert paper.primary_category is None  # the feed does not say; enrichment fills it
    assert paper.abstract.startswith("In this paper, we propose a novel Privacy-Preserving clearance mechanism")
    assert paper.abstract.endswith("while still providing user privacy protection.")
    assert "Announce Type" not in paper.abstract
    assert paper.doi == "10.1016/j.segan.2024.101477"
    assert paper.journal_ref == ("Sustainable Energy, Grids and Networks, Volume 39, 2024, 101477, ISSN 2352-4677")
    assert paper.announce_type is AnnounceType.NEW
    assert paper.published is None and paper.updated is None and paper.comment is None


def test_rss_affiliations_are_dropped_from_author_names() -> None:
    """`dc:creator` appends affiliations in parentheses, which may hold commas and 'and'."""
    page = parse_announcement((FIXTURES / "rss" / "rss-2024-11-28-many-archives.xml").read_bytes())
    with_affil = [p for p in page.papers if "IFPEN" in " ".join(p.authors) or "LEMTA" in " ".join(p.authors)]
    assert with_affil == []
    paper = next(p for p in page.papers if p.authors[:2] == ["Mohammed Riadh Berramdane", "Alexandre Battiston"])
    assert paper.authors == [
        "Mohammed Riadh Berramdane",
        "Alexandre Battiston",
        "Michele Bardi",
        "Nicolas Blet",
        "Benjamin R\\'emy",
        "Matthieu Urbain",
    ]


def test_rss_abstract_whitespace_normalised() -> None:
    """Multi-line descriptions ("…\n  Keywords: …") collapse to single spaces."""
    page = parse_announcement((FIXTURES / "rss" / "rss-2024-11-28-many-archives.xml").read_bytes())
    paper = _by_id(page.papers)["2411.18002"]
    assert paper.abstract.endswith(
        "on model performance. Keywords: two-stream, egocentric, action recognition, CAM, representation flow, "
        "CAM, ConvLSTM"
    )
    assert all("\n" not in p.abstract and "  " not in p.abstract for p in page.papers)


def test_rss_empty_day_has_a_date_and_no_items() -> None:
    """A real channel with no items: dated by its pubDate, no papers."""
    page = parse_announcement((FIXTURES / "rss" / "rss-empty-day.xml").read_bytes())
    assert page.date == dt.date(2024, 11, 28)
    assert page.papers == []


def test_rss_feed_error_for_query() -> None:
    """The 'Feed error for query' channel is a typed error carrying arXiv's message."""
    with pytest.raises(ArxivFeedError) as info:
        parse_announcement((FIXTURES / "rss" / "rss-error-bad-archive.xml").read_bytes(), "https://x/rss/astroph")
    assert "Bad archive 'astroph'" in str(info.value)
    assert info.value.url == "https://x/rss/astroph"
    assert "\n" not in str(info.value)


ATOM_ENTRY = """<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/"
      xmlns="http://www.w3.org/2005/Atom" xml:lang="en-us">
  <id>http://rss.arxiv.org/atom/cs.AI</id>
  <title>cs.AI updates on arXiv.org</title>
  <updated>2025-08-20T04:00:19.866337+00:00</updated>
  <entry>
    <id>oai:arXiv.org:2508.13426v1</id>
    <title>ALIGN: Word Association Learning for Cross-Cultural Generalization in Large Language Models</title>
    <updated>2025-08-20T04:00:19.899254+00:00</updated>
    <link href="https://arxiv.org/abs/2508.13426" rel="alternate" type="text/html"/>
    <summary>arXiv:2508.13426v1 Announce Type: cross
Abstract: As large language models (LLMs) increasingly mediate cross-cultural communication,
 grounded in human cognition in improving cultural alignment in AI models.</summary>
    <category term="cs.CL"/>
    <category term="cs.AI"/>
    <published>2025-08-20T00:00:00-04:00</published>
    <arxiv:announce_type>cross</arxiv:announce_type>
    <dc:rights>http://creativecommons.org/licenses/by-nc-sa/4.0/</dc:rights>
    <dc:creator>Chunhua Liu, Kabir Manandhar Shrestha, Sukai Huang</dc:creator>
  </entry>
</feed>"""


def test_atom_feed_entry_from_access_guide() -> None:
    """The real Atom entry quoted in arxiv-access.md (zotero-arxiv-daily capture, 2025-08-20)."""
    page = parse_announcement(ATOM_ENTRY.encode())
    assert page.date == dt.date(2025, 8, 20)
    (paper,) = page.papers
    assert (paper.arxiv_id, paper.version) == ("2508.13426", 1)
    assert paper.announce_type is AnnounceType.CROSS
    assert paper.categories == ["cs.CL", "cs.AI"]
    assert paper.authors == ["Chunhua Liu", "Kabir Manandhar Shrestha", "Sukai Huang"]
    assert paper.abstract == (
        "As large language models (LLMs) increasingly mediate cross-cultural communication, grounded in human "
        "cognition in improving cultural alignment in AI models."
    )
    assert paper.announced == dt.date(2025, 8, 20)


def test_empty_atom_feed_dated_by_build_time() -> None:
    """An empty Atom feed has no <published>; its build time (04:00 UTC = midnight EDT) dates it."""
    body = b"""<feed xmlns="http://www.w3.org/2005/Atom"><id>x</id><title>cs.AI updates on arXiv.org</title>
    <updated>2025-08-23T04:00:19+00:00</updated></feed>"""
    page = parse_announcement(body)
    assert page.date == dt.date(2025, 8, 23)
    assert page.papers == []


def test_old_style_ids_latex_non_ascii_withdrawn_and_no_abstract_in_feed() -> None:
    """Old-style ids (with and without version), LaTeX, non-ASCII names, a withdrawal, an empty abstract."""
    body = """<?xml version='1.0' encoding='UTF-8'?>
<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" version="2.0"><channel>
<title>astro-ph updates on arXiv.org</title><pubDate>Mon, 19 Jan 2026 00:00:00 -0500</pubDate>
<item><title>The $\\Lambda$CDM model and   the H\\"older bound: 暗能量 🌌</title>
<link>https://arxiv.org/abs/astro-ph/0601001</link>
<description>arXiv:astro-ph/0601001v3 Announce Type: replace-cross
Abstract: This paper has been withdrawn by the author due to an error in eq. (3).</description>
<guid isPermaLink="false">oai:arXiv.org:astro-ph/0601001v3</guid>
<category>astro-ph</category><category>gr-qc</category>
<arxiv:announce_type>replace-cross</arxiv:announce_type>
<dc:creator>Zoë Çelik, 王小明 (清华大学, Beijing), J. Müller</dc:creator></item>
<item><title>No abstract here</title><link>https://arxiv.org/abs/hep-th/9901001</link>
<description>arXiv:hep-th/9901001v2 Announce Type: replace
Abstract: </description><guid isPermaLink="false">oai:arXiv.org:hep-th/9901001v2</guid>
<category>hep-th</category><arxiv:announce_type>replace</arxiv:announce_type><dc:creator>A. Author</dc:creator></item>
</channel></rss>""".encode()
    page = parse_announcement(body)
    assert page.date == dt.date(2026, 1, 19)
    old, empty = page.papers
    assert (old.arxiv_id, old.version) == ("astro-ph/0601001", 3)
    assert old.title == 'The $\\Lambda$CDM model and the H\\"older bound: 暗能量 🌌'
    assert old.authors == ["Zoë Çelik", "王小明", "J. Müller"]
    assert old.abstract == "This paper has been withdrawn by the author due to an error in eq. (3)."
    assert old.announce_type is AnnounceType.REPLACE_CROSS
    assert old.categories == ["astro-ph", "gr-qc"]
    assert (empty.arxiv_id, empty.version, empty.abstract) == ("hep-th/9901001", 2, "")
    assert empty.announce_type is AnnounceType.REPLACE


@pytest.mark.parametrize("body", [b"", b"   \n", b"<rss><channel><title>x</title>", b"<html>oops</html>"])
def test_empty_or_malformed_feed_is_a_parse_error(body: bytes) -> None:
    """Empty bodies (aRxiv #66: "XML content does not seem to be XML: ''") and broken XML are typed errors."""
    with pytest.raises(ArxivParseError):
        parse_announcement(body, "https://rss.example/atom/cs.AI")


def test_entities_are_not_expanded() -> None:
    """A DTD with an external entity is neither loaded nor resolved (no XXE, no network)."""
    body = b"""<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>&xxe;</title><pubDate>Mon, 19 Jan 2026 00:00:00 -0500</pubDate></channel></rss>"""
    page = parse_announcement(body)
    assert "root:" not in page.title


# --- API (export.arxiv.org/api/query) -------------------------------------------------------


def test_api_testing_pages_counts_and_overlap() -> None:
    """The all:testing pages: totalResults 214881, page sizes, and overlapping windows dedup by id."""
    ids: dict[tuple[int, int], list[str]] = {}
    for path in sorted((FIXTURES / "api").glob("q_testing_*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        page = parse_api(data["body"].encode(), data["url"])
        assert page.total == 214881
        assert page.per_page == len(page.papers)
        assert page.start is not None
        ids[(page.start, len(page.papers))] = [p.arxiv_id for p in page.papers]
    assert set(ids) == {(0, 10), (0, 15), (0, 100), (5, 10), (5, 15), (9, 15), (10, 10), (20, 10), (30, 10), (40, 10)}
    # s5_m10 is the middle of s0_m15 (the API is deterministic for one query)
    assert ids[(5, 10)] == ids[(0, 15)][5:15]
    merged = ids[(0, 10)] + ids[(10, 10)] + ids[(20, 10)] + ids[(30, 10)] + ids[(40, 10)]
    assert len(set(merged)) == 50


def test_api_entry_fields_current_layout() -> None:
    """2202.12139v1 from the 2026 capture, every field (primary listed first, DOI, journal ref, comment)."""
    _, _, body = _api("q_testing_s0_m10_")
    paper = _by_id(parse_api(body).papers)["2202.12139"]
    assert paper.version == 1
    assert paper.title == "Testing Deep Learning Models: A First Comparative Study of Multiple Testing Techniques"
    assert paper.authors == ["Mohit Kumar Ahuja", "Arnaud Gotlieb", "Helge Spieker"]
    assert paper.categories == ["cs.SE", "cs.LG"]
    assert paper.primary_category == "cs.SE"
    assert paper.published == dt.datetime(2022, 2, 24, 15, 5, 19, tzinfo=UTC)
    assert paper.updated == dt.datetime(2022, 2, 24, 15, 5, 19, tzinfo=UTC)
    assert paper.comment == "Artificial Intelligence in Software Testing 2022 workshop @ ICST 2022"
    assert paper.journal_ref is not None and paper.journal_ref.startswith("Artificial Intelligence in Software")
    assert paper.doi == "10.1109/ICSTW55395.2022.00035"
    assert paper.abstract.startswith("Deep Learning (DL) has revolutionized the capabilities")
    assert paper.announce_type is None and paper.announced is None


def test_api_old_style_versioned_id() -> None:
    """quant-ph/0201082v1: an old-style id, leading spaces in the abstract stripped."""
    url, status, body = _api("id_quant-ph_0201082v1_")
    assert status == 200 and "quant-ph%2F0201082v1" in url
    (paper,) = parse_api(body).papers
    assert (paper.arxiv_id, paper.version) == ("quant-ph/0201082", 1)
    assert paper.primary_category == "quant-ph"
    assert paper.categories == ["quant-ph", "cs.PL"]
    assert paper.comment == "32 pages"
    assert paper.authors == ["Stephen Blaha"]
    assert paper.abstract.startswith("We show a representation of Quantum Computers")
    assert paper.published == dt.datetime(2002, 1, 18, 15, 8, 5, tzinfo=UTC)


def test_api_many_authors_and_recorded_mojibake() -> None:
    """1707.08567: 34 authors in order; the capture holds arXiv's own double-encoded 'WÃ¼bben', kept as sent."""
    _, _, body = _api("id_1707.08567_")
    (paper,) = parse_api(body).papers
    assert len(paper.authors) == 34
    assert paper.authors[0] == "Kees A. Schouhamer Immink"
    assert paper.authors[-1] == "Hirosuke Yamamoto"
    assert "Dirk WÃ¼bben" in paper.authors
    assert paper.comment == "44 pages, editors for the proceedings: Yanling Chen and A. J. Han Vinck"
    assert paper.categories == ["cs.IT"]


def test_api_other_id_lookups() -> None:
    """1605.08386 (two categories, comment) and 2104.12255v1 (title '0', no comment)."""
    _, _, body = _api("id_1605.08386_")
    (paper,) = parse_api(body).papers
    assert paper.title == "Heat-bath random walks with Markov bases"
    assert paper.categories == ["math.CO", "math.ST"] and paper.primary_category == "math.CO"
    assert paper.comment == "20 pages, 3 figures"
    assert paper.authors == ["Caprice Stanley", "Tobias Windisch"]
    _, _, body = _api("id_2104.12255v1_")
    (zero,) = parse_api(body).papers
    assert (zero.arxiv_id, zero.version, zero.title) == ("2104.12255", 1, "0")
    assert zero.comment is None and zero.primary_category == "cs.CR"


@pytest.mark.parametrize("prefix", ["id_0000.0000_", "id_0808.05394_"])
def test_api_unknown_id_is_an_empty_page(prefix: str) -> None:
    """A well-formed unknown id: HTTP 200, totalResults 0, no entries (arxiv.py test_invalid_id)."""
    _, status, body = _api(prefix)
    page = parse_api(body)
    assert status == 200
    assert (page.total, page.papers) == (0, [])


def test_api_error_feed() -> None:
    """id_list=abc: HTTP 400 with an entry whose id is …/api/errors#…; a typed one-line error."""
    url, status, body = _api("id_abc_")
    assert status == 400
    with pytest.raises(ArxivAPIError) as info:
        parse_api(body, url)
    assert info.value.message == "arXiv API error: incorrect id format for abc"
    assert info.value.url == url


def test_api_legacy_2016_layout() -> None:
    """2016 layout: per-element xmlns, -04:00 feed times, hard-wrapped title and abstract."""
    page = parse_api((FIXTURES / "api" / "legacy-2016" / "id_list_1111.2011v2.xml").read_bytes())
    (paper,) = page.papers
    assert (paper.arxiv_id, paper.version) == ("1111.2011", 2)
    assert paper.title == ("Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large Connectivity Limit")
    assert paper.abstract.startswith("Theoretical description of anisotropic systems, such as layered superconductors")
    assert "\n" not in paper.abstract
    assert paper.authors == ["James M. Murray", "Adrian Del Maestro", "Zlatko Tesanovic"]
    assert paper.categories == ["cond-mat.str-el", "cond-mat.stat-mech"]
    assert paper.primary_category == "cond-mat.str-el"
    assert paper.doi == "10.1103/PhysRevB.85.115117"
    assert paper.journal_ref == "Phys. Rev. B 85, 115117 (2012)"
    assert paper.comment == "8 pages, 3 figures. Published version"
    assert paper.published == dt.datetime(2011, 11, 8, 18, 48, 36, tzinfo=UTC)
    assert paper.updated == dt.datetime(2012, 4, 2, 12, 38, 54, tzinfo=UTC)


def test_api_legacy_search_pages() -> None:
    """The 2016 searches: totals and an old-style id entry (cond-mat/0603029v1)."""
    folder = FIXTURES / "api" / "legacy-2016"
    expected = {
        "search_au_del_maestro.xml": (31, 10),
        "search_au_del_maestro_ANDNOT_checkerboard_OR_pyrochlore.xml": (24, 10),
        "search_au_del_maestro_AND_ti_checkerboard.xml": (1, 1),
        "search_au_del_maestro_AND_ti_quantum_criticality.xml": (2, 2),
    }
    for name, (total, count) in expected.items():
        page = parse_api((folder / name).read_bytes())
        assert (page.total, len(page.papers)) == (total, count), name
    (paper,) = parse_api((folder / "search_au_del_maestro_AND_ti_checkerboard.xml").read_bytes()).papers
    assert (paper.arxiv_id, paper.version) == ("cond-mat/0603029", 1)
    assert paper.authors == ["Adrian Del Maestro", "Bernd Rosenow", "Subir Sachdev"]
    assert paper.doi == "10.1103/PhysRevB.74.024520"
    assert paper.journal_ref == "Phys. Rev. B 74, 024520 (2006)"
    assert paper.comment == "10 pages, 11 figures; added reference"
    assert paper.primary_category == "cond-mat.str-el"


def test_api_acm_and_msc_codes_are_not_categories() -> None:
    """<category term="I.2.6"> (ACM) and "68T05" (MSC) are not arXiv categories."""
    body = b"""<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom"><entry>
    <id>http://arxiv.org/abs/2401.00001v2</id><title>T</title><summary>S</summary>
    <category term="I.2.6" scheme="http://arxiv.org/schemas/atom"/><category term="cs.LG"/>
    <category term="68T05"/><arxiv:primary_category term="stat.ML"/></entry></feed>"""
    (paper,) = parse_api(body).papers
    assert paper.categories == ["stat.ML", "cs.LG"]
    assert paper.version == 2


# --- OAI-PMH --------------------------------------------------------------------------------


def test_oai_arxivraw_pages() -> None:
    """arXivRaw: versions give published (v1) and updated (latest); token on page 1 only."""
    page1 = parse_oai((FIXTURES / "oai" / "ListRecords_arXivRaw_page1.xml").read_bytes())
    page2 = parse_oai((FIXTURES / "oai" / "ListRecords_arXivRaw_page2.xml").read_bytes())
    assert page1.token == "metadataPrefix%3DarXivRaw%26skip%3D8"
    assert page2.token is None
    first = page1.records[0]
    assert first.identifier == "oai:arXiv.org:cs/0001024"
    assert first.datestamp == dt.date(2005, 9, 17)
    assert first.sets == ["cs:cs:CV"]
    paper = first.paper
    assert paper is not None
    assert (paper.arxiv_id, paper.version) == ("cs/0001024", 1)
    assert paper.authors == ["B. R. Schlei", "L. Prasad"]
    assert paper.categories == ["cs.CV"] and paper.primary_category == "cs.CV"
    assert paper.published == dt.datetime(2000, 1, 25, 16, 9, 37, tzinfo=UTC)
    assert paper.comment is not None and paper.comment.startswith("5 pages, including 3 figures.")
    papers = _by_id([r.paper for r in page1.records + page2.records if r.paper])
    assert len(papers) == 16
    two = papers["0704.0248"]
    assert two.version == 2 and two.categories == ["physics.optics", "math-ph", "math.MP"]
    assert "Maxwell's equations" in two.abstract
    assert papers["1008.3222"].authors == ["Christoffer Sloth", "Rafael Wisniewski"]
    six = papers["1011.0046"]
    assert six.version == 6
    assert six.published == dt.datetime(2010, 10, 30, 6, 11, 35, tzinfo=UTC)
    assert six.updated == dt.datetime(2012, 3, 1, 5, 21, 39, tzinfo=UTC)
    herzig = next(p for p in papers.values() if p.doi == "10.1515/CRELLE.2011.190")
    assert herzig.title == "Conjecture de type de Serre et formes compagnons pour GSp_4"
    assert herzig.authors == ["Florian Herzig", "Jacques Tilouine"]
    assert herzig.journal_ref == "J. Reine Angew. Math. (Crelle) 676 (2013), 1-32"
    assert herzig.comment == "36 pages"


def test_oai_arxiv_format_pages() -> None:
    """arXiv format: forenames + keyname, created/updated dates (no version number)."""
    page1 = parse_oai((FIXTURES / "oai" / "ListRecords_arXiv_page1.xml").read_bytes())
    page2 = parse_oai((FIXTURES / "oai" / "ListRecords_arXiv_page2.xml").read_bytes())
    assert page1.token == "metadataPrefix%3DarXiv%26skip%3D8" and page2.token is None
    papers = _by_id([r.paper for r in page1.records + page2.records if r.paper])
    assert len(papers) == 16
    first = papers["cs/0001024"]
    assert first.authors == ["B. R. Schlei", "L. Prasad"]
    assert first.published == dt.datetime(2000, 1, 25, tzinfo=UTC)
    assert first.updated == dt.datetime(2009, 11, 30, tzinfo=UTC)
    assert papers["0704.0248"].authors == ["Ricardo Weder"]
    assert sum(1 for p in papers.values() if p.doi) == 6
    assert sum(1 for p in papers.values() if p.journal_ref) == 7


def test_oai_dc_pages() -> None:
    """oai_dc: 'Last, First' creators, first description = abstract, second = comment, sets → categories."""
    page1 = parse_oai((FIXTURES / "oai" / "ListRecords_oai_dc_page1.xml").read_bytes())
    page2 = parse_oai((FIXTURES / "oai" / "ListRecords_oai_dc_page2.xml").read_bytes())
    assert page1.token == "metadataPrefix%3Doai_dc%26skip%3D8" and page2.token is None
    papers = _by_id([r.paper for r in page1.records + page2.records if r.paper])
    assert len(papers) == 16
    first = papers["cs/0001024"]
    assert first.title == "A Parallel Algorithm for Dilated Contour Extraction from Bilevel Images"
    assert first.authors == ["B. R. Schlei", "L. Prasad"]
    assert first.abstract.startswith("We describe a simple, but efficient algorithm")
    assert first.comment is not None and first.comment.startswith("5 pages")
    assert first.categories == ["cs.CV"]
    assert papers["0704.0248"].categories == ["physics.optics", "math-ph", "math.MP"]


def test_oai_errors() -> None:
    """noRecordsMatch is an empty page; any other OAI error code is typed."""
    ns = b'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
    empty = ns + b'<error code="noRecordsMatch">none</error></OAI-PMH>'
    assert parse_oai(empty).records == []
    bad = ns + b'<error code="badArgument">bad set</error></OAI-PMH>'
    with pytest.raises(ArxivOAIError) as info:
        parse_oai(bad, "https://oai/x")
    assert info.value.code == "badArgument"


def test_oai_deleted_record_has_no_paper() -> None:
    """A header with status="deleted" yields a record without a paper."""
    body = b"""<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords><record>
    <header status="deleted"><identifier>oai:arXiv.org:2401.00001</identifier><datestamp>2024-01-02</datestamp>
    </header></record><resumptionToken/></ListRecords></OAI-PMH>"""
    page = parse_oai(body)
    assert page.records[0].paper is None and page.token is None


def test_split_authors_with_and() -> None:
    """arXivRaw author strings use ', ' and ' and '; parentheses protect affiliations."""
    assert split_authors("A. One, B. Two and C. Three (Univ. of X and Y, Z)", split_and=True) == [
        "A. One",
        "B. Two",
        "C. Three",
    ]
