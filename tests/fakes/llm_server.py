"""A small fake OpenAI-compatible `/v1/chat/completions` server for tests and benchmarks.

Real HTTP on 127.0.0.1 (threaded `http.server`, port 0), so the real `openai` client runs. By
default it answers deterministically from the `<paper>` blocks in the prompt with realistic
`usage`; faults are scripted per request (in arrival order, or per paper id) to play the
provider failures the engine must survive. Every request body is kept in `requests`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_BLOCK_RE = re.compile(r'<paper id="([^"]*)">\s*Title: (.*?)\nAbstract: (.*?)\n</paper>', re.DOTALL)


class Fault(StrEnum):
    """What the fake does with one request."""

    OK = "ok"
    RATE_LIMIT = "429"  # 429 with Retry-After
    SERVER_ERROR = "500"
    HANG = "hang"  # sleeps past any sane client timeout
    NON_JSON = "non-json"
    FENCED = "fenced"
    TRUNCATED = "truncated"
    SCORE_1000 = "score-1000"
    MISSING_KEY = "missing-key"
    KEYWORDS_STRING = "keywords-string"
    SCRIPT_TAG = "script-tag"
    LATEX = "latex"
    THINK = "think"  # a reasoning model's <think> block before the JSON
    NO_USAGE = "no-usage"
    BATCH_MISSING_ID = "batch-missing-id"
    BATCH_EXTRA_ID = "batch-extra-id"
    BATCH_DUPLICATE_ID = "batch-duplicate-id"  # the second item carries the first item's id
    ECHO_KEY = "echo-key"  # 401 whose body echoes the Authorization header, as some gateways do
    UNAUTHORIZED = "401"  # OpenAI's answer to a wrong key
    MODEL_NOT_FOUND = "404-model"  # OpenAI's answer to an unknown model
    BAD_REQUEST = "400-shape"  # OpenAI's answer to a request field it does not know
    FENCE_IN_STRING = "fence-in-string"  # a ``` code block inside a JSON string value (valid JSON)


@dataclass(frozen=True)
class NumbersScript:
    """Issue 16: a sentence the fake adds to a paper's conclusion, on the first ask and on the number re-ask."""

    first: str
    reask: str = ""  # "" answers the re-ask with the plain summary (the model corrected itself)
    field: str = "conclusion"  # the answer field the sentence is added to (`experiments` in a full-text answer)


# The issue's own example of an invented result (no such figure in any fixture abstract).
INVENTED = "在基准上准确率达到 97.3%，比最强基线高 12.6 个百分点。"


@dataclass
class Received:
    """One request as the server saw it."""

    body: dict[str, Any]
    authorization: str | None
    at: float
    fault: Fault
    tokens: int = 0  # prompt + completion tokens the answer reported (0 until answered)

    @property
    def system(self) -> str:
        """The system message."""
        return next((m["content"] for m in self.body["messages"] if m["role"] == "system"), "")

    @property
    def user(self) -> str:
        """The first user message."""
        return next((m["content"] for m in self.body["messages"] if m["role"] == "user"), "")

    @property
    def paper_ids(self) -> list[str]:
        """Ids of the paper blocks in the first user message."""
        return [m.group(1) for m in _BLOCK_RE.finditer(self.user)]

    @property
    def format_type(self) -> str | None:
        """`response_format.type` of the request."""
        fmt = self.body.get("response_format")
        return fmt.get("type") if isinstance(fmt, dict) else None


