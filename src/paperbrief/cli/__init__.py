"""The `paperbrief` command line: a thin Click layer over the pipeline."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import click

from paperbrief import __version__
from paperbrief.cli.common import AppContext, config_option

# Command name -> "module:attribute". Modules are imported when their command runs (or for
# --help), so `paperbrief run` does not pay for importing apprise or the openai SDK up front.
COMMANDS: dict[str, str] = {
    "run": "paperbrief.cli.run:run_command",
    "init": "paperbrief.cli.config:init_command",
    "config": "paperbrief.cli.config:config_command",
    "fetch": "paperbrief.cli.fetch:fetch_command",
    "backfill": "paperbrief.cli.fetch:backfill_command",
    "bulk": "paperbrief.cli.bulk:bulk_command",
    "explain": "paperbrief.cli.select_cmds:explain_command",
    "profile": "paperbrief.cli.select_cmds:profile_group",
    "logs": "paperbrief.cli.logs:logs_command",
    "deliver": "paperbrief.cli.publish:deliver_command",
    "site": "paperbrief.cli.publish:site_command",
    "serve": "paperbrief.cli.publish:serve_command",
    "weekly": "paperbrief.cli.weekly:weekly_command",
    "export": "paperbrief.cli.export:export_command",
    "search": "paperbrief.cli.search:search_command",
    "mcp": "paperbrief.cli.mcp:mcp_command",
    "feedback": "paperbrief.cli.feedback:feedback_group",
    "rank": "paperbrief.cli.rank:rank_command",
}


# The one-line help of each command, so `paperbrief --help` lists them without importing any
# (importing every command pulled in the openai SDK, Apprise, SQLAlchemy: seconds on a busy box).
# tests/test_startup.py checks each line against the command's own help; a command missing here
# is imported for its line, as before.
COMMAND_HELP: dict[str, str] = {
    "bulk": "Summarize the stored papers of a date range through the provider's Batch API (half price, within 24 h).",
    "backfill": "Store every paper of a date range (restartable: rerun to resume after a failure); "
    "--summarize them too.",
    "config": "Print the effective settings and where each came from (secrets masked).",
    "deliver": "Send a stored digest by e-mail and chat, once per day and channel.",
    "explain": "Show why paper ID was or was not selected on a stored day for the reader, with the current settings.",
    "export": "Export stored papers for Zotero, JabRef and friends (BibTeX, RIS or CSL-JSON).",
    "feedback": "Tell paperbrief which papers you liked, disliked, saved or hid; the learned ranking uses it.",
    "fetch": "Fetch one announcement day (or --ids) from arXiv, print the papers and store them.",
    "init": "Write a commented paperbrief.toml with every setting and its default.",
    "mcp": "Run a Model Context Protocol server over stdio (tools over the store; only add_feedback writes).",
    "logs": "Show the most recent LLM calls: prompt, response, tokens, latency and status (newest first).",
    "profile": "The interest profile: weighted topics (settings) and an imported reading list.",
    "rank": "Rank every candidate of a stored day by the reader's learned model (docs/feedback.md).",
    "run": "Fetch, select, summarize and publish one announcement day.",
    "search": "Search every stored paper (title, abstract, authors, summaries, keywords) for QUERY.",
    "serve": "Serve OUT/site/ and the feedback API (builds the site first if missing).",
    "site": "Rebuild the HTML site and Atom feed (OUT/site/, OUT/NAME/site/ in a lab) "
    "from the reader's stored digests.",
    "weekly": "Write the weekly report: best papers, rising/falling terms and themes of one ISO week.",
}


class LazyGroup(click.Group):
    """A Click group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command name, sorted."""
        return sorted(set(super().list_commands(ctx)) | set(COMMANDS))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command, importing its module if needed."""
        if cmd_name in COMMANDS and cmd_name not in self.commands:
            module_name, attribute = COMMANDS[cmd_name].split(":")
            command = getattr(importlib.import_module(module_name), attribute)
            _accept_config(command)
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of --help, from `COMMAND_HELP` where it can (no command module imported)."""
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            if name in COMMAND_HELP and name not in self.commands:
                rows.append((name, click.Command(name, help=COMMAND_HELP[name]).get_short_help_str(limit)))
                continue
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _accept_config(command: click.Command) -> None:
    """Give a command (and a group's subcommands) `--config FILE`, so it works after the subcommand too."""
    if not any(p.name == "config" for p in command.params):
        command.params.append(config_option())
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _accept_config(sub)


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
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


def entry() -> None:
    """Console-script entry point: Ctrl-C anywhere (even while starting up) exits 130 without a traceback."""
    try:
        main.main(prog_name="paperbrief", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except click.exceptions.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
