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
    "explain": "paperbrief.cli.select_cmds:explain_command",
    "profile": "paperbrief.cli.select_cmds:profile_group",
    "logs": "paperbrief.cli.logs:logs_command",
    "deliver": "paperbrief.cli.publish:deliver_command",
    "site": "paperbrief.cli.publish:site_command",
    "serve": "paperbrief.cli.publish:serve_command",
    "weekly": "paperbrief.cli.weekly:weekly_command",
    "export": "paperbrief.cli.export:export_command",
    "feedback": "paperbrief.cli.feedback:feedback_group",
    "rank": "paperbrief.cli.rank:rank_command",
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