@dataclass
class FakeLLM:
    """Configuration and request log of the fake server (mutable while it runs)."""

    latency: float = 0.0
    reject_json_schema: bool = False
    retry_after: str = "1"
    retry_after_ms: str | None = None  # also send OpenAI's `retry-after-ms` with a 429 when set
    hang_seconds: float = 30.0
    script: deque[Fault] = field(default_factory=deque)
    faults_by_id: dict[str, deque[Fault]] = field(default_factory=dict)
    # Random faults for requests nothing is scripted for (the CLI's --fault-rate/--faults).
    fault_rate: float = 0.0
    fault_choices: tuple[Fault, ...] = (Fault.RATE_LIMIT, Fault.SERVER_ERROR)
    seed: int | None = None
    highlights_answer: str | None = None  # a fixed content for highlights calls (else a scripted mix)
    # Like a real provider: a request with another key gets 401, an unlisted model 404 (None: accept any).
    required_key: str | None = None
    cached_tokens: int | None = None  # report `prompt_tokens_details.cached_tokens` (OpenAI prompt caching)
    # Play a provider's automatic prefix cache (DeepSeek-like: 64-token units, any length): a request
    # whose system message was seen before reports that prefix as `prompt_tokens_details.cached_tokens`.
    prefix_cache: bool = False
    seen_prefixes: set[str] = field(default_factory=set)
    models: frozenset[str] | None = None
    numbers_by_id: dict[str, NumbersScript] = field(default_factory=dict)  # issue 16: sentences with numbers
    requests: list[Received] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    url: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)
    _rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    @property
    def base_url(self) -> str:
        """The base URL to give the client (`…/v1`)."""
        return self.url + "/v1"

    def push(self, *faults: Fault) -> None:
        """Script faults for the next requests, in arrival order."""
        self.script.extend(faults)

    def push_for(self, arxiv_id: str, *faults: Fault) -> None:
        """Script faults for the next requests that contain this paper."""
        self.faults_by_id.setdefault(arxiv_id, deque()).extend(faults)

    def count(self) -> int:
        """Requests received so far."""
        with self._lock:
            return len(self.requests)

    def summaries(self) -> list[dict[str, Any]]:
        """Every request so far as {at (time.monotonic, system-wide on Linux), ids, chars, kind} (benchmarks)."""
        with self._lock:
            received = list(self.requests)
        out = []
        for r in received:
            kind = "tools" if r.body.get("tools") else "summary" if r.paper_ids else "other"
            chars = sum(len(m.get("content") or "") for m in r.body.get("messages", []))
            out.append({"at": r.at, "ids": len(r.paper_ids), "chars": chars, "kind": kind})
        return out

    def prefix_hit(self, body: dict[str, Any]) -> int:
        """Cached tokens of this request: its system message, when an earlier request sent the same one."""
        system = next((m["content"] for m in body["messages"] if m["role"] == "system"), "")
        with self._lock:
            hit = system in self.seen_prefixes
            self.seen_prefixes.add(system)
        return (_tokens(system) // 64) * 64 if hit and system else 0

    def _next_fault(self, ids: list[str]) -> Fault:
        with self._lock:
            for pid in ids:
                queue = self.faults_by_id.get(pid)
                if queue:
                    return queue.popleft()
            if self.script:
                return self.script.popleft()
            if self.fault_rate > 0 and self.fault_choices and self._rng.random() < self.fault_rate:
                return self._rng.choice(self.fault_choices)
        return Fault.OK


def score_for(arxiv_id: str) -> int:
    """The deterministic score the fake gives a paper (20-89)."""
    return 20 + int(hashlib.sha256(arxiv_id.encode()).hexdigest(), 16) % 70


def answer_for(arxiv_id: str, title: str, abstract: str, zh: bool) -> dict[str, Any]:
    """The deterministic summary the fake writes for a paper."""
    first = abstract.split(". ")[0][:160]
    words = [w.strip(".,:;()").lower() for w in title.split() if len(w) > 3]
    keywords = [*list(dict.fromkeys(words))[:6], "arxiv", "paper", "summary", "research", "method"]
    keywords = list(dict.fromkeys(keywords))[:7]
    tag = "摘要" if zh else "Summary"
    return {
        "tldr": f"{tag}: {title[:120]}",
        "motivation": f"{first}.",
        # No number of its own (not even the id): the number check of issue 16 has nothing to flag.
        "method": "The method of the paper.",
        "conclusion": "Results of the paper are reported.",
        "keywords": keywords,
        "score": score_for(arxiv_id),
        "score_reason": "Deterministic score from the fake server.",
    }


def _fulltext_fields(user: str) -> dict[str, str]:
    """Experiments and limitations of a full-text answer: they name the sections the prompt carried."""
    headings = re.findall(r"^## (.+)$", user, re.MULTILINE)
    source = re.search(r"Full text \((\w+)", user)
    return {
        "experiments": f"Read from {source.group(1) if source else '?'}: {', '.join(headings)}.",
        "limitations": "Limitations stated by the fake server.",
    }


def _tokens(text: str) -> int:
    # ~4 characters a token for English, ~1.5 for CJK: realistic enough for cost arithmetic.
    cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    return max(1, (len(text) - cjk) // 4 + int(cjk / 1.5))


def _handler(fake: FakeLLM) -> type[BaseHTTPRequestHandler]:  # noqa: C901 — a fake server's dispatch over every fault it can inject; one branch per fault reads best
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body are separate writes: avoid the 40 ms delayed-ACK stall

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def _send(
            self, status: int, payload: Any, headers: dict[str, str] | None = None, raw: str | None = None
        ) -> None:
            data = (raw if raw is not None else json.dumps(payload, ensure_ascii=False)).encode("utf-8")
            self._leave()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path.endswith("/stats"):
                self._send(200, {"requests": fake.count()})
            elif self.path.endswith("/requests"):
                self._send(200, {"requests": fake.summaries()})
            else:
                self._send(404, {"error": {"message": f"no route {self.path}"}})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length).decode("utf-8"))
            if not self.path.endswith("/chat/completions"):
                self._send(404, {"error": {"message": f"no route {self.path}"}})
                return
            user = next((m["content"] for m in body["messages"] if m["role"] == "user"), "")
            blocks = _BLOCK_RE.findall(user)
            fault = fake._next_fault([b[0] for b in blocks])
            received = Received(body, self.headers.get("Authorization"), time.monotonic(), fault)
            with fake._lock:
                fake.requests.append(received)
                fake.in_flight += 1
                fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
            self._counted = True
            self._received = received
            try:
                self._answer(body, blocks, fault)
            finally:
                self._leave()

        def _leave(self) -> None:
            # Before the answer is written: the client may send its next request the moment it reads it.
            if getattr(self, "_counted", False):
                self._counted = False
                with fake._lock:
                    fake.in_flight -= 1

        def _answer(self, body: dict[str, Any], blocks: list[tuple[str, str, str]], fault: Fault) -> None:
            if fake.latency:
                fake._stop.wait(fake.latency)
            fmt = body.get("response_format") or {}
            if fake.reject_json_schema and fmt.get("type") == "json_schema":
                msg = "This response_format type is unavailable now"  # DeepSeek's wording
                self._send(400, {"error": {"message": msg, "type": "invalid_request_error"}})
                return
            if fault is Fault.RATE_LIMIT:
                headers = {"Retry-After": fake.retry_after}
                if fake.retry_after_ms is not None:
                    headers["retry-after-ms"] = fake.retry_after_ms
                self._send(429, {"error": {"message": "Rate limit reached"}}, headers)
                return
            if fault is Fault.SERVER_ERROR:
                self._send(500, {"error": {"message": "internal error"}})
                return
            if fault is Fault.ECHO_KEY:
                auth = self.headers.get("Authorization", "")
                self._send(401, {"error": {"message": f"Incorrect API key provided: {auth}", "header": auth}})
                return
            if fault is Fault.HANG:
                fake._stop.wait(fake.hang_seconds)
                self._send(504, {"error": {"message": "gateway timeout"}})
                return
            rejection = _rejection(fake, body, self.headers.get("Authorization"), fault)
            if rejection is not None:
                self._send(*rejection)
                return
            if body.get("tools"):
                self._send(200, _tool_reply(fake, body))
                return
            content = self._content(body, blocks, fault)
            reply: dict[str, Any] = {
                "id": f"chatcmpl-{len(fake.requests)}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model"),
                "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
                ],
            }
            usage = _usage(fake, body, content)
            self._received.tokens = usage["total_tokens"]
            if fault is not Fault.NO_USAGE:
                reply["usage"] = usage
            self._send(200, reply)

        def _content(self, body: dict[str, Any], blocks: list[tuple[str, str, str]], fault: Fault) -> str:  # noqa: C901 — a fake server's dispatch over every fault it can inject; one branch per fault reads best
            system = next((m["content"] for m in body["messages"] if m["role"] == "system"), "")
            zh = "简体中文" in system
            if '"themes"' in system:
                return fake.highlights_answer if fake.highlights_answer is not None else _highlights(body)
            # A naive "model": an instruction that escaped the data block would be obeyed.
            user = next((m["content"] for m in body["messages"] if m["role"] == "user"), "")
            outside = _BLOCK_RE.sub("", user)
            obeys = re.search(r"give (?:this paper )?100", outside, re.IGNORECASE) is not None
            # A number re-ask (issue 16) is a follow-up after the model's own answer.
            reasked = any(m["role"] == "assistant" for m in body["messages"])
            answers = []
            for pid, title, abstract in blocks:
                item = answer_for(pid, title, abstract, zh)
                if obeys:
                    item["score"] = 100
                if '"experiments"' in system:  # the full-text prompt (issue 13): two more fields
                    item.update(_fulltext_fields(user))
                script = fake.numbers_by_id.get(pid)
                added = (script.reask if reasked else script.first) if script is not None else ""
                if added and script is not None:
                    item[script.field] = f"{item[script.field]} {added}"
                answers.append(item)
            if not answers:
                return "I could not find a paper."
            if fault is Fault.NON_JSON:
                return "Sure! Here is a summary of the paper: it is about " + blocks[0][1]
            if len(blocks) > 1:
                items = [{"id": b[0], **a} for b, a in zip(blocks, answers, strict=True)]
                if fault is Fault.BATCH_MISSING_ID:
                    items = items[1:]
                if fault is Fault.BATCH_EXTRA_ID:
                    items.append({"id": "9999.99999", **answers[0]})
                if fault is Fault.BATCH_DUPLICATE_ID:
                    items[1]["id"] = items[0]["id"]
                return json.dumps({"papers": items}, ensure_ascii=False)
            item = answers[0]
            if fault is Fault.SCORE_1000:
                item["score"] = 1000
            if fault is Fault.MISSING_KEY:
                del item["method"]
            if fault is Fault.KEYWORDS_STRING:
                item["keywords"] = ", ".join(item["keywords"])
            if fault is Fault.SCRIPT_TAG:
                item["tldr"] = "<script>alert('x')</script> " + item["tldr"]
            if fault is Fault.LATEX:
                item["method"] = "LATEX_PLACEHOLDER"
            text = json.dumps(item, ensure_ascii=False)
            if fault is Fault.LATEX:
                # Raw, unescaped backslashes as models write them: invalid JSON escapes.
                text = text.replace(
                    "LATEX_PLACEHOLDER", r"We bound $\frac{1}{n}\sum \alpha_i$ by $\beta \cdot \nabla f$."
                )
            if fault is Fault.FENCED:
                text = f"```json\n{text}\n```"
            if fault is Fault.FENCE_IN_STRING:
                item["method"] = "We train with\n```python\nloss = model(x).mean()\n```\nand a fixed seed."
                text = f"```json\n{json.dumps(item, ensure_ascii=False)}\n```"
            if fault is Fault.TRUNCATED:
                text = text[:-12]  # cut inside score_reason, as when max_tokens is hit
            if fault is Fault.THINK:
                text = f"<think>The user wants JSON. {{not json}}</think>\n{text}"
            return text

    return Handler


