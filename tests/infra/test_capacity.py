"""The capacity model: KEDA's replica formula, and a simulation that neither makes nor loses work."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.capacity import main, summarize
from infra.capacity_model import Assumptions, hpa_scale_up_limit, keda_desired_replicas, simulate


@pytest.mark.parametrize(
    ("visible", "in_flight", "queue_length", "expected"),
    [(0, 0, 1, 0), (1, 0, 1, 1), (3, 2, 1, 5), (5, 0, 2, 3), (0, 4, 3, 2), (5000, 0, 1, 40)],
)
def test_keda_asks_for_ceil_of_messages_over_queue_length(
    visible: int, in_flight: int, queue_length: int, expected: int
) -> None:
    a = Assumptions(queue_length=queue_length, max_replicas=40)
    assert keda_desired_replicas(visible, in_flight, 0, a) == expected


def test_activation_keeps_the_minimum_until_the_queue_passes_it() -> None:
    a = Assumptions(activation_queue_length=3, min_replicas=0)
    assert keda_desired_replicas(2, 1, 0, a) == 0
    assert keda_desired_replicas(2, 2, 0, a) == 4


def test_hpa_scale_up_limit_doubles_or_adds_four() -> None:
    assert [hpa_scale_up_limit(n) for n in (0, 1, 4, 10)] == [4, 5, 8, 20]


@pytest.mark.parametrize("listeners", [5, 50])
def test_simulation_conserves_work(listeners: int) -> None:
    r = simulate(listeners, hours=1.0, a=Assumptions(), seed=3)
    assert r.jobs_arrived > 0
    assert r.work_in_seconds == pytest.approx(r.work_done_seconds + r.work_left_seconds, rel=1e-9)
    assert r.busy_seconds == pytest.approx(r.work_done_seconds, rel=1e-9)
    assert r.busy_seconds <= r.billed_seconds


def test_a_worker_cap_makes_jobs_wait() -> None:
    free = summarize(simulate(50, 1.0, Assumptions(), seed=1))
    capped = summarize(simulate(50, 1.0, Assumptions(max_replicas=1), seed=1))
    assert capped["replicas_max"] == 1
    assert capped["wait_p95_s"] > free["wait_p95_s"]


def test_main_writes_the_table_and_the_plot(tmp_path: Path) -> None:
    assert main(["--hours", "0.2", "--out", str(tmp_path)]) == 0
    table = (tmp_path / "capacity.md").read_text()
    assert "ASSUMED" in table
    assert "| 5,000 |" in table
    assert (tmp_path / "capacity.png").stat().st_size > 10_000
