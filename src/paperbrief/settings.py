"""Settings of the CLI: defaults < `paperbrief.toml` < environment (`PAPERBRIEF_*`) < command-line flags.

The TOML file has sections (`[llm]`, `[arxiv]`, …); a key `model` in `[llm]` is the setting
`llm_model`, whose environment variable is `PAPERBRIEF_LLM_MODEL`. The library never reads this
module: its classes take constructor arguments with safe defaults.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

import platformdirs
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict
from pydantic_settings import SettingsError as _SourceError

from paperbrief.redact import mask_notify_url, mask_url

# Lists come from the environment as "a,b" (or space-separated URLs), not JSON.
StrList = Annotated[list[str], NoDecode]

DEFAULT_CATEGORIES = ["cs.AI", "cs.CL", "cs.CV", "cs.LG"]
CONFIG_FILENAME = "paperbrief.toml"

# Section of the TOML file each setting lives in: the prefix of its name.
SECTIONS = ("arxiv", "llm", "select", "render", "smtp", "email", "notify", "site", "feedback")


class SettingsError(Exception):
    """The configuration file or environment holds an invalid value."""


def default_home() -> Path:
    """Per-user data directory (`PAPERBRIEF_HOME` overrides it)."""
    return Path(platformdirs.user_data_dir("paperbrief", appauthor=False))


class ReaderSettings(BaseModel):
    """One reader of a lab (`[readers.NAME]`): their own profile and where their digest goes."""

    model_config = ConfigDict(extra="forbid")

    topics: dict[str, float] = Field(default_factory=dict)
    reading_list: Path | None = None
    authors: list[str] = Field(default_factory=list)
    email_to: list[str] = Field(default_factory=list)
    notify_urls: list[str] = Field(default_factory=list)


class Settings(BaseSettings):
    """Every setting of paperbrief with its default. `paperbrief init` writes them all to a TOML file."""

    model_config = SettingsConfigDict(env_prefix="PAPERBRIEF_", extra="ignore", populate_by_name=True)

    # -- general
    home: Path = Field(default_factory=default_home, description="Data directory (database, cache).")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default a SQLite file in home.")
    out_dir: Path = Field(default=Path("digests"), description="Where digests are written.")
    language: Literal["zh", "en"] = Field(default="zh", description="Language of summaries and labels.")
    summarizer: Literal["auto", "extractive", "llm"] = Field(
        default="auto", description="auto: the LLM when a model is configured, else extractive."
    )
    max_papers: int = Field(default=30, ge=1, description="Papers in the digest.")

    # -- arXiv
    arxiv_categories: StrList = Field(default_factory=lambda: list(DEFAULT_CATEGORIES))
    arxiv_include_cross: bool = Field(default=False, description="Also digest cross-lists.")
    arxiv_include_replacements: bool = Field(default=False, description="Re-digest papers with a new version.")
    arxiv_rss_url: str = Field(default="https://rss.arxiv.org/atom")
    arxiv_api_url: str = Field(default="https://export.arxiv.org/api/query")
    arxiv_oai_url: str = Field(default="https://oaipmh.arxiv.org/oai")
    arxiv_delay_seconds: float = Field(default=3.0, ge=0, description="arXiv ToU: one request every 3 s.")
    arxiv_timeout_seconds: float = Field(default=30.0, gt=0)
    arxiv_retries: int = Field(default=4, ge=0)
    arxiv_contact: str = Field(default="", description="E-mail put in the User-Agent, as arXiv asks.")
    arxiv_html_url: str = Field(default="https://arxiv.org/html", description="arXiv's HTML renderings (full text).")
    arxiv_pdf_url: str = Field(default="https://arxiv.org/pdf", description="arXiv's PDFs (full text fallback).")

    # -- full text (issue 13, docs/fulltext.md)
    fulltext_top: int = Field(default=0, ge=0, description="Top papers summarized from their full text (0: off).")
    fulltext_token_cap: int = Field(default=6000, ge=500, description="Token cap of one paper's full-text excerpt.")

    # -- LLM
    llm_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("PAPERBRIEF_LLM_BASE_URL", "OPENAI_BASE_URL", "llm_base_url")
    )
    llm_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("PAPERBRIEF_LLM_API_KEY", "OPENAI_API_KEY", "llm_api_key")
    )
    llm_model: str | None = Field(default=None, validation_alias=AliasChoices("PAPERBRIEF_LLM_MODEL", "llm_model"))
    llm_response_format: Literal["auto", "json_schema", "json_object"] = "auto"
    llm_concurrency: int = Field(default=8, ge=1)
    llm_requests_per_minute: float | None = None
    llm_tokens_per_minute: float | None = None
    llm_timeout_seconds: float = Field(default=120.0, gt=0, description="Per request (a slow model's long answer).")
    llm_connect_timeout_seconds: float = Field(
        default=5.0, gt=0, description="Opening a connection: an unreachable endpoint is known in seconds."
    )
    llm_timeouts_to_stop: int = Field(
        default=3, ge=1, description="Consecutive timeouts (no answer between) that stop the run."
    )
    llm_max_input_tokens: int = Field(
        default=4000, ge=100, description="Cap on one paper's title + abstract sent to the LLM (longer text is cut)."
    )
    llm_retries: int = Field(default=4, ge=0)
    llm_run_deadline_seconds: float | None = None
    llm_temperature: float = 0.0
    llm_batch_size: int = Field(default=5, ge=1, description="Papers per request (docs/llm.md: defaults).")
    llm_max_cost: float | None = None
    llm_max_tokens: int | None = None
    llm_prices: dict[str, list[float]] = Field(
        default_factory=dict,
        description="model -> [USD per 1M input tokens, per 1M output tokens(, per 1M cached input tokens)].",
    )

    # -- selection
    select_mode: Literal["auto", "latest", "interest", "score", "learned"] = "auto"
    select_include: StrList = Field(default_factory=list)
    select_exclude: StrList = Field(default_factory=list)
    select_fields: StrList = Field(default_factory=lambda: ["title", "abstract"])
    select_authors: StrList = Field(default_factory=list)
    select_topics: dict[str, float] = Field(default_factory=dict)
    select_reading_list: Path | None = None
    select_max_llm_papers: int = Field(default=100, ge=1)
    select_embedding_model: str | None = None
    select_highlights: bool = True

    # -- rendering and site
    site_base_url: str | None = None
    site_feed_days: int = Field(default=7, ge=1)

    # -- e-mail
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_security: Literal["none", "starttls", "ssl"] = "starttls"
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout_seconds: float = 30.0
    email_from: str | None = None
    email_to: StrList = Field(default_factory=list)

    # -- chat
    notify_urls: StrList = Field(default_factory=list)

    # -- readers and feedback (issue 12, docs/feedback.md)
    reader: str = Field(default="me", description="Reader whose profile and feedback apply by default.")
    readers: dict[str, ReaderSettings] = Field(
        default_factory=dict, description="[readers.NAME] tables: a lab, each reader with their own profile."
    )
    feedback_base_url: str | None = Field(default=None, description="Public URL of `paperbrief serve` for links.")
    feedback_secret: SecretStr | None = Field(default=None, description="HMAC key of the one-click feedback links.")
    feedback_link_days: int = Field(default=14, ge=1, description="How long a one-click feedback link works.")
    feedback_exploration: float = Field(default=0.1, ge=0, lt=1, description="Share of exploration slots.")

    @field_validator(
        "arxiv_categories",
        "select_include",
        "select_exclude",
        "select_fields",
        "select_authors",
        "email_to",
        mode="before",
    )
    @classmethod
    def _split_commas(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("notify_urls", mode="before")
    @classmethod
    def _split_spaces(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part for part in value.split() if part]
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # init (CLI flags and the TOML file, merged by `load_settings`) wins over the environment
        return init_settings, env_settings

    @property
    def resolved_database_url(self) -> str:
        """The database URL: the setting, or a SQLite file in home."""
        if self.database_url:
            return self.database_url
        from paperbrief.store.base import sqlite_url  # lazy: SQLAlchemy is not needed to read settings

        return sqlite_url(self.home / "paperbrief.db")

    @property
    def reader_names(self) -> list[str]:
        """Every reader who gets a digest: the `[readers.*]` tables, else the one default reader."""
        return sorted(self.readers) if self.readers else [self.reader]

    def reader_settings(self, name: str | None = None) -> ReaderSettings:
        """A reader's profile and recipients; a reader without a table has the top-level settings."""
        name = name or self.reader
        if name in self.readers:
            return self.readers[name]
        return ReaderSettings(
            topics=self.select_topics,
            reading_list=self.select_reading_list,
            authors=self.select_authors,
            email_to=self.email_to,
            notify_urls=self.notify_urls,
        )

    @property
    def llm_configured(self) -> bool:
        """Whether an LLM model is set (a key is optional: local servers need none)."""
        return bool(self.llm_model and (self.llm_base_url or self.llm_api_key))