# Bodies as OpenAI sends them (https://platform.openai.com/docs/guides/error-codes).
_UNAUTHORIZED = {
    "message": "Incorrect API key provided: sk-wr****ong. You can find your API key at https://platform.openai.com/account/api-keys.",
    "type": "invalid_request_error",
    "param": None,
    "code": "invalid_api_key",
}
_BAD_REQUEST = {
    "message": "Unrecognized request argument supplied: reasoning_mode",
    "type": "invalid_request_error",
    "param": None,
    "code": None,
}


def _rejection(
    fake: FakeLLM, body: dict[str, Any], authorization: str | None, fault: Fault
) -> tuple[int, dict[str, Any]] | None:
    """The error a real provider would answer this request with (key, model, shape), or None."""
    if fault is Fault.UNAUTHORIZED or (
        fake.required_key is not None and authorization != f"Bearer {fake.required_key}"
    ):
        return 401, {"error": _UNAUTHORIZED}
    model = str(body.get("model"))
    if fault is Fault.MODEL_NOT_FOUND or (fake.models is not None and model not in fake.models):
        message = f"The model `{model}` does not exist or you do not have access to it."
        return 404, {
            "error": {"message": message, "type": "invalid_request_error", "param": None, "code": "model_not_found"}
        }
    if fault is Fault.BAD_REQUEST:
        return 400, {"error": _BAD_REQUEST}
    return None


