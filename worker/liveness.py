"""Liveness for Kubernetes: a file the consumer loop touches whenever it shows progress.

The loop touches it when a receive returns (at least every long-poll wait) and whenever a chunk is
written, so its age says whether the loop is moving, not merely whether the process exists: a worker
stuck in a hung native call or a deadlock stops touching it. ``python -m worker.liveness`` is the exec
probe: exit 0 while the file is younger than ``KONTHO_LIVENESS_MAX_AGE_SECONDS``, 1 otherwise.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import structlog

from kontho.settings import get_settings

log = structlog.get_logger(__name__)

_MIN_TOUCH_INTERVAL_SECONDS = 5.0


class LivenessFile:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._last = 0.0

    def touch(self) -> None:
        now = time.monotonic()
        if now - self._last < _MIN_TOUCH_INTERVAL_SECONDS:
            return
        self._last = now
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            self._path.touch()
        except OSError as exc:  # a read-only or full disk must not stop the work; the probe will say
            log.warning("liveness_touch_failed", path=str(self._path), error=str(exc))


def age_seconds(path: Path) -> float | None:
    try:
        return time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return None


def main() -> int:
    settings = get_settings()
    age = age_seconds(settings.liveness_file)
    if age is None:
        print(f"not alive: {settings.liveness_file} does not exist (the loop has not started)")
        return 1
    limit = settings.liveness_max_age_seconds
    if age > limit:
        print(f"not alive: the loop last moved {age:.0f} s ago (limit {limit:.0f} s)")
        return 1
    print(f"alive: the loop moved {age:.0f} s ago")
    return 0


if __name__ == "__main__":
    sys.exit(main())
