"""A local arXiv API (`/api/query?id_list=…`) answering from the recorded responses in data/fixtures/api.

Each recorded `id_*.json` body holds real entries; the server puts the entries of the requested ids
into one Atom feed, as export.arxiv.org does, and leaves unknown ids out (HTTP 200, fewer entries).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from lxml import etree

ATOM = "http://www.w3.org/2005/Atom"
OPENSEARCH = "http://a9.com/-/spec/opensearch/1.1/"
API_DIR = Path(__file__).resolve().parent.parent / "data" / "fixtures" / "api"


def recorded_entries() -> dict[str, bytes]:
    """Entry XML by bare arXiv id, from every recorded API answer."""
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


def _feed(chunks: list[bytes]) -> bytes:
    head = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="{ATOM}" xmlns:opensearch="{OPENSEARCH}" '
        'xmlns:arxiv="http://arxiv.org/schemas/atom"><id>https://arxiv.org/api/fake</id><title>arXiv Query</title>'
        f"<opensearch:totalResults>{len(chunks)}</opensearch:totalResults>"
        "<opensearch:startIndex>0</opensearch:startIndex>"
        f"<opensearch:itemsPerPage>{len(chunks)}</opensearch:itemsPerPage>"
    )
    return head.encode() + b"".join(chunks) + b"</feed>"


@contextmanager
def serve_api() -> Iterator[tuple[str, list[str]]]:
    """Run the server; yields its query URL and the list of requested `id_list` values."""
    entries = recorded_entries()
    requests: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            query = parse_qs(urlparse(self.path).query)
            ids = [i for i in (query.get("id_list", [""])[0]).split(",") if i]
            requests.append(",".join(ids))
            bare = [re.sub(r"v\d+$", "", i) for i in ids]
            chunks = [entries[i] for i in bare if i in entries]
            body = _feed(chunks)
            self.send_response(200)
            self.send_header("Content-Type", "application/atom+xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # quiet test output
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/query", requests
    finally:
        server.shutdown()
        server.server_close()