def _usage(fake: FakeLLM, body: dict[str, Any], content: str) -> dict[str, Any]:
    """The `usage` object of an answer, with cached tokens when the fake plays a prompt cache."""
    prompt_text = "".join(m["content"] for m in body["messages"])
    usage: dict[str, Any] = {
        "prompt_tokens": _tokens(prompt_text),
        "completion_tokens": _tokens(content),
        "total_tokens": _tokens(prompt_text) + _tokens(content),
    }
    if fake.cached_tokens is not None:
        usage["prompt_tokens_details"] = {"cached_tokens": fake.cached_tokens}
    elif fake.prefix_cache:
        usage["prompt_tokens_details"] = {"cached_tokens": fake.prefix_hit(body)}
    return usage


def _tool_reply(fake: FakeLLM, body: dict[str, Any]) -> dict[str, Any]:
    """A function-calling answer (the request shape of daily-arXiv-ai-enhanced: one tool, abstract only).

    https://platform.openai.com/docs/guides/function-calling: the arguments are a JSON string.
    """
    user = next((m["content"] for m in body["messages"] if m["role"] == "user"), "")
    tool = body["tools"][0]["function"]
    first = " ".join(user.split())[:160]
    args = {name: f"{name}: {first}" for name in tool.get("parameters", {}).get("properties", {})}
    arguments = json.dumps(args, ensure_ascii=False)
    call = {
        "id": f"call_{fake.count()}",
        "type": "function",
        "function": {"name": tool["name"], "arguments": arguments},
    }
    message = {"role": "assistant", "content": None, "tool_calls": [call]}
    return {
        "id": f"chatcmpl-{fake.count()}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model"),
        "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls"}],
        "usage": _usage(fake, body, arguments),
    }


