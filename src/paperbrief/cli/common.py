"""What every command shares: settings, the store, one-line failures and exit codes."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click
from rich.console import Console

from paperbrief.outcome import ExitCode as ExitCode
from paperbrief.redact import mask_text

if TYPE_CHECKING:  # settings (pydantic-settings) and the store (SQLAlchemy) load when used, not for --help
    from paperbrief.settings import Settings
    from paperbrief.store import Store


@dataclass
class AppContext:
    """Per-invocation state handed to commands through Click's context object."""

    config: Path | None = None
    home: Path | None = None
    # soft_wrap: messages are never hard-wrapped at 80 columns when stderr is a pipe or a log file.
    console: Console = field(default_factory=lambda: Console(stderr=True, soft_wrap=True))
    _store: Store | None = None

    def settings(self, **overrides: Any) -> tuple[Settings, dict[str, str]]:
        """Effective settings with CLI flags applied, and where each came from."""
        from paperbrief.settings import SettingsError, load_settings

        if self.home is not None:
            overrides.setdefault("home", self.home)
        try:
            return load_settings(self.config, overrides)
        except SettingsError as exc:
            fail(str(exc), code=ExitCode.USAGE)

    def store(self, settings: Settings) -> Store:
        """The store of these settings, created (and migrated) on first use."""
        if self._store is None:
            from paperbrief.store import Store, StoreError

            if settings.database_url is None:
                try:
                    settings.home.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    fail(f"cannot create data directory {settings.home}: {exc.strerror or exc}")
            try:
                self._store = Store.open(settings.resolved_database_url)
            except StoreError as exc:
                fail(str(exc))
        return self._store


def fail(message: str, code: int = ExitCode.FAILURE) -> NoReturn:
    """Print a one-line error (secrets masked) and exit with `code` (no traceback)."""
    echo_line(f"Error: {mask_text(message)}")
    raise SystemExit(code)


def echo_line(message: str) -> None:
    """One message on stderr, as one line (no wrapping, whatever the terminal width)."""
    click.echo(message, err=True)


def set_config(ctx: click.Context, _param: click.Parameter, value: Path | None) -> Path | None:
    """Callback of `--config` on every subcommand: `paperbrief run --config FILE` = `paperbrief --config FILE run`."""
    if value is not None:
        ctx.ensure_object(AppContext).config = value
    return value


def config_option() -> click.Option:
    """The `--config FILE` option every subcommand accepts as well as the group."""
    return click.Option(
        ["--config"],
        type=click.Path(dir_okay=False, path_type=Path),
        expose_value=False,
        callback=set_config,
        help="Settings file (also accepted before the command).",
    )


def parse_date(value: str | None) -> dt.date | None:
    """Parse `YYYY-MM-DD` (or None) into a date, failing with a one-line message."""
    if value is None:
        return None
    # Python 3.11's fromisoformat also takes 20260204; scripts should get one spelling only.
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        fail(f"invalid date {value!r}: expected YYYY-MM-DD", code=ExitCode.USAGE)
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"{value} is not a calendar date", code=ExitCode.USAGE)


pass_app = click.make_pass_decorator(AppContext, ensure=True)
