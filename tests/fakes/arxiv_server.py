"""A local fake of arXiv (feed, search API, OAI-PMH) on 127.0.0.1 with scripted faults.

The one fake arXiv of the test suite. The announcement day is the reference day
(`fakes.reference`: 30 papers submitted 2026-02-04 before 14:00 ET, announced that evening, i.e.
the feed dated 2026-02-05). The API answers `id_list` and `search_query` (cat: + submittedDate:[…])
from the same data; with `recorded_api=True` it also answers `id_list` for every paper of the
recorded real API answers in `tests/data/fixtures/api/` (their entries served verbatim, as
export.arxiv.org does, unknown ids left out). OAI-PMH replays the recorded ListRecords pages in
`tests/data/fixtures/oai/`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import textwrap
import threading
import time
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit
from xml.sax.saxutils import escape, quoteattr

from lxml import etree

from fakes.reference import reference_rows

DATA = Path(__file__).resolve().parent.parent / "data"
OAI_DIR = DATA / "fixtures" / "oai"
API_DIR = DATA / "fixtures" / "api"
ATOM = "http://www.w3.org/2005/Atom"
FEED_DATE = dt.date(2026, 2, 5)

KNOWN_ARCHIVES = {
    "astro-ph",
    "cond-mat",
    "cs",
    "econ",
    "eess",
    "gr-qc",
    "hep-ex",
    "hep-lat",
    "hep-ph",
    "hep-th",
    "math",
    "math-ph",
    "nlin",
    "nucl-ex",
    "nucl-th",
    "physics",
    "q-bio",
    "q-fin",
    "quant-ph",
    "stat",
}
KNOWN_CS = {"AI", "CL", "CV", "LG", "CY", "GR", "RO", "IR", "NE", "SE", "CR", "DS", "HC", "MA"}
_ID_RE = re.compile(r"^(?:[a-z-]+(?:\.[A-Z]{2})?/\d{7}|\d{4}\.\d{4,5})(?:v\d+)?$")


@dataclass
class Fault:
    """One scripted response: replaces (or alters) the next normal answer on its path prefix."""

    status: int = 200
    body: bytes | None = None  # None: the normal body
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # sleep before answering (a hang when longer than the client timeout)
    total_override: int | None = None  # lie in opensearch:totalResults
    empty: bool = False  # a page with no entries but the normal totalResults


@dataclass
class RequestRecord:
    """One request as the server saw it; `start` is time.monotonic() on arrival."""

    path: str
    query: dict[str, str]
    start: float
    user_agent: str


def load_sample() -> list[dict[str, Any]]:
    """The 30 reference papers."""
    return reference_rows()


def recorded_entries() -> dict[str, bytes]:
    """Entry XML by bare arXiv id, from every recorded API answer in `tests/data/fixtures/api/*.json`."""
    entries: dict[str, bytes] = {}
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    for path in sorted(API_DIR.glob("*.json")):
        body = json.loads(path.read_text(encoding="utf-8"))["body"]
        root = etree.fromstring(body.encode("utf-8"), parser)
        for entry in root.iter(f"{{{ATOM}}}entry"):
            entry_id = entry.findtext(f"{{{ATOM}}}id") or ""
            if "/abs/" not in entry_id:
                continue
            bare = re.sub(r"v\d+$", "", entry_id.split("/abs/", 1)[1])
            entries.setdefault(bare, etree.tostring(entry))
    return entries


def synthetic_papers(
    count: int, primary: str, others: Sequence[str] = (), *, first: int = 10000
) -> list[dict[str, Any]]:
    """`count` made-up papers (ids 2602.<first>…) with primary `primary`, also listed in `others`."""
    return [
        {
            "id": f"2602.{first + n:05d}",
            "version": 1,
            "title": f"Synthetic paper {first + n} in {primary}",
            "authors": ["Ada Example", "Bo Sample"],
            "abstract": f"Abstract of synthetic paper {first + n}.",
            "categories": [primary, *others],
            "published": "2026-02-04T12:00:00Z",
        }
        for n in range(count)
    ]


def _wrap(text: str) -> str:
    # The API hard-wraps abstracts (see fixtures/api/legacy-2016); clients must normalise.
    return "\n".join(textwrap.wrap(text, 78, break_on_hyphens=False, break_long_words=False)) + "\n"


def _in(categories: Sequence[str], wanted: Iterable[str]) -> bool:
    return any(c == w or c.startswith(w + ".") for c in categories for w in wanted)


class FakeArxiv:
    """Threaded http.server playing rss.arxiv.org, export.arxiv.org/api and oaipmh.arxiv.org."""

    def __init__(
        self, papers: list[dict[str, Any]] | None = None, *, feed_date: dt.date = FEED_DATE, recorded_api: bool = False
    ) -> None:
        self.papers = papers if papers is not None else load_sample()
        # Real entries recorded from export.arxiv.org, answered by id (any version) after `papers`.
        self.recorded: dict[str, bytes] = recorded_entries() if recorded_api else {}
        self.feed_date = feed_date
        self.feed_empty = False
        self.feed_undated = False  # an empty feed with no <updated>/<pubDate>: nothing dates it
        self.feed_limit = 2000  # rss.arxiv.org: "Limit 2000 results" (arxiv-feed `.limit(2000)`)
        self.api_extra: list[dict[str, Any]] = []  # papers the API knows but today's feed does not list
        self.api_hidden: set[str] = set()  # ids the API pretends not to know (announced but not returned)
        self.log: list[RequestRecord] = []
        # When set, API requests wait for this event (at most 30 s) before answering: a test can hold
        # the enrichment until it has seen what the client does meanwhile (the streamed day).
        self.api_gate: threading.Event | None = None
        self._faults: dict[str, deque[Fault]] = {}
        self._lock = threading.Lock()
        handler = self._handler_class()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    # --- lifecycle ----------------------------------------------------------------------------

    def start(self) -> FakeArxiv:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeArxiv:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def rss_url(self) -> str:
        return f"{self.base_url}/atom"

    @property
    def rss2_url(self) -> str:
        return f"{self.base_url}/rss"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/query"

    @property
    def oai_url(self) -> str:
        return f"{self.base_url}/oai"

    # --- scripting ----------------------------------------------------------------------------

    def script(self, prefix: str, *faults: Fault) -> None:
        """Queue faults for requests whose path starts with `prefix` (`/atom`, `/api`, `/oai`)."""
        with self._lock:
            self._faults.setdefault(prefix, deque()).extend(faults)

    def _next_fault(self, path: str) -> Fault | None:
        with self._lock:
            for prefix, queue in self._faults.items():
                if path.startswith(prefix) and queue:
                    return queue.popleft()
        return None

    def requests(self, prefix: str = "") -> list[RequestRecord]:
        """Logged requests (optionally only those under a path prefix)."""
        with self._lock:
            return [r for r in self.log if r.path.startswith(prefix)]

    # --- responses ----------------------------------------------------------------------------

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out in two writes: avoid 40 ms stalls

            def log_message(self, format: str, *args: Any) -> None:  # quiet test output
                return

            def do_GET(self) -> None:
                arrived = time.monotonic()
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
                with fake._lock:
                    fake.log.append(RequestRecord(parts.path, query, arrived, self.headers.get("User-Agent", "")))
                if fake.api_gate is not None and parts.path.startswith("/api"):
                    fake.api_gate.wait(30)
                fault = fake._next_fault(parts.path)
                if fault is not None and fault.delay:
                    time.sleep(fault.delay)
                status, body, headers = fake.respond(parts.path, query, fault)
                try:
                    self.send_response(status)
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

        return Handler

    def respond(self, path: str, query: dict[str, str], fault: Fault | None) -> tuple[int, bytes, dict[str, str]]:
        """Status, body and headers for one request (faults applied)."""
        if fault is not None and (fault.body is not None or fault.status != 200):
            return fault.status, fault.body or b"", {"Content-Type": "text/plain", **fault.headers}
        xml = {"Content-Type": "application/atom+xml; charset=utf-8"}
        if path.startswith("/atom/") or path.startswith("/rss/"):
            flavour, spec = path.split("/", 2)[1:]
            status, body = self.feed(unquote(spec), rss=flavour == "rss")
            return status, body, xml
        if path == "/api/query":
            status, body = self.api(query, fault)
            return status, body, xml
        if path == "/oai":
            status, body = self.oai(query)
            return status, body, {"Content-Type": "text/xml; charset=utf-8"}
        return 404, b"not found", {"Content-Type": "text/plain"}

    # feed ----------------------------------------------------------------------------------

    def announced_items(self, wanted: Sequence[str]) -> list[tuple[dict[str, Any], str]]:
        """(paper, announce type) of the feed for `wanted`, in arXiv's order (new, cross, replace*; id desc).

        A paper dict with `"announce_type": "replace"` is a replacement: `replace` when its primary is
        in `wanted`, else `replace-cross` (arxiv-feed `feed/database.py`). At most `feed_limit` items.
        """
        items = []
        for paper in self.papers:
            if not _in(paper["categories"], wanted):
                continue
            primary_in = _in(paper["categories"][:1], wanted)
            if paper.get("announce_type") in ("replace", "replace-cross"):
                kind = "replace" if primary_in else "replace-cross"
            else:
                kind = "new" if primary_in else "cross"
            items.append((paper, kind))
        order = {"new": 0, "cross": 1, "replace": 2, "replace-cross": 3}
        ranked = sorted(items, key=lambda pk: (order[pk[1]], [-int(x) for x in pk[0]["id"].split(".")]))
        return ranked[: self.feed_limit]

    def feed(self, spec: str, *, rss: bool) -> tuple[int, bytes]:
        wanted = spec.split("+")
        bad = [w for w in wanted if not self._known(w)]
        if bad:
            return 400, self._feed_error(spec, bad[0], rss=rss)
        items = [] if self.feed_empty else self.announced_items(wanted)
        return 200, (self._rss(spec, items) if rss else self._atom(spec, items))

    @staticmethod
    def _known(category: str) -> bool:
        archive, _, subject = category.partition(".")
        if archive not in KNOWN_ARCHIVES:
            return False
        return not subject or archive != "cs" or subject in KNOWN_CS

    def _feed_error(self, spec: str, bad: str, *, rss: bool) -> bytes:
        message = f"Bad archive {bad!r}. Valid archive names are: {', '.join(sorted(KNOWN_ARCHIVES))}."
        if rss:
            return (
                "<?xml version='1.0' encoding='UTF-8'?>\n<rss version=\"2.0\"><channel>"
                f"<title>Feed error for query: http://rss.arxiv.org/rss/{escape(spec)}</title>"
                f"<description>{escape(message)}</description></channel></rss>"
            ).encode()
        return (
            "<?xml version='1.0' encoding='UTF-8'?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">"
            f"<id>http://rss.arxiv.org/atom/{escape(spec)}</id>"
            f"<title>Feed error for query: http://rss.arxiv.org/atom/{escape(spec)}</title>"
            f"<subtitle>{escape(message)}</subtitle><updated>2026-02-05T05:00:00+00:00</updated></feed>"
        ).encode()

    def _atom(self, spec: str, items: list[tuple[dict[str, Any], str]]) -> bytes:
        published = f"{self.feed_date.isoformat()}T00:00:00-05:00"
        build = f"{self.feed_date.isoformat()}T05:00:19.866337+00:00"
        feed_updated = "" if self.feed_undated and not items else f"<updated>{build}</updated>"
        entries = []
        for paper, kind in items:
            cats = "".join(f"<category term={quoteattr(c)}/>" for c in paper["categories"])
            # Element order deliberately differs from the real feed: parsers must not care.
            entries.append(
                "<entry>"
                f"<arxiv:announce_type>{kind}</arxiv:announce_type>"
                f"<dc:creator>{escape(', '.join(paper['authors']))}</dc:creator>"
                f"<id>oai:arXiv.org:{paper['id']}v{paper['version']}</id>"
                f"<title>{escape(paper['title'])}</title>"
                f"<updated>{build}</updated>"
                f'<link href="https://arxiv.org/abs/{paper["id"]}" rel="alternate" type="text/html"/>'
                f"<summary>arXiv:{paper['id']}v{paper['version']} Announce Type: {kind} \n"
                f"Abstract: {escape(paper['abstract'])}</summary>"
                f"{cats}<published>{published}</published>"
                "<dc:rights>http://creativecommons.org/licenses/by/4.0/</dc:rights>"
                "</entry>"
            )
        return (
            "<?xml version='1.0' encoding='UTF-8'?>\n"
            '<feed xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns="http://www.w3.org/2005/Atom" xml:lang="en-us">'
            f"<id>http://rss.arxiv.org/atom/{escape(spec)}</id>"
            f"<title>{escape(spec)} updates on arXiv.org</title>{feed_updated}"
            f'<link href="http://rss.arxiv.org/atom/{escape(spec)}" rel="self" type="application/atom+xml"/>'
            f"<subtitle>{escape(spec)} updates on the arXiv.org e-print archive.</subtitle>"
            + "".join(entries)
            + "</feed>"
        ).encode("utf-8")

    def _rss(self, spec: str, items: list[tuple[dict[str, Any], str]]) -> bytes:
        pub = dt.datetime.combine(self.feed_date, dt.time()).strftime("%a, %d %b %Y 00:00:00 -0500")
        out = []
        for paper, kind in items:
            cats = "".join(f"<category>{escape(c)}</category>" for c in paper["categories"])
            out.append(
                "<item>"
                f"<title>{escape(paper['title'])}</title><link>https://arxiv.org/abs/{paper['id']}</link>"
                f"<description>arXiv:{paper['id']}v{paper['version']} Announce Type: {kind} \n"
                f"Abstract: {escape(paper['abstract'])}</description>"
                f'<guid isPermaLink="false">oai:arXiv.org:{paper["id"]}v{paper["version"]}</guid>{cats}'
                f"<pubDate>{pub}</pubDate><arxiv:announce_type>{kind}</arxiv:announce_type>"
                f"<dc:creator>{escape(', '.join(paper['authors']))}</dc:creator></item>"
            )
        return (
            "<?xml version='1.0' encoding='UTF-8'?>\n"
            '<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'version="2.0"><channel>'
            f"<title>{escape(spec)} updates on arXiv.org</title><pubDate>{pub}</pubDate>"
            "<skipDays><day>Saturday</day><day>Sunday</day></skipDays>" + "".join(out) + "</channel></rss>"
        ).encode("utf-8")

    # API -----------------------------------------------------------------------------------

    def api(self, query: dict[str, str], fault: Fault | None) -> tuple[int, bytes]:
        start = int(query.get("start", "0") or 0)
        size = int(query.get("max_results", "10") or 10)
        ids = [i for i in query.get("id_list", "").split(",") if i]
        for raw in ids:
            if not _ID_RE.match(raw):
                return 400, self._api_error(f"incorrect id format for {raw}")
        if ids:
            by_id = {p["id"]: p for p in [*self.api_extra, *self.papers]}
            matches: list[dict[str, Any] | bytes] = []
            for raw in ids:
                bare, _, version = raw.partition("v")
                paper = None if bare in self.api_hidden else by_id.get(bare)
                if paper is not None and (not version or int(version) == paper["version"]):
                    matches.append(paper)
                elif paper is None and bare in self.recorded and bare not in self.api_hidden:
                    matches.append(self.recorded[bare])
        else:
            matches = list(self._search(query.get("search_query", "")))
        total = len(matches)
        page = matches[start : start + size]
        if fault is not None and fault.empty:
            page = []
        if fault is not None and fault.total_override is not None:
            total = fault.total_override
        return 200, self._api_feed(page, total, start, size)

    def _search(self, search_query: str) -> list[dict[str, Any]]:
        cats = re.findall(r"cat:([\w.-]+)", search_query)
        window = re.search(r"submittedDate:\[(\d{12}) TO (\d{12})\]", search_query)
        out = []
        for paper in self.papers:
            if cats and not _in(paper["categories"], cats):
                continue
            if window:
                stamp = dt.datetime.fromisoformat(paper["published"]).strftime("%Y%m%d%H%M")
                if not window.group(1) <= stamp <= window.group(2):
                    continue
            out.append(paper)
        return sorted(out, key=lambda p: p["published"])

    @staticmethod
    def _api_error(message: str) -> bytes:
        slug = re.sub(r"\W+", "_", message)
        return (
            "<?xml version='1.0' encoding='UTF-8'?>\n"
            '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
            'xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">'
            "<id>https://arxiv.org/</id><title>arXiv Search Results</title>"
            "<opensearch:totalResults>1</opensearch:totalResults>"
            f"<entry><id>https://arxiv.org/api/errors#{slug}</id><title>Error</title>"
            f"<summary>{escape(message)}</summary><author><name>arXiv api core</name></author></entry></feed>"
        ).encode()

    @staticmethod
    def _api_feed(papers: Sequence[dict[str, Any] | bytes], total: int, start: int, size: int) -> bytes:
        entries = []
        for p in papers:
            if isinstance(p, bytes):
                entries.append(p.decode("utf-8"))  # a recorded real entry, as arXiv sent it
                continue
            authors = "".join(f"<author><name>{escape(a)}</name></author>" for a in p["authors"])
            cats = "".join(
                f'<category term={quoteattr(c)} scheme="http://arxiv.org/schemas/atom"/>' for c in p["categories"]
            )
            # Authors first, primary before the categories: not the real order, on purpose.
            entries.append(
                f"<entry>{authors}<arxiv:primary_category term={quoteattr(p['categories'][0])}/>"
                f"<id>http://arxiv.org/abs/{p['id']}v{p['version']}</id>"
                f"<title>{escape(p['title'])}</title>"
                f"<summary>{escape(_wrap(p['abstract']))}</summary>{cats}"
                f"<published>{p['published']}</published><updated>{p['published']}</updated>"
                f'<link href="https://arxiv.org/abs/{p["id"]}v{p["version"]}" rel="alternate" '
                'type="text/html"/></entry>'
            )
        return (
            "<?xml version='1.0' encoding='UTF-8'?>\n"
            '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
            'xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">'
            "<id>https://arxiv.org/api/fake</id><title>arXiv Query: fake</title>"
            f"<updated>2026-02-05T06:00:00Z</updated><opensearch:itemsPerPage>{size}</opensearch:itemsPerPage>"
            f"<opensearch:totalResults>{total}</opensearch:totalResults>"
            f"<opensearch:startIndex>{start}</opensearch:startIndex>" + "".join(entries) + "</feed>"
        ).encode("utf-8")

    # OAI-PMH -------------------------------------------------------------------------------

    def oai(self, query: dict[str, str]) -> tuple[int, bytes]:
        token = query.get("resumptionToken")
        if token is not None:
            prefix = re.match(r"metadataPrefix%3D(\w+)%26skip%3D8$", token)
            if prefix is None:
                return 200, self._oai_error("badResumptionToken", "The value of the resumptionToken is invalid")
            return 200, (OAI_DIR / f"ListRecords_{prefix.group(1)}_page2.xml").read_bytes()
        if query.get("verb") != "ListRecords":
            return 200, self._oai_error("badVerb", "Illegal verb")
        prefix_name = query.get("metadataPrefix", "")
        page1 = OAI_DIR / f"ListRecords_{prefix_name}_page1.xml"
        if not page1.exists():
            return 200, self._oai_error("cannotDisseminateFormat", f"unknown format {prefix_name}")
        return 200, page1.read_bytes()

    @staticmethod
    def _oai_error(code: str, message: str) -> bytes:
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
            "<responseDate>2026-11-28T12:00:00Z</responseDate><request>https://oaipmh.arxiv.org/oai</request>"
            f'<error code="{code}">{escape(message)}</error></OAI-PMH>'
        ).encode()
