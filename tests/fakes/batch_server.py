"""A loopback fake of the OpenAI-compatible Files and Batch API, for bulk-mode tests.

Routes (https://platform.openai.com/docs/api-reference/batch): `POST /v1/files` (multipart,
`purpose=batch`), `GET /v1/files/{id}/content`, `POST /v1/batches`, `GET /v1/batches/{id}`,
`GET /v1/batches`. Real HTTP on 127.0.0.1, so the real `openai` SDK runs. A batch is
`in_progress` for `polls_before_done` retrievals, then ends: `completed`, or `expired` after
answering only `answer_limit` requests (the rest go to the error file as `batch_expired`, as
OpenAI does). Answers come from `fakes.llm_server.answer_for`; per-paper faults put a line in the
error file (`http-400`) or an invalid answer in the output (`score-1000`, `non-json`). The next
`cut_downloads` downloads announce the whole length but stop halfway and close the connection.
"""

from __future__ import annotations

import json
import re
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import default as default_policy
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from fakes.llm_server import answer_for

_BLOCK_RE = re.compile(r'<paper id="([^"]*)">\s*Title: (.*?)\nAbstract: (.*?)\n</paper>', re.DOTALL)


class LineFault(StrEnum):
    """What the fake does with one paper's request."""

    HTTP_400 = "http-400"  # an error-file line with a 400 response (e.g. a content filter)
    SCORE_1000 = "score-1000"  # a 200 answer that fails validation
    NON_JSON = "non-json"  # a 200 answer that is prose


@dataclass
class FakeBatchAPI:
    """Configuration, state and request counters of the fake (mutable while it runs)."""

    no_batch_api: bool = False  # 404 on /files and /batches, echoing the Authorization header
    required_key: str | None = None
    polls_before_done: int = 0
    answer_limit: int | None = None  # answer only this many requests, then the batch expires
    faults: dict[str, LineFault] = field(default_factory=dict)  # by arXiv id (without version)
    cut_downloads: int = 0
    cut_without_length: bool = False  # cut downloads send no Content-Length (the end looks normal)
    cut_shift: int = 0  # bytes past the middle where a download is cut (0: exactly half)
    garbage_line: bool = False  # a line that is not JSON in the middle of the output file
    fail_creates: int = 0  # answer 500 to the next n `POST /batches`
    fail_validation: bool = False  # the batch ends `failed` at validation (e.g. a malformed input file)
    files: dict[str, bytes] = field(default_factory=dict)
    batches: dict[str, dict[str, Any]] = field(default_factory=dict)
    uploads: int = 0
    creates: int = 0
    retrieves: int = 0
    downloads: int = 0
    authorizations: list[str | None] = field(default_factory=list)
    url: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        """The base URL to give the client (`…/v1`)."""
        return self.url + "/v1"

    def input_lines(self, file_id: str) -> list[dict[str, Any]]:
        """The parsed request lines of an uploaded input file."""
        return [json.loads(line) for line in self.files[file_id].decode("utf-8").splitlines() if line.strip()]

    def _add_file(self, data: bytes) -> str:
        file_id = f"file-{len(self.files) + 1:04d}"
        self.files[file_id] = data
        return file_id

    def _run(self, batch: dict[str, Any]) -> None:
        """Answer the batch's requests and end it (completed, or expired past `answer_limit`)."""
        if self.fail_validation:
            batch["status"] = "failed"
            error = {"code": "invalid_json_line", "message": "Line 1 is not valid JSON.", "line": 1, "param": None}
            batch["errors"] = {"object": "list", "data": [error]}
            return
        outputs: list[str] = []
        errors: list[str] = []
        requests = self.input_lines(batch["input_file_id"])
        for n, request in enumerate(requests):
            if self.answer_limit is not None and n >= self.answer_limit:
                error = {"code": "batch_expired", "message": "This request could not be executed before the window."}
                errors.append(_line(request["custom_id"], None, error))
                continue
            line, is_error = self._answer(request)
            (errors if is_error else outputs).append(line)
        expired = self.answer_limit is not None and self.answer_limit < len(requests)
        batch["status"] = "expired" if expired else "completed"
        if self.garbage_line and outputs:
            outputs.insert(len(outputs) // 2, "<html>502 Bad Gateway</html>")
        if outputs:
            batch["output_file_id"] = self._add_file(("\n".join(outputs) + "\n").encode("utf-8"))
        if errors:
            batch["error_file_id"] = self._add_file(("\n".join(errors) + "\n").encode("utf-8"))
        done = len(requests) if self.answer_limit is None else min(self.answer_limit, len(requests))
        batch["request_counts"] = {"total": len(requests), "completed": done, "failed": len(requests) - done}

    def _answer(self, request: dict[str, Any]) -> tuple[str, bool]:
        body = request["body"]
        user = next(m["content"] for m in body["messages"] if m["role"] == "user")
        system = next(m["content"] for m in body["messages"] if m["role"] == "system")
        pid, title, abstract = _BLOCK_RE.findall(user)[0]
        fault = self.faults.get(pid)
        if fault is LineFault.HTTP_400:
            error_body = {"error": {"message": "Invalid prompt: flagged by the content filter.", "code": None}}
            return _line(request["custom_id"], {"status_code": 400, "body": error_body}, None), True
        answer = answer_for(pid, title, abstract, "简体中文" in system)
        if fault is LineFault.SCORE_1000:
            answer["score"] = 1000
        content = json.dumps(answer, ensure_ascii=False)
        if fault is LineFault.NON_JSON:
            content = "Sure! This paper is about " + title
        prompt_tokens = sum(len(m["content"]) for m in body["messages"]) // 4
        completion = {
            "id": f"chatcmpl-{pid}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body["model"],
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": len(content) // 4,
                "total_tokens": prompt_tokens + len(content) // 4,
            },
        }
        return _line(request["custom_id"], {"status_code": 200, "body": completion}, None), False


