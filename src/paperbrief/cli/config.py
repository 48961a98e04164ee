"""`paperbrief init` and `paperbrief config`: write and show the settings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from pydantic import SecretStr
from rich.console import Console
from rich.table import Table

from paperbrief.cli.common import AppContext, fail, pass_app
from paperbrief.settings import CONFIG_FILENAME, SECTIONS, Settings, describe_settings

_SECRETS = {"llm_api_key", "smtp_password", "feedback_secret"}

# Settings that are unset by default get an example value, so every line is valid TOML once uncommented.
_EXAMPLES: dict[str, Any] = {
    "database_url": "postgresql+psycopg://paperbrief@localhost/paperbrief",
    "llm_base_url": "https://api.deepseek.com/v1",
    "llm_model": "deepseek-chat",
    "llm_requests_per_minute": 60,
    "llm_tokens_per_minute": 200000,
    "llm_run_deadline_seconds": 1800,
    "llm_max_cost": 1.0,
    "llm_max_tokens": 2000000,
    "llm_prices": {"deepseek-chat": [0.27, 1.10]},
    "select_reading_list": "reading-list.bib",
    "select_embedding_model": "all-MiniLM-L6-v2",
    "site_base_url": "https://you.github.io/paperbrief",
    "smtp_host": "smtp.example.org",
    "smtp_user": "me@example.org",
    "email_from": "paperbrief <me@example.org>",
    "feedback_base_url": "https://papers.example.org",
}


@click.command("init")
@click.option(
    "--path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path(CONFIG_FILENAME),
    show_default=True,
    help="Where to write the settings file.",
)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init_command(path: Path, force: bool) -> None:
    """Write a commented paperbrief.toml with every setting and its default."""
    if path.exists() and not force:
        fail(f"{path} exists; use --force to overwrite it")
    try:
        path.write_text(render_config_template(), encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror or exc}")
    click.echo(f"wrote {path}")


@click.command("config")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@pass_app
def config_command(app: AppContext, as_json: bool) -> None:
    """Print the effective settings and where each came from (secrets masked)."""
    settings, sources = app.settings()
    rows = describe_settings(settings, sources)
    if as_json:
        click.echo(json.dumps({n: {"value": v, "source": s} for n, v, s in rows}, ensure_ascii=False, indent=2))
        return
    table = Table("setting", "value", "source")
    for name, shown, source in rows:
        table.add_row(name, shown, source)
    # On stdout; piped, as wide as the longest row (nothing cut or ellipsized), else the terminal's width.
    out = Console()
    if not out.is_terminal:
        widest = sum(max(len(row[i]) for row in rows) for i in range(3)) + 10  # + borders and padding
        out = Console(width=max(widest, 80), soft_wrap=True)
    out.print(table, overflow="fold", crop=False)


def render_config_template() -> str:
    """A TOML file listing every setting with its default, commented out, grouped by section."""
    lines = [
        "# paperbrief settings. Every line is commented out with its default value;",
        "# uncomment to change. Environment variables PAPERBRIEF_<SECTION>_<KEY> (e.g.",
        "# PAPERBRIEF_LLM_MODEL) override this file; command-line flags override both.",
        "# Keep secrets (API keys, SMTP passwords) in the environment, not here.",
        "",
    ]
    groups: dict[str, list[str]] = {"general": []}
    for section in SECTIONS:
        groups[section] = []
    for name, info in Settings.model_fields.items():
        section = next((s for s in SECTIONS if name.startswith(s + "_")), "general")
        key = name[len(section) + 1 :] if section != "general" else name
        default: Any = info.get_default(call_default_factory=True)
        env = f"PAPERBRIEF_{name.upper()}"
        comment = f"# {info.description} " if info.description else "# "
        comment += f"(env {env})"
        body = _toml_value(default)
        groups[section].append(comment)
        if name in _SECRETS:
            groups[section].append(f"#   secret: set {env} in the environment, not in this file")
        elif name in _EXAMPLES and (default is None or default == {}):
            groups[section].append(f"# {key} = {_toml_value(_EXAMPLES[name])}   # example; unset by default")
        else:
            groups[section].append(f"# {key} = {body}")
    for section, entries in groups.items():
        if not entries:
            continue
        lines.append(f"[{section}]")
        lines.extend(entries)
        lines.append("")
    return "\n".join(lines)


def _toml_value(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, SecretStr):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, Path):
        return json.dumps(str(value))
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) or '""' for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
    return json.dumps(str(value))
