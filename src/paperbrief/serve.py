"""`paperbrief serve`: the static site plus a small feedback API (issue 12, docs/feedback.md).

- Static files of OUT/site/ (HTML pages get a per-server CSRF token and the reader in <meta> tags).
- `GET /api/feedback?reader=R`: the reader's latest action per paper, as JSON.
- `POST /api/feedback` with JSON `{"arxiv_id", "action", "reader"}`: stores one event. Same-origin
  only (an `Origin` header must match `Host`), and the `X-Paperbrief-CSRF` header must carry the
  server's token (https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html).
- `GET /feedback?t=TOKEN`: a one-click link from e-mail or chat, HMAC-signed (`feedback.sign_link`);
  each link records its event once (a second click answers "already recorded").

Bound to 127.0.0.1 unless another host is given.
"""

from __future__ import annotations

import hmac
import html
import http.server
import json
import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from paperbrief.feedback import FeedbackInputError, LinkError, feedback_event, link_source, verify_link
from paperbrief.store.db import Store
from paperbrief.store.feedback import NewFeedback
from paperbrief.text import one_line

API_PATH = "/api/feedback"
LINK_PATH = "/feedback"
CSRF_HEADER = "X-Paperbrief-CSRF"
MAX_BODY = 4096


@dataclass
class ServeOptions:
    """What the server serves and whom it records feedback for."""

    site_dir: Path
    host: str = "127.0.0.1"
    port: int = 8000
    default_reader: str = "me"
    readers: Sequence[str] = ("me",)
    link_secret: str | None = None
    csrf_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))


class FeedbackServer:
    """A threading HTTP server over the site and the feedback API; `serve_forever` / `start` / `stop`."""

    def __init__(self, options: ServeOptions, store: Store) -> None:
        self.options = options
        self.store = store
        handler = _handler_class(options, store)
        self.httpd = http.server.ThreadingHTTPServer((options.host, options.port), handler)
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        """The bound host and port (port 0 asks the OS for a free one)."""
        host, port = self.httpd.server_address[:2]
        return str(host), int(port)

    def serve_forever(self) -> None:
        """Serve until `shutdown` (or Ctrl-C in the caller)."""
        self.httpd.serve_forever()

    def start(self) -> FeedbackServer:
        """Serve in a background thread (tests, embedding)."""
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread.join()
        self.httpd.server_close()


def _handler_class(options: ServeOptions, store: Store) -> type[http.server.SimpleHTTPRequestHandler]:
    """A request handler bound to these options and this store (no module-level state)."""

    class Handler(_FeedbackHandler):
        pass

    Handler.options = options
    Handler.store = store
    return Handler


class _FeedbackHandler(http.server.SimpleHTTPRequestHandler):
    options: ServeOptions
    store: Store

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, directory=str(self.options.site_dir), **kwargs)

    def log_message(self, format: str, *args: Any) -> None:
        # One line per request on stderr, without the query (a link token is a bearer credential).
        path = self.path.split("?", 1)[0]
        first = str(args[0]).split("?", 1)[0] if args else ""
        super().log_message("%s", first or path)

    # -- routing

    def do_GET(self) -> None:
        """Static files (HTML with the CSRF meta), the reader's states, or a one-click link."""
        url = urlsplit(self.path)
        if url.path == API_PATH:
            reader = _first(parse_qs(url.query).get("reader")) or self.options.default_reader
            self._json(200, self.store.latest_feedback(reader))
        elif url.path == LINK_PATH:
            self._link(_first(parse_qs(url.query).get("t")) or "")
        elif url.path.endswith("/") or url.path.endswith(".html"):
            self._page(url.path)
        else:
            super().do_GET()

    def do_POST(self) -> None:
        """Store one feedback event posted by the site's buttons."""
        if urlsplit(self.path).path != API_PATH:
            self._json(404, {"error": "not found"})
            return
        problem = self._refused()
        if problem is not None:
            self._json(403, {"error": problem})
            return
        try:
            reader, event = self._event()
        except FeedbackInputError as exc:
            self._json(400, {"error": str(exc)})
            return
        self.store.add_feedback(reader, [event])
        self._json(200, {"ok": True, "reader": reader, "arxiv_id": event.arxiv_id, "action": event.action})

    # -- parts

    def _refused(self) -> str | None:
        """Why a POST is refused (cross-origin or without the CSRF token), or None."""
        origin = self.headers.get("Origin")
        host = self.headers.get("Host", "")
        if origin is not None and urlsplit(origin).netloc != host:
            return "cross-origin request refused"
        given = self.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.options.csrf_token.encode()):
            return "missing or wrong CSRF token"
        return None

    def _event(self) -> tuple[str, NewFeedback]:
        if "application/json" not in self.headers.get("Content-Type", ""):
            raise FeedbackInputError("expected Content-Type: application/json")
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError as exc:
            raise FeedbackInputError("bad Content-Length") from exc
        if not 0 < length <= MAX_BODY:
            raise FeedbackInputError(f"the body must be 1 to {MAX_BODY} bytes")
        try:
            data = json.loads(self.rfile.read(length).decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise FeedbackInputError("the body is not JSON") from exc
        if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in ("arxiv_id", "action")):
            raise FeedbackInputError("expected {arxiv_id, action, reader} strings")
        reader = data.get("reader") or self.options.default_reader
        if not isinstance(reader, str) or reader not in self.options.readers:
            raise FeedbackInputError(f"unknown reader {reader!r}")
        return reader, feedback_event(data["arxiv_id"], data["action"], "site")

    def _page(self, path: str) -> None:
        local = Path(self.translate_path(path))
        if local.is_dir():
            local = local / "index.html"
        try:
            text = local.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            super().do_GET()
            return
        reader = self._reader_of(path)
        metas = (
            f'<meta name="paperbrief-csrf" content="{self.options.csrf_token}">'
            f'<meta name="paperbrief-reader" content="{html.escape(reader)}">'
        )
        body = text.replace("<head>", "<head>\n" + metas, 1).encode("utf-8")
        self._send(200, "text/html; charset=utf-8", body)

    def _reader_of(self, path: str) -> str:
        """A lab's reader sections live under /NAME/; every other page is the default reader's."""
        first = path.lstrip("/").split("/", 1)[0]
        return first if first in self.options.readers else self.options.default_reader

    def _link(self, token: str) -> None:
        secret = self.options.link_secret
        if not secret:
            self._html(404, "One-click feedback links are not enabled on this server.")
            return
        try:
            claim = verify_link(secret, token)
            event = feedback_event(claim.arxiv_id, claim.action, link_source(token))
        except (LinkError, FeedbackInputError) as exc:
            self._html(400, one_line(exc))
            return
        if self.store.feedback_source_used(claim.reader, event.source):
            self._html(200, f"Already recorded: {claim.action} {claim.arxiv_id} for {claim.reader}.")
            return
        self.store.add_feedback(claim.reader, [event])
        self._html(200, f"Recorded: {claim.action} {claim.arxiv_id} for {claim.reader}. Thank you!")

    def _json(self, status: int, value: Any) -> None:
        self._send(status, "application/json; charset=utf-8", json.dumps(value, ensure_ascii=False).encode("utf-8"))

    def _html(self, status: int, message: str) -> None:
        page = (
            "<!DOCTYPE html><html><head><meta charset='utf-8'><title>paperbrief feedback</title></head>"
            f"<body><p>{html.escape(message)}</p></body></html>"
        )
        self._send(status, "text/html; charset=utf-8", page.encode("utf-8"))

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)


def _first(values: list[str] | None) -> str | None:
    return values[0] if values else None
