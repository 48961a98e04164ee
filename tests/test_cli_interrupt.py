"""Ctrl-C or SIGTERM in the middle of `paperbrief run`: exit 130, the store consistent, a rerun pays the rest."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from fakes.llm_server import FakeLLM, Fault, serve_fake_llm
from paperbrief.cli import main


def _summaries(db: Path) -> int:
    if not db.exists():
        return 0
    with sqlite3.connect(db, timeout=5) as conn:
        try:
            return int(conn.execute("select count(*) from summaries where status = 'ok'").fetchone()[0])
        except sqlite3.OperationalError:  # tables not created yet
            return 0


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_mid_run_keeps_every_summary_and_the_rerun_asks_only_for_the_rest(
    tmp_path: Path, signum: signal.Signals
) -> None:
    """Ctrl-C and SIGTERM (systemd, CI) alike: exit 130, this run's progress reported, the run row interrupted."""
    home, out = tmp_path / "home", tmp_path / "out"
    answered = 4
    # The first four requests are answered, every later one hangs: exactly four summaries exist when
    # the signal arrives, whatever the machine's speed.
    with serve_fake_llm(FakeLLM(hang_seconds=3.0)) as fake:
        fake.push(*[Fault.OK] * answered, *[Fault.HANG] * 26)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PAPERBRIEF_", "OPENAI_"))}
        env |= {
            "PAPERBRIEF_LLM_BASE_URL": fake.base_url,
            "PAPERBRIEF_LLM_API_KEY": "sk-test-interrupt-0123456789",
            "PAPERBRIEF_LLM_MODEL": "fake-model",
            "PAPERBRIEF_LLM_CONCURRENCY": "2",
            "PAPERBRIEF_LLM_BATCH_SIZE": "1",  # faults are scripted per request, one paper each
        }
        command = [sys.executable, "-c", "from paperbrief.cli import entry; entry()"]
        child = subprocess.Popen(
            [*command, "--home", str(home), "run", "--sample", "--no-deliver", "--out", str(out)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        db = home / "paperbrief.db"
        deadline = time.monotonic() + 60  # a bound on the polling loop, not an assertion on speed
        while (_summaries(db) < answered or fake.count() < answered + 2) and time.monotonic() < deadline:
            assert child.poll() is None, child.communicate()
            time.sleep(0.05)
        child.send_signal(signum)
        _stdout, stderr = child.communicate(timeout=60)
        assert child.returncode == 130, stderr
        assert f"Interrupted: received {answered} of 30 summaries, all kept" in stderr
        assert "Traceback" not in stderr
        assert _summaries(db) == answered
        with sqlite3.connect(db) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert conn.execute("select status from runs").fetchone()[0] == "interrupted"
        assert not (out / "2026-02-04.md").exists()  # no half-written report

        fake.script.clear()  # the rerun is answered normally
        calls_before = fake.count()
        result = CliRunner().invoke(
            main, ["--home", str(home), "run", "--sample", "--no-deliver", "--out", str(out)], env=env
        )
        assert result.exit_code == 0, result.output
        summary_calls = fake.count() - calls_before - 1  # one highlights call for the finished day
        assert summary_calls == 30 - answered
        assert _summaries(db) == 30
