"""Facts read from a paper's own metadata, no extra service: code links, venue, page/figure counts.

Sources are the abstract, arXiv's free-text `comment` and `journal_ref`
(https://info.arxiv.org/help/prep.html#comments).
"""

from __future__ import annotations

import re

from paperbrief.models import Enrichment, Paper

# Code hosts worth linking; project pages (github.io) are not code.
_CODE_URL = re.compile(
    r"(?:https?://)?(?:www\.)?(?:github\.com|gitlab\.com|huggingface\.co|hf\.co|codeberg\.org)/[^\s<>\"'(){}\[\]\\,]+",
    re.IGNORECASE,
)
_TRAILING = ".,;:!?'\"*"
# The hosts `_CODE_URL` requires, for a cheap look before it runs (it has no fixed first character,
# so `re` tries it at every position of every abstract).
_CODE_HOSTS = ("github.com", "gitlab.com", "huggingface.co", "hf.co", "codeberg.org")
_CODE_HOST = re.compile("|".join(re.escape(host) for host in _CODE_HOSTS), re.IGNORECASE)
_LONGEST_PREFIX = len("https://www.")  # what `_CODE_URL` allows before the host
_HTTP = re.compile(r"^http://", re.IGNORECASE)

_COUNT = r"(\d{1,4})\s*(?:\+\s*\d{1,4}\s*)?"
_PAGES = re.compile(_COUNT + r"(?:pages?|pp\b|pgs?\b)", re.IGNORECASE)
_FIGURES = re.compile(_COUNT + r"(?:figures?|figs?\b\.?)", re.IGNORECASE)
_TABLES = re.compile(_COUNT + r"tables?\b", re.IGNORECASE)

# Acceptance phrases, in the order they are tried; the venue is the text after the phrase.
_ACCEPTED = re.compile(
    r"\b(?:paper\s+|this\s+paper\s+is\s+)?(?:accepted|to\s+appear|to\s+be\s+published|published|appears?|presented"
    r"|appearing)(?:\s+(?:as\s+(?:an?\s+)?[\w\s-]*?paper|for\s+publication|in\s+the\s+proceedings\s+of))?"
    r"\s+(?:at|to|by|in|on|for)\s*:?\s+(?:the\s+)?(?P<venue>[^;\n]+)",
    re.IGNORECASE,
)
_PROCEEDINGS = re.compile(r"\bin\s+(?:the\s+)?proceedings\s+of\s+(?:the\s+)?(?P<venue>[^;\n]+)", re.IGNORECASE)
_NOT_ACCEPTED = re.compile(r"\b(?:submitted|under\s+review|in\s+submission|under\s+submission)\b", re.IGNORECASE)
# Well-known venues named with a year without an acceptance verb ("NeurIPS 2025 camera-ready").
_KNOWN_VENUE = re.compile(
    r"\b(?P<venue>(?:NeurIPS|NIPS|ICLR|ICML|CVPR|ICCV|ECCV|ACL|EMNLP|NAACL|EACL|COLING|AAAI|IJCAI|KDD|WWW|SIGIR"
    r"|CoRL|ICRA|IROS|RSS|UAI|AISTATS|COLT|WACV|BMVC|MICCAI|ISSTA|ICSE|FSE|ICST|SODA|STOC|FOCS|POPL|PLDI"
    r"|TMLR|JMLR|TPAMI|IJCV)(?:\s*[-']?\s*(?:19|20)?\d{2})(?:\s+(?:Workshops?|Findings|Oral|Spotlight))?)\b",
)
# Case-sensitive on purpose: "Proc. of the" continues a venue, ". Code at" starts a new sentence.
_VENUE_END = re.compile(r"\s*(?:,\s*\d+\s*(?:[Pp]ages?|[Ff]igures?|[Tt]ables?)\b.*|\.\s+[A-Z0-9].*|[.,]\s*$)")

# Compiled once (not looked up in `re`'s cache for every paper).
_PROCEEDINGS_OF = re.compile(r"^(?:the\s+)?(?:proceedings|proc\.?)\s+of\s+(?:the\s+)?", re.IGNORECASE)
_SENTENCES = re.compile(r"(?<=[.;])\s+(?=[A-Z\"(])|\s+/\s+")
_ACCEPTED_WORD = re.compile(r"\baccepted\b", re.IGNORECASE)
_CLAUSES = re.compile(r"(?<=[.;,])\s+")