def _line(custom_id: str, response: dict[str, Any] | None, error: dict[str, Any] | None) -> str:
    if response is not None:
        response = {"request_id": f"req_{custom_id[:10]}", **response}
    return json.dumps(
        {
            "id": f"batch_req_{zlib.crc32(custom_id.encode()):010d}",
            "custom_id": custom_id,
            "response": response,
            "error": error,
        },
        ensure_ascii=False,
    )


def _batch_object(batch: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "batch",
        "endpoint": "/v1/chat/completions",
        "completion_window": "24h",
        "created_at": 1764400000,
        "output_file_id": None,
        "error_file_id": None,
        "errors": None,
        **{k: v for k, v in batch.items() if not k.startswith("_")},
    }


def _handler(fake: FakeBatchAPI) -> type[BaseHTTPRequestHandler]:  # noqa: C901 — one fake server, one method per route
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def _send(self, status: int, payload: Any) -> None:
            data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _refused(self) -> bool:
            auth = self.headers.get("Authorization")
            with fake._lock:
                fake.authorizations.append(auth)
            if fake.no_batch_api and ("/files" in self.path or "/batches" in self.path):
                # A chat-only gateway: no route, and (as some do) the request's key echoed back.
                self._send(404, {"error": {"message": f"Not Found: {self.path} (auth {auth})", "code": None}})
                return True
            if fake.required_key is not None and auth != f"Bearer {fake.required_key}":
                self._send(401, {"error": {"message": "Incorrect API key provided", "code": "invalid_api_key"}})
                return True
            return False

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self._refused():
                return
            if self.path.endswith("/files"):
                self._upload(body)
            elif self.path.endswith("/batches"):
                self._create(json.loads(body))
            else:
                self._send(404, {"error": {"message": f"no route {self.path}"}})

        def _upload(self, body: bytes) -> None:
            header = f"Content-Type: {self.headers.get('Content-Type')}\r\n\r\n".encode()
            message = BytesParser(policy=default_policy).parsebytes(header + body)
            fields: dict[str, bytes] = {}
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                payload = part.get_payload(decode=True)
                if isinstance(name, str) and isinstance(payload, bytes):
                    fields[name] = payload
            if fields.get("purpose") != b"batch" or "file" not in fields:
                self._send(400, {"error": {"message": "purpose must be batch and a file is required"}})
                return
            with fake._lock:
                fake.uploads += 1
                file_id = fake._add_file(fields["file"])
            self._send(
                200,
                {
                    "id": file_id,
                    "object": "file",
                    "bytes": len(fields["file"]),
                    "purpose": "batch",
                    "filename": "paperbrief-batch.jsonl",
                    "created_at": 1764400000,
                    "status": "processed",
                },
            )

        def _create(self, params: dict[str, Any]) -> None:
            if params.get("input_file_id") not in fake.files or params.get("endpoint") != "/v1/chat/completions":
                self._send(400, {"error": {"message": "bad input_file_id or endpoint"}})
                return
            with fake._lock:
                if fake.fail_creates > 0:
                    fake.fail_creates -= 1
                    self._send(500, {"error": {"message": "The server had an error while processing your request."}})
                    return
                fake.creates += 1
                batch_id = f"batch_{len(fake.batches) + 1:04d}"
                total = len(fake.input_lines(params["input_file_id"]))
                fake.batches[batch_id] = {
                    "id": batch_id,
                    "status": "validating",
                    "input_file_id": params["input_file_id"],
                    "metadata": params.get("metadata"),
                    "request_counts": {"total": total, "completed": 0, "failed": 0},
                    "_polls": 0,
                }
                self._send(200, _batch_object(fake.batches[batch_id]))

        def do_GET(self) -> None:
            if self._refused():
                return
            path = self.path.split("?", 1)[0]
            if match := re.fullmatch(r"/v1/files/([^/]+)/content", path):
                self._download(match.group(1))
            elif match := re.fullmatch(r"/v1/batches/([^/]+)", path):
                self._retrieve(match.group(1))
            elif path == "/v1/batches":
                with fake._lock:
                    data = [_batch_object(b) for b in reversed(list(fake.batches.values()))]
                self._send(200, {"object": "list", "data": data, "has_more": False})
            else:
                self._send(404, {"error": {"message": f"no route {self.path}"}})

        def _retrieve(self, batch_id: str) -> None:
            with fake._lock:
                batch = fake.batches.get(batch_id)
                if batch is None:
                    self._send(404, {"error": {"message": f"No batch found with id '{batch_id}'."}})
                    return
                fake.retrieves += 1
                if batch["status"] in ("validating", "in_progress"):
                    batch["_polls"] += 1
                    batch["status"] = "in_progress"
                    if batch["_polls"] > fake.polls_before_done:
                        fake._run(batch)
                self._send(200, _batch_object(batch))

        def _download(self, file_id: str) -> None:
            with fake._lock:
                data = fake.files.get(file_id)
                fake.downloads += 1
                cut = fake.cut_downloads > 0
                if cut:
                    fake.cut_downloads -= 1
            if data is None:
                self._send(404, {"error": {"message": f"No such File object: {file_id}"}})
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            if cut and fake.cut_without_length:
                # HTTP/1.0-style body delimited by closing the connection: a cut looks like an end.
                self.send_header("Connection", "close")
            else:
                self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if cut:
                # Half the promised bytes, cut inside a line, then the connection drops.
                self.wfile.write(data[: len(data) // 2 + fake.cut_shift])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(data)

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True


@contextmanager
def serve_fake_batch_api(fake: FakeBatchAPI | None = None) -> Iterator[FakeBatchAPI]:
    """Run the fake Batch API on 127.0.0.1 (port 0) for the duration of the block."""
    fake = fake or FakeBatchAPI()
    server = _Server(("127.0.0.1", 0), _handler(fake))
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