def _highlights(body: dict[str, Any]) -> str:
    user = next((m["content"] for m in body["messages"] if m["role"] == "user"), "")
    numbers = [int(n) for n in re.findall(r"^\[(\d+)\]", user, re.MULTILINE)]
    themes = [
        {"title": "Agents", "text": f"Agents improve [{numbers[0]}][{numbers[1]}].", "papers": numbers[:2]},
        {"title": "Ghost", "text": "A paper not in the list [999].", "papers": [999]},
        {"title": "Mixed", "text": f"Mixed citations [{numbers[-1]}][998].", "papers": [numbers[-1], 998]},
    ]
    return json.dumps({"themes": themes}, ensure_ascii=False)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512  # a benchmark opens many connections at once


@contextmanager
def serve_fake_llm(fake: FakeLLM | None = None) -> Iterator[FakeLLM]:
    """Run a fake LLM server on 127.0.0.1 (port 0) for the duration of the block."""
    fake = fake or FakeLLM()
    server = _Server(("127.0.0.1", 0), _handler(fake))
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-llm", daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake._stop.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _faults(text: str) -> tuple[Fault, ...]:
    try:
        return tuple(Fault(part.strip()) for part in text.split(",") if part.strip())
    except ValueError as exc:
        choices = ", ".join(f.value for f in Fault)
        raise argparse.ArgumentTypeError(f"{exc}; choose from {choices}") from None


def fake_from_args(argv: Sequence[str] | None = None) -> FakeLLM:
    """A FakeLLM configured from command-line options (see `python -m fakes.llm_server --help`)."""
    parser = argparse.ArgumentParser(
        prog="python -m fakes.llm_server",
        description="fake OpenAI-compatible server: prints its base URL, serves until stdin closes",
    )
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each answer")
    parser.add_argument(
        "--fault-rate", type=float, default=0.0, help="probability (0-1) that a request gets a random fault"
    )
    parser.add_argument(
        "--faults",
        type=_faults,
        default=(Fault.RATE_LIMIT, Fault.SERVER_ERROR),
        help="comma-separated faults drawn at --fault-rate (default 429,500); one of: "
        + ", ".join(f.value for f in Fault),
    )
    parser.add_argument(
        "--script", type=_faults, default=(), help="comma-separated faults for the first requests, in order"
    )
    parser.add_argument("--seed", type=int, default=None, help="random seed for --fault-rate")
    parser.add_argument("--reject-json-schema", action="store_true", help="answer 400 to json_schema (like DeepSeek)")
    parser.add_argument("--retry-after", default="1", help="Retry-After header value of a 429")
    parser.add_argument("--hang-seconds", type=float, default=30.0, help="how long a 'hang' fault sleeps")
    parser.add_argument("--prefix-cache", action="store_true", help="report a repeated system message as cached tokens")
    args = parser.parse_args(argv)
    if not 0.0 <= args.fault_rate <= 1.0:
        parser.error("--fault-rate must be between 0 and 1")
    return FakeLLM(
        latency=args.latency,
        reject_json_schema=args.reject_json_schema,
        retry_after=args.retry_after,
        hang_seconds=args.hang_seconds,
        prefix_cache=args.prefix_cache,
        script=deque(args.script),
        fault_rate=args.fault_rate,
        fault_choices=tuple(args.faults),
        seed=args.seed,
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Serve in a process of its own (benchmarks, manual fault runs): prints the base URL, serves until stdin closes."""
    import sys

    with serve_fake_llm(fake_from_args(argv)) as fake:
        print(fake.base_url, flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    main()
