"""Where the kontho command finds the API and its key.

Flags, else the environment (``KONTHO_URL``, ``KONTHO_API_KEY``), else ``~/.config/kontho/config.toml``
(``url = "…"``, ``api_key = "…"``), else the local stack (``http://127.0.0.1:8000``, ``kontho-local-key``).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_URL = "http://127.0.0.1:8000"
DEFAULT_KEY = "kontho-local-key"
CONFIG_FILE = Path.home() / ".config" / "kontho" / "config.toml"


@dataclass(frozen=True)
class Endpoint:
    url: str
    api_key: str
    url_from: str
    """Where the address came from: ``--url``, ``KONTHO_URL``, the config file's path, or ``default``."""

    @property
    def is_default(self) -> bool:
        return self.url.rstrip("/") == DEFAULT_URL

    def notice(self) -> str | None:
        """One line saying which server this is, when it is not the local stack a user would assume."""
        if self.is_default:
            return None
        return f"kontho: using {self.url} (from {self.url_from})"


def resolve(url: str | None, api_key: str | None, config_file: Path = CONFIG_FILE) -> Endpoint:
    """Flags, then the environment, then the config file, then the local stack's defaults."""
    config: dict[str, Any] = {}
    if config_file.exists():
        config = tomllib.loads(config_file.read_text(encoding="utf-8"))
    candidates = [
        (url, "--url"),
        (os.environ.get("KONTHO_URL"), "KONTHO_URL"),
        (config.get("url"), str(config_file)),
    ]
    address, source = next(((str(v), s) for v, s in candidates if v), (DEFAULT_URL, "default"))
    key = api_key or os.environ.get("KONTHO_API_KEY") or str(config.get("api_key", DEFAULT_KEY))
    return Endpoint(url=address, api_key=key, url_from=source)