def _env_names(name: str) -> list[str]:
    field = Settings.model_fields[name]
    alias = field.validation_alias
    if isinstance(alias, AliasChoices):
        return [c for c in alias.choices if isinstance(c, str) and c.isupper()]
    return [f"PAPERBRIEF_{name.upper()}"]


def flatten_toml(data: dict[str, Any]) -> dict[str, Any]:
    """Turn `[llm] model = "x"` into `{"llm_model": "x"}`; top-level keys stay as they are."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if key in SECTIONS and isinstance(value, dict):
            for sub, subval in value.items():
                flat[f"{key}_{sub}"] = subval
        elif key == "general" and isinstance(value, dict):
            flat.update(value)
        else:
            flat[key] = value
    return flat


def find_config(explicit: Path | None) -> Path | None:
    """The config file in use: `--config`, `PAPERBRIEF_CONFIG`, `./paperbrief.toml`, or none."""
    if explicit is not None:
        return explicit
    env = os.environ.get("PAPERBRIEF_CONFIG")
    if env:
        return Path(env)
    local = Path.cwd() / CONFIG_FILENAME
    return local if local.exists() else None


def _read_config(path: Path) -> dict[str, Any]:
    """The flattened settings of a TOML file; every problem is a one-line `SettingsError`."""
    try:
        values = flatten_toml(tomllib.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError as exc:
        raise SettingsError(f"config file not found: {path}") from exc
    except UnicodeDecodeError as exc:
        raise SettingsError(f"config file {path} is not UTF-8 text (byte {exc.start}): save it as UTF-8") from exc
    except IsADirectoryError as exc:
        raise SettingsError(f"config file {path} is a directory") from exc
    except OSError as exc:
        raise SettingsError(f"cannot read config file {path}: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"config file {path} is not valid TOML: {exc}") from exc
    unknown = sorted(k for k in values if k not in Settings.model_fields)
    if unknown:
        raise SettingsError(f"config file {path} has unknown settings: {', '.join(unknown)}")
    return values


def load_settings(
    config: Path | None = None, overrides: dict[str, Any] | None = None
) -> tuple[Settings, dict[str, str]]:
    """Settings and, for each, where its value came from (default, file, env, or flag)."""
    path = find_config(config)
    file_values = _read_config(path) if path is not None else {}
    flags = {k: v for k, v in (overrides or {}).items() if v is not None}
    sources: dict[str, str] = {}
    for name in Settings.model_fields:
        if name in flags:
            sources[name] = "flag"
        elif any(env in os.environ for env in _env_names(name)):
            env = next(env for env in _env_names(name) if env in os.environ)
            sources[name] = f"env {env}"
            file_values.pop(name, None)  # the environment beats the file
        elif name in file_values:
            sources[name] = f"file {path}"
        else:
            sources[name] = "default"
    try:
        settings = Settings(**{**file_values, **flags})
    except _SourceError as exc:
        raise SettingsError(f"invalid settings in the environment: {exc}") from exc
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise SettingsError(f"invalid settings: {problems}") from exc
    return settings, sources


def describe_settings(settings: Settings, sources: dict[str, str]) -> list[tuple[str, str, str]]:
    """(name, shown value, source) for every setting, secrets masked."""
    rows: list[tuple[str, str, str]] = []
    for name in Settings.model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            # API keys keep their last 4 characters (as providers' dashboards show them); passwords none.
            secret = value.get_secret_value()
            shown = "****" + secret[-4:] if name == "llm_api_key" and len(secret) > 12 else "****"
        elif value is None:
            shown = "(unset)"
        else:
            shown = str(value)
        if name in ("llm_base_url", "database_url") and value:
            shown = mask_url(str(value))
        if name == "notify_urls" and value:
            shown = ", ".join(mask_notify_url(u) for u in value)
        if name == "readers" and value:
            shown = ", ".join(value)  # names only: their chat URLs carry secrets
        rows.append((name, shown, sources.get(name, "default")))
    return rows
