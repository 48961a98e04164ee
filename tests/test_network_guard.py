"""The suite's network guard: tests may only connect to loopback (pytest-socket --allow-hosts)."""

from __future__ import annotations

import socket

import pytest


def test_the_suite_allows_loopback_only(request: pytest.FixtureRequest) -> None:
    allowed = request.config.getoption("allow_hosts")
    assert allowed is not None
    hosts = {h.strip() for h in str(allowed).split(",")}
    assert hosts == {"127.0.0.1", "::1", "localhost"}
    # pytest-socket replaced socket.connect with its checking wrapper for every test
    assert socket.socket.connect.__name__ == "guarded_connect"


def test_a_loopback_connection_still_works() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            pass
