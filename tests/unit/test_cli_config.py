"""Where the kontho command finds the API and its key: flags, environment, config file, defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from client.cli import DEFAULT_KEY, DEFAULT_URL, resolve


def test_flags_win_then_environment_then_config_file_then_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    monkeypatch.delenv("KONTHO_URL", raising=False)
    monkeypatch.delenv("KONTHO_API_KEY", raising=False)
    assert resolve(None, None, config) == (DEFAULT_URL, DEFAULT_KEY)
    config.write_text('url = "https://tts.example.com"\napi_key = "from-file"\n')
    assert resolve(None, None, config) == ("https://tts.example.com", "from-file")
    monkeypatch.setenv("KONTHO_URL", "https://env.example.com")
    monkeypatch.setenv("KONTHO_API_KEY", "from-env")
    assert resolve(None, None, config) == ("https://env.example.com", "from-env")
    assert resolve("https://flag.example.com", "from-flag", config) == (
        "https://flag.example.com",
        "from-flag",
    )
