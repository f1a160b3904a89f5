"""Scratch folders: a killed worker's leftovers are removed at start-up; a live worker's never are."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from worker.scratch import ScratchSpaceExhausted, check_room, clean_abandoned, job_folder, needed_bytes


def test_leftovers_of_dead_workers_go_and_live_jobs_stay(tmp_path: Path) -> None:
    dead = tmp_path / "kontho-01m8ta1edhd7fap7001s10evwt-abc"
    dead.mkdir()
    (dead / ".lock").touch()  # its holder died, so nothing holds the lock
    (dead / "programme.wav").write_bytes(b"\0" * 4096)
    old_unlocked = tmp_path / "kontho-01m8ta1edhd7fap7001s10evwa-xyz"
    old_unlocked.mkdir()
    os.utime(old_unlocked, (time.time() - 3600, time.time() - 3600))
    fresh_unlocked = tmp_path / "kontho-01m8ta1edhd7fap7001s10evwb-q"
    fresh_unlocked.mkdir()
    unrelated = tmp_path / "someone-else"
    unrelated.mkdir()
    alike = tmp_path / "kontho-orig"  # another program's folder with a name like ours
    alike.mkdir()
    os.utime(alike, (time.time() - 3600, time.time() - 3600))
    with job_folder(tmp_path, "01m8ta1edhd7fap7001s10evwc") as live:
        (live / "programme.wav").write_bytes(b"\0" * 100)
        assert clean_abandoned(tmp_path) == 4096
        assert live.is_dir()
    assert not live.exists()  # removed when its job ends
    assert not dead.exists()
    assert not old_unlocked.exists()
    assert fresh_unlocked.is_dir()
    assert unrelated.is_dir()
    assert alike.is_dir()


def test_a_job_that_would_fill_the_disk_waits_for_a_worker_with_room(tmp_path: Path) -> None:
    check_room(tmp_path, needed_bytes(60, 22_050), reserve=0)
    with pytest.raises(ScratchSpaceExhausted, match="KONTHO_SCRATCH_RESERVE_BYTES"):
        check_room(tmp_path, needed_bytes(3600, 22_050), reserve=10**18)
