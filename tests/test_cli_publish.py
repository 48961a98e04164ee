"""`paperbrief deliver`, `site`, `serve` and the library's `publish_digest`, with settings from the environment."""

from __future__ import annotations

import datetime as dt
import email
import os
import re
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from email.policy import default as default_policy
from pathlib import Path

import pytest
from click.testing import CliRunner

from fakes.digests import SAMPLE_DATE, sample_digest
from fakes.publish_servers import free_port, smtp_server, webhook_server
from paperbrief.cli import main
from paperbrief.cli.common import ExitCode
from paperbrief.factories import configure_channels, site_options_from_settings
from paperbrief.publish import PublishReport, publish_digest
from paperbrief.settings import Settings
from paperbrief.store import Store
from paperbrief.store.db import sqlite_url

HOOK_SECRET = "Zq9-hook-secret-771"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A data directory holding the sample digest and one of the day before; cwd has no config file."""
    monkeypatch.chdir(tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    store = Store(sqlite_url(home / "paperbrief.db"))
    store.save_digest(sample_digest(date=SAMPLE_DATE - dt.timedelta(days=1)))
    store.save_digest(sample_digest())
    store.close()
    yield home


def _env(home: Path, smtp_port: int | None = None, hook_port: int | None = None) -> dict[str, str]:
    env = {"PAPERBRIEF_HOME": str(home), "PAPERBRIEF_SITE_BASE_URL": "https://example.org/pb/"}
    if smtp_port is not None:
        env.update(
            {
                "PAPERBRIEF_SMTP_HOST": "127.0.0.1",
                "PAPERBRIEF_SMTP_PORT": str(smtp_port),
                "PAPERBRIEF_SMTP_SECURITY": "none",
                "PAPERBRIEF_EMAIL_FROM": "paperbrief@example.org",
                "PAPERBRIEF_EMAIL_TO": "ada@example.org, bob@example.org",
            }
        )
    if hook_port is not None:
        env["PAPERBRIEF_NOTIFY_URLS"] = f"json://127.0.0.1:{hook_port}/{HOOK_SECRET}"
    return env


def test_deliver_sends_latest_day_once_then_resend_per_channel(home: Path) -> None:
    runner = CliRunner()
    with smtp_server() as (smtp_port, mails), webhook_server() as (hook_port, posts):
        env = _env(home, smtp_port, hook_port)
        first = runner.invoke(main, ["deliver"], env=env)
        assert first.exit_code == 0, first.output
        assert len(mails) == 1 and len(posts) == 1
        assert mails[0].rcpt_tos == ["ada@example.org", "bob@example.org"]
        subject = email.message_from_bytes(mails[0].data, policy=default_policy)["Subject"]
        assert subject == "arXiv AI 论文日报 | 2026-02-04（30 篇）"  # the latest stored day
        assert "2026-02-04 email: sent" in first.output
        assert re.search(rf"2026-02-04 chat:json://127\.0\.0\.1:{hook_port}/\*\*\*\*#[0-9a-f]{{8}}: sent", first.output)

        again = runner.invoke(main, ["deliver"], env=env)
        assert again.exit_code == 0, again.output
        assert "already sent" in again.output
        assert len(mails) == 1 and len(posts) == 1

        resend = runner.invoke(main, ["deliver", "--channel", "email", "--resend"], env=env)
        assert resend.exit_code == 0, resend.output
        assert len(mails) == 2 and len(posts) == 1

        older = runner.invoke(main, ["deliver", "--date", "2026-02-03", "--channel", "chat"], env=env)
        assert older.exit_code == 0, older.output
        assert len(mails) == 2 and len(posts) == 2
    for result in (first, again, resend, older):
        assert HOOK_SECRET not in result.output


def test_deliver_exits_partial_when_a_channel_fails_and_retries_it(home: Path) -> None:
    runner = CliRunner()
    closed = free_port()
    with webhook_server() as (hook_port, posts):
        failed = runner.invoke(main, ["deliver"], env=_env(home, closed, hook_port))
        assert failed.exit_code == ExitCode.PARTIAL, failed.output
        assert f"email: failed SMTP 127.0.0.1:{closed}: connection refused" in failed.output
        assert len(posts) == 1  # the failing e-mail did not stop the chat push
        assert HOOK_SECRET not in failed.output
    with smtp_server() as (smtp_port, mails):
        retry = runner.invoke(main, ["deliver", "--channel", "email"], env=_env(home, smtp_port, hook_port))
    assert retry.exit_code == 0, retry.output
    assert len(mails) == 1


def test_deliver_explains_missing_channels_digest_and_bad_settings(home: Path) -> None:
    runner = CliRunner()
    none = runner.invoke(main, ["deliver"], env=_env(home))
    assert none.exit_code == ExitCode.USAGE
    assert "no delivery channel is configured" in none.output
    missing = runner.invoke(main, ["deliver", "--date", "2026-01-01"], env=_env(home, 25))
    assert missing.exit_code == ExitCode.FAILURE
    assert "no stored digest for 2026-01-01" in missing.output
    env = _env(home, 25) | {"PAPERBRIEF_EMAIL_TO": ""}
    half = runner.invoke(main, ["deliver"], env=env)
    assert half.exit_code == ExitCode.USAGE
    assert "PAPERBRIEF_EMAIL_TO" in half.output
    bad = runner.invoke(main, ["deliver", "--channel", "sms"], env=_env(home, 25))
    assert bad.exit_code == ExitCode.USAGE


def test_site_command_rebuilds_from_all_stored_digests(home: Path, tmp_path: Path) -> None:
    out = tmp_path / "public"
    result = CliRunner().invoke(main, ["site", "--out", str(out)], env=_env(home))
    assert result.exit_code == 0, result.output
    site = out / "site"
    names = sorted(p.name for p in site.iterdir())
    assert names == ["2026-02-03.html", "2026-02-04.html", "feed.xml", "index.html", "search.json"]
    assert "https://example.org/pb/2026-02-04.html#2602.04837" in (site / "feed.xml").read_text(encoding="utf-8")
    index = (site / "index.html").read_text(encoding="utf-8")
    assert index.index("2026-02-04.html") < index.index("2026-02-03.html")


def test_serve_builds_and_serves_the_site_until_interrupted(home: Path, tmp_path: Path) -> None:
    out = tmp_path / "served"
    env = {**os.environ, **_env(home), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from paperbrief.cli import main; main()", "serve", "--port", "0", "--out", str(out)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.search(r"at (http://127\.0\.0\.1:\d+/)", line)
        assert match, line + (proc.stderr.read() if proc.poll() is not None and proc.stderr else "")
        with urllib.request.urlopen(match.group(1) + "2026-02-04.html", timeout=10) as response:
            page = response.read().decode("utf-8")
        assert page.count("<article") == 30
        with urllib.request.urlopen(match.group(1), timeout=10) as response:
            assert "2026-02-03.html" in response.read().decode("utf-8")
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _publish(store: Store, settings: Settings, out: Path) -> PublishReport:
    channels, problems = configure_channels(settings)
    site = site_options_from_settings(settings)
    return publish_digest(sample_digest(), store, out, site=site, channels=channels, problems=problems)


def test_publish_digest_builds_site_and_delivers_when_configured(home: Path, tmp_path: Path) -> None:
    store = Store(sqlite_url(home / "paperbrief.db"))
    out = tmp_path / "digests"
    quiet = _publish(store, Settings(home=home), out)
    assert quiet.deliveries is None and quiet.failed == []
    assert quiet.site is not None and quiet.site.index == out / "site" / "index.html"
    assert (out / "site" / "2026-02-04.html").exists()
    with webhook_server() as (hook_port, posts):
        settings = Settings(home=home, notify_urls=[f"json://127.0.0.1:{hook_port}/{HOOK_SECRET}", "bogus://x"])
        report = _publish(store, settings, out)
        assert report.deliveries is not None
        assert len(posts) == 1
        assert len(report.deliveries.sent) == 1
        assert [name.split("://")[0] for name in report.failed] == ["chat:bogus"]
        again = _publish(store, settings, out)
    assert again.deliveries is not None and again.deliveries.sent == [] and len(posts) == 1
    assert HOOK_SECRET not in repr(report) + repr(again)
    store.close()
