"""`paperbrief serve`'s feedback API over real HTTP (issue 12): CSRF, same-origin, bad input, loopback, signed links."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from paperbrief.cli import main
from paperbrief.feedback import LinkClaim, sign_link
from paperbrief.store import Store
from paperbrief.store.db import sqlite_url

SECRET = "test-link-secret-0123456789"
PAPERS = [
    {"id": "2602.30001", "version": 1, "title": "Robot grasping with tactile sensing", "authors": ["A B"],
     "categories": ["cs.LG"], "published": "2026-02-04T10:00:00Z", "abstract": "A robot learns to grasp."},
    {"id": "2602.30002", "version": 1, "title": "Sparse regression minimax rates", "authors": ["C D"],
     "categories": ["cs.LG"], "published": "2026-02-04T10:00:00Z", "abstract": "Minimax rates. 李雷 🚀"},
]  # fmt: skip


def _env(tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "paperbrief.toml"
    config.write_text("", encoding="utf-8")
    return {
        "PAPERBRIEF_HOME": str(tmp_path / "home"),
        "PAPERBRIEF_CONFIG": str(config),
        "PAPERBRIEF_OUT_DIR": str(tmp_path / "out"),
        "PAPERBRIEF_FEEDBACK_SECRET": SECRET,
    }


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """`paperbrief serve --port 0` over a day stored by `run --from-json`; yields its base URL."""
    day = tmp_path / "day.json"
    day.write_text(json.dumps({"announced": "2026-02-04", "papers": PAPERS}), encoding="utf-8")
    env = _env(tmp_path)
    ran = CliRunner().invoke(main, ["run", "--from-json", str(day), "--no-deliver"], env=env)
    assert ran.exit_code == 0, ran.output
    proc = subprocess.Popen(
        [sys.executable, "-c", "from paperbrief.cli import main; main()", "serve", "--port", "0"],
        env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.search(r"at (http://[^/]+/)", line)
        assert match, line
        yield match.group(1)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(url + "api/feedback", data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _token(base: str) -> str:
    status, page = _get(base + "2026-02-04.html")
    assert status == 200
    match = re.search(r'<meta name="paperbrief-csrf" content="([^"]+)">', page)
    assert match, page[:500]
    return match.group(1)


def _events(tmp_path: Path, reader: str = "me") -> list[tuple[str, str, str]]:
    store = Store(sqlite_url(tmp_path / "home" / "paperbrief.db"))
    try:
        return [(e.arxiv_id, e.action, e.source) for e in store.feedback_events(reader)]
    finally:
        store.close()


def test_serve_binds_to_loopback_by_default(served: str) -> None:
    assert served.startswith("http://127.0.0.1:")


def test_page_carries_buttons_and_a_token_and_a_post_stores_the_event(served: str, tmp_path: Path) -> None:
    status, page = _get(served + "2026-02-04.html")
    assert page.count('class="fb"') == 2
    assert page.count('data-action="like"') == 2
    token = _token(served)
    headers = {"Content-Type": "application/json", "X-Paperbrief-CSRF": token}
    body = json.dumps({"arxiv_id": "2602.30001v1", "action": "like", "reader": "me"}).encode()
    assert _post(served, body, headers) == (
        200,
        {"ok": True, "reader": "me", "arxiv_id": "2602.30001", "action": "like"},
    )
    assert _events(tmp_path) == [("2602.30001", "like", "site")]
    status, states = _get(served + "api/feedback?reader=me")
    assert (status, json.loads(states)) == (200, {"2602.30001": "like"})


def test_requests_without_the_token_or_from_another_origin_are_refused(served: str, tmp_path: Path) -> None:
    token = _token(served)
    body = json.dumps({"arxiv_id": "2602.30001", "action": "like"}).encode()
    json_type = {"Content-Type": "application/json"}
    assert _post(served, body, json_type)[0] == 403
    assert _post(served, body, {**json_type, "X-Paperbrief-CSRF": "guess"})[0] == 403
    evil = {**json_type, "X-Paperbrief-CSRF": token, "Origin": "http://evil.example"}
    assert _post(served, body, evil) == (403, {"error": "cross-origin request refused"})
    assert _events(tmp_path) == []


@pytest.mark.parametrize(
    ("body", "content_type", "error"),
    [
        (b"not json", "application/json", "the body is not JSON"),
        (b'{"arxiv_id": "2602.30001", "action": "love"}', "application/json", "unknown label 'love'"),
        (b'{"arxiv_id": "../../etc", "action": "like"}', "application/json", "not an arXiv id"),
        (b'{"arxiv_id": "2602.30001", "action": "like", "reader": "mallory"}', "application/json", "unknown reader"),
        (b'{"arxiv_id": 5, "action": "like"}', "application/json", "expected {arxiv_id, action, reader}"),
        (b'{"arxiv_id": "2602.30001", "action": "like"}', "text/plain", "expected Content-Type"),
    ],
)
def test_bad_input_is_rejected_with_400_and_stores_nothing(
    served: str, tmp_path: Path, body: bytes, content_type: str, error: str
) -> None:
    status, answer = _post(served, body, {"Content-Type": content_type, "X-Paperbrief-CSRF": _token(served)})
    assert status == 400
    assert error in str(answer["error"])
    assert _events(tmp_path) == []


def _link(base: str, claim: LinkClaim, secret: str = SECRET) -> str:
    return base + "feedback?t=" + sign_link(secret, claim)


def test_signed_link_records_once_and_a_replay_records_nothing(served: str, tmp_path: Path) -> None:
    claim = LinkClaim("alice", "2602.30002", "dislike", int(time.time()) + 3600)
    status, page = _get(_link(served, claim))
    assert status == 200 and "Recorded: dislike 2602.30002 for alice" in page
    status, page = _get(_link(served, claim))
    assert status == 200 and "Already recorded" in page
    assert [(i, a) for i, a, _ in _events(tmp_path, "alice")] == [("2602.30002", "dislike")]


def test_expired_tampered_and_forged_links_are_refused(served: str, tmp_path: Path) -> None:
    expired = LinkClaim("alice", "2602.30002", "like", int(time.time()) - 1)
    status, page = _get(_link(served, expired))
    assert (status, "this feedback link has expired" in page) == (400, True)
    good = sign_link(SECRET, LinkClaim("alice", "2602.30002", "like", int(time.time()) + 3600))
    mac = good.split(".")[1]
    other = sign_link(SECRET, LinkClaim("bob", "2602.30002", "like", int(time.time()) + 3600)).split(".")[0]
    status, page = _get(served + f"feedback?t={other}.{mac}")  # bob's claim under alice's signature
    assert (status, "signature mismatch" in page) == (400, True)
    forged = _link(served, LinkClaim("alice", "2602.30002", "hide", int(time.time()) + 3600), "wrong-secret")
    assert _get(forged)[0] == 400
    assert _get(served + "feedback?t=garbage")[0] == 400
    assert _events(tmp_path, "alice") == [] and _events(tmp_path, "bob") == []
