"""Why a job stops early, the 12-hour visibility ceiling, and the liveness probe."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from kontho.jobqueue import Delivery
from kontho.settings import get_settings
from worker import liveness
from worker.heartbeat import SQS_VISIBILITY_CEILING_SECONDS, Heartbeat
from worker.stop import JobInterrupted, StopCheck, StopReason


def _check(
    draining: threading.Event | None = None, received_ago: float = 0, cancelled: bool = False
) -> StopCheck:
    return StopCheck(
        draining or threading.Event(),
        time.monotonic() - received_ago,
        max_receive_seconds=100,
        cancelled=lambda: cancelled,
        cancel_poll_seconds=0,
    )


def test_a_job_goes_on_while_nothing_asks_it_to_stop() -> None:
    _check().check()


@pytest.mark.parametrize(
    ("check", "reason"),
    [
        (lambda: _check(draining=_set(threading.Event())), StopReason.DRAINING),
        (lambda: _check(received_ago=101), StopReason.RECEIVE_CEILING),
        (lambda: _check(cancelled=True), StopReason.CANCELLED),
    ],
)
def test_each_reason_interrupts_the_job(check: object, reason: StopReason) -> None:
    with pytest.raises(JobInterrupted) as raised:
        check().check()  # type: ignore[operator]
    assert raised.value.reason is reason


def _set(event: threading.Event) -> threading.Event:
    event.set()
    return event


def test_cancellation_is_polled_at_most_once_per_interval() -> None:
    calls: list[int] = []

    def cancelled() -> bool:
        calls.append(1)
        return False

    check = StopCheck(threading.Event(), time.monotonic(), 100, cancelled, 60)
    for _ in range(100):
        check.check()
    assert len(calls) == 1


class RecordingQueue:
    """Records visibility changes instead of sending them (the real queue is tested against moto)."""

    def __init__(self) -> None:
        self.extended: list[int] = []

    def set_visibility(self, delivery: Delivery, seconds: int) -> None:
        self.extended.append(seconds)


@pytest.mark.parametrize(("received_ago", "expected"), [(0, 30), (SQS_VISIBILITY_CEILING_SECONDS - 10.5, 9)])
def test_the_heartbeat_never_asks_past_twelve_hours_from_the_receive(
    received_ago: float, expected: int
) -> None:
    queue = RecordingQueue()
    delivery = Delivery("m", "r", "{}", 1)
    with Heartbeat(queue, delivery, 0.05, 30, received_at=time.monotonic() - received_ago):  # type: ignore[arg-type]
        time.sleep(0.3)
    assert queue.extended
    assert max(queue.extended) <= expected


def test_past_the_ceiling_the_heartbeat_stops_asking() -> None:
    queue = RecordingQueue()
    delivery = Delivery("m", "r", "{}", 1)
    ago = SQS_VISIBILITY_CEILING_SECONDS + 5
    with Heartbeat(queue, delivery, 0.05, 30, received_at=time.monotonic() - ago):  # type: ignore[arg-type]
        time.sleep(0.3)
    assert queue.extended == []


def test_liveness_follows_the_age_of_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    alive = tmp_path / "alive"
    monkeypatch.setenv("KONTHO_LIVENESS_FILE", str(alive))
    monkeypatch.setenv("KONTHO_LIVENESS_MAX_AGE_SECONDS", "60")
    get_settings.cache_clear()
    try:
        assert liveness.main() == 1  # the loop has not started
        liveness.LivenessFile(alive).touch()
        assert liveness.main() == 0
        old = time.time() - 120
        os.utime(alive, (old, old))
        assert liveness.main() == 1  # stuck: the loop stopped moving two minutes ago
    finally:
        get_settings.cache_clear()
