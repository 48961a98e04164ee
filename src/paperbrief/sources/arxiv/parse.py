"""Parsers for arXiv's XML: announcement feeds (Atom and RSS 2.0), the search API's Atom, OAI-PMH.

Public so that a saved response (a recorded feed, an API answer) can be read without a network:
`parse_announcement`, `parse_api` and `parse_oai` take the body bytes and return typed pages.
One module per format (`_parse_feed`, `_parse_api`, `_parse_oai`) over shared helpers (`_xml`).

Namespace-aware, order-independent, with entities, DTDs and network access disabled.
Formats: https://info.arxiv.org/help/atom_specifications.html,
https://info.arxiv.org/help/rss_specifications.html,
https://info.arxiv.org/help/api/user-manual.html#_details_of_atom_results_returned,
https://info.arxiv.org/help/oa/index.html.
"""

from __future__ import annotations

from paperbrief.sources.arxiv._parse_api import ApiPage, parse_api
from paperbrief.sources.arxiv._parse_feed import FEED_ERROR_PREFIX as FEED_ERROR_PREFIX
from paperbrief.sources.arxiv._parse_feed import FeedPage, parse_announcement
from paperbrief.sources.arxiv._parse_oai import OaiPage, OaiRecord, parse_oai
from paperbrief.sources.arxiv._xml import ARXIV as ARXIV
from paperbrief.sources.arxiv._xml import ARXIV_OAI as ARXIV_OAI
from paperbrief.sources.arxiv._xml import ARXIV_RAW as ARXIV_RAW
from paperbrief.sources.arxiv._xml import ATOM as ATOM
from paperbrief.sources.arxiv._xml import DC as DC
from paperbrief.sources.arxiv._xml import OAI as OAI
from paperbrief.sources.arxiv._xml import OAI_DC as OAI_DC
from paperbrief.sources.arxiv._xml import OPENSEARCH as OPENSEARCH
from paperbrief.sources.arxiv._xml import normalize as normalize
from paperbrief.sources.arxiv._xml import parse_xml as parse_xml
from paperbrief.sources.arxiv._xml import sanitize_body, split_authors

__all__ = [
    "ApiPage",
    "FeedPage",
    "OaiPage",
    "OaiRecord",
    "parse_announcement",
    "parse_api",
    "parse_oai",
    "sanitize_body",
    "split_authors",
]
