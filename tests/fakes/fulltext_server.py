"""A loopback fake of arXiv's HTML and PDF endpoints serving the LaTeXML/pdflatex fixtures.

Routes are exact paths (`/html/2601.00001v1`, `/html/2601.00001v1/teaser.png`, `/pdf/2601.00001v1`);
anything else is a 404, as arXiv answers for a paper without an HTML rendering. Each request is
recorded with its arrival time and the time its response was fully written, so tests measure the
throttle's gaps at the server.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent / "data" / "fulltext"


@dataclass(frozen=True)
class Reply:
    """One canned answer."""

    body: bytes
    content_type: str = "application/octet-stream"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    # Sent as `Transfer-Encoding: chunked` (no Content-Length), the body repeated this many times:
    # a large download the client can only stop by hanging up.
    chunked_repeats: int = 0


@dataclass
class Served:
    """One request as the server saw it: path, arrival and end of the response (time.monotonic())."""

    path: str
    arrived: float
    finished: float = 0.0
    sent: int = 0  # body bytes written before the response ended or the client hung up


def html_reply(name: str) -> Reply:
    """The LaTeXML page of fixture `name` (tests/data/fulltext/html/NAME/index.html)."""
    return Reply((DATA / "html" / name / "index.html").read_bytes(), "text/html; charset=utf-8")


def pdf_reply(name: str) -> Reply:
    """The PDF of fixture `name` (tests/data/fulltext/pdf/NAME.pdf)."""
    return Reply((DATA / "pdf" / f"{name}.pdf").read_bytes(), "application/pdf")


def png_reply(path: Path) -> Reply:
    """A PNG file as served."""
    return Reply(path.read_bytes(), "image/png")


class FakeArxivFullText:
    """Serves `routes` on 127.0.0.1; `script(path, reply…)` answers the next requests of a path differently."""

    def __init__(self, routes: dict[str, Reply] | None = None) -> None:
        self.routes: dict[str, Reply] = dict(routes or {})
        self.served: list[Served] = []
        self._scripted: dict[str, deque[Reply]] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        # A short poll interval: shutdown() waits for it, once per test.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> FakeArxivFullText:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT`."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def html_url(self) -> str:
        """The stand-in for https://arxiv.org/html."""
        return f"{self.base_url}/html"

    @property
    def pdf_url(self) -> str:
        """The stand-in for https://arxiv.org/pdf."""
        return f"{self.base_url}/pdf"

    def script(self, path: str, *replies: Reply) -> None:
        """Answer the next requests of `path` with `replies`, in order, then the normal route."""
        with self._lock:
            self._scripted.setdefault(path, deque()).extend(replies)

    def paths(self) -> list[str]:
        """The paths requested so far, in order."""
        with self._lock:
            return [s.path for s in self.served]

    def _reply(self, path: str) -> Reply:
        with self._lock:
            queue = self._scripted.get(path)
            if queue:
                return queue.popleft()
        # arXiv serves the HTML page at `/html/IDvN/` too (it redirects there); accept both.
        route = self.routes.get(path) or self.routes.get(path.rstrip("/"))
        return route if route is not None else Reply(b"<html><body>Not Found</body></html>", "text/html", 404)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet test output
                return

            def do_GET(self) -> None:
                record = Served(self.path.split("?")[0], time.monotonic())
                with fake._lock:
                    fake.served.append(record)
                reply = fake._reply(record.path)
                if reply.chunked_repeats:
                    self._send_chunked(reply, record)
                    return
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(reply.body)
                self.wfile.flush()
                record.sent = len(reply.body)
                record.finished = time.monotonic()

            def _send_chunked(self, reply: Reply, record: Served) -> None:
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                try:
                    for _ in range(reply.chunked_repeats):
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(reply.body), reply.body))
                        record.sent += len(reply.body)
                    self.wfile.write(b"0\r\n\r\n")
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client stopped reading: what it was meant to do
                record.finished = time.monotonic()

        return Handler
