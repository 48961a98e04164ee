"""The `paperbrief` command line: a thin Click layer over the pipeline."""

from __future__ import annotations

from pathlib import Path

import click

from paperbrief import __version__
from paperbrief.cli.common import AppContext


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="paperbrief")
@click.option(
    "--config",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Settings file (default: ./paperbrief.toml or $PAPERBRIEF_CONFIG).",
)
@click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=Path),
    help="Data directory holding the database (default: $PAPERBRIEF_HOME or a per-user data dir).",
)
@click.pass_context
def main(ctx: click.Context, config: Path | None, home: Path | None) -> None:
    """paperbrief: each day's arXiv announcement as a digest you actually read.

    Fetch the day's papers, pick the ones that matter, summarize them with an LLM (or
    extractively, offline) and publish Markdown, JSON, an HTML site, a feed, e-mail and chat.
    Start with `paperbrief run --sample`.
    """
    ctx.obj = AppContext(config=config, home=home)


# Commands register below: one import and one add_command per module.
from paperbrief.cli.config import config_command, init_command  # noqa: E402
from paperbrief.cli.run import run_command  # noqa: E402

main.add_command(run_command)
main.add_command(init_command)
main.add_command(config_command)
from paperbrief.cli.publish import deliver_command, serve_command, site_command  # noqa: E402

main.add_command(deliver_command)
main.add_command(site_command)
main.add_command(serve_command)
from paperbrief.cli.logs import logs_command  # noqa: E402

main.add_command(logs_command)
from paperbrief.cli.fetch import backfill_command, fetch_command  # noqa: E402

main.add_command(fetch_command)
main.add_command(backfill_command)
from paperbrief.cli.select_cmds import explain_command, profile_group  # noqa: E402

main.add_command(explain_command)
main.add_command(profile_group)
