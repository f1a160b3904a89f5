"""What ffprobe reads from an encoded file: the tests' independent check of kontho's output."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any


def probe(path: Path, *flags: str) -> dict[str, Any]:
    """ffprobe's JSON for ``path``; ``flags`` such as ``-show_chapters``, ``-show_format``."""
    done = subprocess.run(
        ["ffprobe", "-v", "error", *flags, "-of", "json", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def duration(path: Path) -> float:
    """The duration the container declares, in seconds."""
    return float(probe(path, "-show_entries", "format=duration")["format"]["duration"])
