"""Start-up stays lean (issue 15): `paperbrief --help` imports no command module, no SDK, no database layer."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
from click.testing import CliRunner

from paperbrief.cli import COMMAND_HELP, COMMANDS, main

HEAVY = ("openai", "apprise", "sqlalchemy", "pydantic_settings", "jinja2", "lxml", "yake", "numpy", "httpx")


def test_the_static_help_lines_match_each_commands_own_help() -> None:
    ctx = click.Context(main)
    assert set(COMMAND_HELP) <= set(COMMANDS)
    for name, line in COMMAND_HELP.items():
        command = main.get_command(ctx, name)
        assert command is not None
        assert command.get_short_help_str(limit=1000) == line, name


def test_help_lists_every_command_with_its_help() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for name in COMMANDS:
        assert f"  {name} " in result.output
    assert "Fetch, select, summarize and publish one announcement day." in result.output


def test_help_imports_no_heavy_library_and_no_command_module() -> None:
    code = (
        "import sys, json\n"
        "sys.argv = ['paperbrief', '--help']\n"
        "from paperbrief.cli import entry\n"
        "try:\n    entry()\nexcept SystemExit:\n    pass\n"
        "print(json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(proc.stderr.strip().splitlines()[-1]))
    assert "Commands:" in proc.stdout
    heavy = sorted(m for m in loaded if m.split(".")[0] in HEAVY)
    assert heavy == []
    commands = sorted(m for m in loaded if m.startswith("paperbrief.cli.") and m != "paperbrief.cli.common")
    assert commands == []


def test_a_run_reaches_its_first_request_without_the_llm_sdk_or_the_ranking_libraries(tmp_path: Path) -> None:
    """Up to the feed request a run needs settings, the store and the summarizer object, not the SDK itself."""
    code = (
        "import sys, json\n"
        "import paperbrief.cli.run, paperbrief.pipeline\n"
        "from paperbrief.factories import choose_summarizer\n"
        "from paperbrief.settings import Settings\n"
        "from paperbrief.store import Store, sqlite_url\n"
        f"home = {str(tmp_path)!r}\n"
        "settings = Settings(home=home, llm_model='m', llm_base_url='http://127.0.0.1:9/v1', summarizer='llm')\n"
        "store = Store.open(sqlite_url(home + '/x.db'))\n"
        "summarizer, _note = choose_summarizer(settings, store, None)\n"
        "assert summarizer.backend == 'llm'\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(proc.stdout.strip().splitlines()[-1]))
    assert sorted(m for m in loaded if m.split(".")[0] in ("openai", "bm25s", "scipy", "yake", "apprise")) == []
