"""The capacity model: KEDA's replica formula, and a simulation that neither makes nor loses work."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from infra.capacity import REPO, main, summarize
from infra.capacity_model import Assumptions, hpa_scale_up_limit, keda_desired_replicas, simulate
from infra.encoder_sizing import measured_costs


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


def test_encoder_costs_come_per_core_from_the_recorded_benchmark(tmp_path: Path) -> None:
    report = {
        "codec_x_realtime": {"mp3": 600.0, "m4b": 60.0, "flac": 1500.0},
        "encoder_processes": {"mp3": 2, "m4b": 2, "flac": 1},
    }
    (tmp_path / "longform.json").write_text(json.dumps(report))
    costs = {c.fmt: c for c in measured_costs(tmp_path / "longform.json")}
    assert costs["mp3"].x_realtime_per_core == 300.0
    assert costs["m4b"].cpu_seconds_per_audio_hour == pytest.approx(120.0)
    # A GPU at 100x real time: AAC at 30x a core needs four encoders and a core for the rest.
    assert costs["m4b"].cores_for(100.0) == 5
    assert costs["flac"].cores_for(100.0) == 2
    assert measured_costs(tmp_path / "absent.json") == []


def test_the_worker_requests_the_cores_its_encoders_need_for_every_lossy_format() -> None:
    deployment = yaml.safe_load((REPO / "infra/k8s/base/worker-deployment.yaml").read_text())
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    requested = float(container["resources"]["requests"]["cpu"])
    costs = {c.fmt: c for c in measured_costs(REPO / "bench/results/longform.json")}
    for fmt in ("mp3", "ogg", "m4b"):
        assert requested >= costs[fmt].cores_for(Assumptions().gpu_x_realtime), fmt
