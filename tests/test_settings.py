"""Settings: defaults < TOML file < environment < flags; `init` and `config` commands."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from paperbrief.cli import main
from paperbrief.cli.config import render_config_template
from paperbrief.settings import Settings, SettingsError, load_settings


@pytest.fixture(autouse=True)
def _work_in_tmp_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)


def test_precedence_is_default_file_env_flag(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "pb.toml"
    config.write_text('[llm]\nmodel = "from-file"\nconcurrency = 3\n[general]\nmax_papers = 12\n', encoding="utf-8")
    settings, sources = load_settings(config)
    assert (settings.llm_model, settings.llm_concurrency, settings.max_papers) == ("from-file", 3, 12)
    assert sources["llm_model"].startswith("file")
    monkeypatch.setenv("PAPERBRIEF_LLM_MODEL", "from-env")
    settings, sources = load_settings(config)
    assert settings.llm_model == "from-env"
    assert sources["llm_model"] == "env PAPERBRIEF_LLM_MODEL"
    settings, sources = load_settings(config, {"llm_model": "from-flag"})
    assert settings.llm_model == "from-flag"
    assert sources["llm_model"] == "flag"
    assert sources["language"] == "default"


def test_openai_variables_are_the_fallback_for_base_url_and_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-fallback-123456789")
    settings, _ = load_settings()
    assert settings.llm_base_url == "http://127.0.0.1:9/v1"
    assert settings.llm_api_key is not None
    monkeypatch.setenv("PAPERBRIEF_LLM_API_KEY", "sk-primary-123456789")
    settings, sources = load_settings()
    assert settings.llm_api_key is not None
    assert settings.llm_api_key.get_secret_value() == "sk-primary-123456789"
    assert sources["llm_api_key"] == "env PAPERBRIEF_LLM_API_KEY"


def test_list_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAPERBRIEF_EMAIL_TO", "a@example.org, b@example.org")
    monkeypatch.setenv("PAPERBRIEF_NOTIFY_URLS", "json://127.0.0.1/a  ntfy://topic")
    monkeypatch.setenv("PAPERBRIEF_ARXIV_CATEGORIES", "cs.AI,cs.RO")
    settings, _ = load_settings()
    assert settings.email_to == ["a@example.org", "b@example.org"]
    assert settings.notify_urls == ["json://127.0.0.1/a", "ntfy://topic"]
    assert settings.arxiv_categories == ["cs.AI", "cs.RO"]


def test_unknown_keys_and_bad_values_in_the_file_are_clear_errors(tmp_path: Path) -> None:
    config = tmp_path / "pb.toml"
    config.write_text("[llm]\nmodle = 'typo'\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="unknown settings: llm_modle"):
        load_settings(config)
    config.write_text("[llm]\nconcurrency = 0\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="llm_concurrency"):
        load_settings(config)
    config.write_text("[llm\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_settings(config)


def test_init_template_uncommented_is_valid_and_gives_the_defaults(tmp_path: Path) -> None:
    """Every `# key = value` line of `paperbrief init` is valid TOML once uncommented; non-examples are defaults."""
    text = render_config_template()
    lines, examples = [], set()
    section = "general"
    for line in text.splitlines():
        if line.startswith("["):
            section = line.strip("[]")
            lines.append(line)
            continue
        match = re.match(r"^# (\w+) = (.*?)(\s+# example; unset by default)?$", line)
        if match:
            lines.append(f"{match.group(1)} = {match.group(2)}")
            if match.group(3):
                examples.add(match.group(1) if section == "general" else f"{section}_{match.group(1)}")
    config = tmp_path / "full.toml"
    config.write_text("\n".join(lines), encoding="utf-8")
    settings, sources = load_settings(config)
    from_file = {n for n, s in sources.items() if s.startswith("file")}
    secrets = {"llm_api_key", "smtp_password", "feedback_secret"}
    assert from_file | secrets == set(Settings.model_fields)  # every setting is listed
    assert "llm_model" in examples and settings.llm_model == "deepseek-chat"
    defaults = Settings()
    for name in set(Settings.model_fields) - examples - secrets:
        assert getattr(settings, name) == getattr(defaults, name), name


def test_init_command_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["init"]).exit_code == 0
    again = runner.invoke(main, ["init"])
    assert again.exit_code == 1
    assert "exists" in again.output
    assert runner.invoke(main, ["init", "--force"]).exit_code == 0


def test_config_command_shows_sources_and_masks_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    key = "sk-test-SECRET-abcdefgh1234"
    monkeypatch.setenv("PAPERBRIEF_LLM_API_KEY", key)
    monkeypatch.setenv("PAPERBRIEF_SMTP_PASSWORD", "hunter2-password")
    monkeypatch.setenv("PAPERBRIEF_NOTIFY_URLS", "tgram://123456:TOKENSECRET/chat")
    monkeypatch.setenv("PAPERBRIEF_DATABASE_URL", "postgresql://u:dbpass@db.example/pb")
    monkeypatch.setenv("PAPERBRIEF_LLM_BASE_URL", "http://u:basepass@127.0.0.1:9/v1?key=querykey")
    result = CliRunner().invoke(main, ["config", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["llm_api_key"]["source"] == "env PAPERBRIEF_LLM_API_KEY"
    assert data["language"] == {"value": "zh", "source": "default"}
    assert data["llm_base_url"]["value"] == "http://u:****@127.0.0.1:9/v1?key=****"
    assert data["smtp_password"]["value"] == "****"  # passwords show nothing, not even a tail
    for secret in (key, "SECRET-abcdefgh", "hunter2", "TOKENSECRET", "dbpass", "basepass", "querykey"):
        assert secret not in result.output
