from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from kontho.settings import Settings
from tests.conftest import REPO


def test_every_setting_is_in_the_readme_table_and_nothing_else_is() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `(KONTHO_[A-Z0-9_]+)` \|", readme, flags=re.MULTILINE))
    assert documented == {f"KONTHO_{name.upper()}" for name in Settings.model_fields}


def test_settings_read_the_kontho_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KONTHO_API_PORT", "9100")
    monkeypatch.setenv("KONTHO_LOG_FORMAT", "json")
    settings = Settings()
    assert (settings.api_port, settings.log_format) == (9100, "json")


def test_bad_values_name_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KONTHO_POLL_WAIT_SECONDS", "60")
    with pytest.raises(ValidationError, match="poll_wait_seconds"):
        Settings()


def test_a_heartbeat_slower_than_the_visibility_timeout_is_refused() -> None:
    with pytest.raises(ValidationError, match="KONTHO_HEARTBEAT_SECONDS"):
        Settings(heartbeat_seconds=120, visibility_timeout_seconds=120)
