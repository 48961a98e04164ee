"""Regenerate docs/cli.md from the commands' own --help (run: python scripts/gen_cli_docs.py)."""

from __future__ import annotations

from pathlib import Path

import click
from click.testing import CliRunner

from paperbrief.cli import main

HEADER = """# Command-line reference

Generated from `--help` by `python scripts/gen_cli_docs.py`; `tests/test_cli_docs.py` fails when it is stale.

Exit codes of `paperbrief run` (cron can act on them): 0 success (also a weekend/holiday with
no announcement, and a run where only some summaries failed); 1 failure (nothing usable, or
every summary failed); 2 usage error (a bad flag, settings file or date: not a calendar date, in
the future, or before 1991-08-14, arXiv's first announcement; `--summarizer llm` with no LLM
configured); 3 partial (papers missing after retries, an incomplete day, or a delivery channel or
the site failed: the digest is written and kept); 130 interrupted by Ctrl-C or SIGTERM (summaries
already received are kept; rerun to finish). `--config FILE` is accepted before or after the
command. `--no-deliver` skips e-mail and chat; the site is still rebuilt unless `--no-site`.
`paperbrief deliver` exits 3 when a channel failed and 2
when none is configured; `paperbrief fetch` exits 3 when announced papers are missing;
`paperbrief profile import` exits 3 when some entries were skipped and 1 when nothing was imported.
"""


def render() -> str:
    """The whole reference page."""
    runner = CliRunner()
    parts = [
        HEADER,
        "## paperbrief\n",
        "```text\n" + runner.invoke(main, ["--help"], prog_name="paperbrief", terminal_width=100).output + "```\n",
    ]
    context = click.Context(main)
    for name in main.list_commands(context):
        command = main.get_command(context, name)
        assert command is not None
        paths = [[name]]
        if isinstance(command, click.Group):
            paths += [[name, sub] for sub in sorted(command.commands)]
        for path in paths:
            output = runner.invoke(main, [*path, "--help"], prog_name="paperbrief", terminal_width=100).output
            parts.append(f"## paperbrief {' '.join(path)}\n")
            parts.append("```text\n" + output + "```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    target = Path(__file__).resolve().parent.parent / "docs" / "cli.md"
    target.write_text(render(), encoding="utf-8")
    print(f"wrote {target}")