def code_urls(*texts: str | None) -> list[str]:
    """GitHub/GitLab/Hugging Face/Codeberg URLs, trailing punctuation stripped, duplicates removed."""
    found: list[str] = []
    seen: set[str] = set()
    for text in texts:
        if not text:
            continue
        host_at = _first_code_host(text)
        if host_at < 0:
            continue
        # A match is at most "https://www." before its host, so none starts before this point.
        for match in _CODE_URL.finditer(text, max(0, host_at - _LONGEST_PREFIX)):
            url = match.group(0).rstrip(_TRAILING)
            url = url if url.lower().startswith("http") else "https://" + url
            url = _HTTP.sub("https://", url)
            path = url.split("/", 3)[3] if url.count("/") >= 3 else ""
            if not path.strip("/"):
                continue  # a bare host is no link to code
            key = url.rstrip("/").removesuffix(".git").lower()
            if key not in seen:
                seen.add(key)
                found.append(url.rstrip("/"))
    return found


def _first_code_host(text: str) -> int:
    """Where `text` first names a code host as `_CODE_URL` matches it (case-insensitively), or -1: no code URL.

    ASCII text is lowered and searched as plain text. Other text goes through `re`'s own
    case-insensitive rule, which also lets e.g. the Kelvin sign or a dotted capital I match
    ASCII letters, as in `_CODE_URL` (https://docs.python.org/3/library/re.html#re.IGNORECASE).
    """
    if text.isascii():
        lowered = text.lower()  # same length and positions as `text` for ASCII
        if ".co" not in lowered and "codeberg.org" not in lowered:
            return -1  # every other host ends in ".com" or ".co": two searches settle most abstracts
        found = [at for at in (lowered.find(host) for host in _CODE_HOSTS) if at >= 0]
        return min(found) if found else -1
    match = _CODE_HOST.search(text)
    return match.start() if match else -1


def _count(pattern: re.Pattern[str], text: str) -> int | None:
    match = pattern.search(text)
    return int(match.group(1)) if match else None


def _clean_venue(raw: str) -> str:
    venue = _VENUE_END.sub("", raw.strip())
    venue = _PROCEEDINGS_OF.sub("", venue)
    venue = venue.strip(" .,:;-\"'“”")
    # Drop a bracket only when it is unbalanced ("(ISSTA 2020)" keeps both).
    if venue.endswith(")") and venue.count(")") > venue.count("("):
        venue = venue[:-1].rstrip()
    if venue.startswith("(") and venue.count("(") > venue.count(")"):
        venue = venue[1:].lstrip()
    if len(venue) > 120:
        venue = venue[:117].rstrip() + "…"
    return venue


def venue_of(comment: str | None, journal_ref: str | None) -> str | None:
    """Venue or acceptance: an acceptance phrase in the comment, else the journal ref, else "ICLR 2026"-style."""
    text = comment or ""
    # Sentences end at ". X" (not at "Proc. of"); "/" separates unrelated remarks.
    for clause in _SENTENCES.split(text):
        if _NOT_ACCEPTED.search(clause) and not _ACCEPTED_WORD.search(clause):
            continue
        for pattern in (_ACCEPTED, _PROCEEDINGS):
            match = pattern.search(clause)
            if match:
                venue = _clean_venue(match.group("venue"))
                if venue:
                    return venue
    if journal_ref and journal_ref.strip():
        return _clean_venue(journal_ref)
    for clause in _CLAUSES.split(text):
        if _NOT_ACCEPTED.search(clause):
            continue
        match = _KNOWN_VENUE.search(clause)
        if match:
            return " ".join(match.group("venue").split())
    return None


def enrich_paper(paper: Paper) -> Enrichment:
    """Code links, venue and page/figure/table counts of one paper."""
    urls, venue, pages, figures, tables = _facts(paper)
    return Enrichment(code_urls=urls, venue=venue, pages=pages, figures=figures, tables=tables)


def found_enrichment(paper: Paper) -> Enrichment | None:
    """`enrich_paper`, or None when it finds nothing (every field at its default); no empty object is made."""
    urls, venue, pages, figures, tables = _facts(paper)
    if not urls and venue is None and pages is None and figures is None and tables is None:
        return None
    return Enrichment(code_urls=urls, venue=venue, pages=pages, figures=figures, tables=tables)


def _facts(paper: Paper) -> tuple[list[str], str | None, int | None, int | None, int | None]:
    comment = paper.comment or ""
    return (
        code_urls(paper.abstract, comment),
        venue_of(comment, paper.journal_ref),
        _count(_PAGES, comment),
        _count(_FIGURES, comment),
        _count(_TABLES, comment),
    )
