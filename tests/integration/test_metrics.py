"""Prometheus metrics: they exist, follow the naming rules, carry bounded labels, and move with the work."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from prometheus_client import REGISTRY, generate_latest

from kontho import metrics
from worker.consumer import Consumer

TEXT = "পদ্মার পাড়ে ছোট একটি গ্রাম। সেখানে ২৫০টি পরিবার বাস করে।"


def _value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_every_metric_is_exported_with_units_and_conventions() -> None:
    scrape = generate_latest().decode()
    exported = set(re.findall(r"^# TYPE (kontho_\w+) ", scrape, re.MULTILINE))
    # A counter's TYPE line may name it with or without its _total suffix.
    missing = metrics.NAMES - exported - {f"{n}_total" for n in exported}
    assert not missing
    for name in metrics.NAMES:
        assert re.fullmatch(r"kontho_[a-z_]+", name)
        if name.endswith("_total"):
            continue
        assert name.endswith(("_seconds", "_bytes", "_ratio", "_factor", "_messages", "_progress"))


def test_the_api_counts_requests_by_route_template_never_by_id(api: TestClient) -> None:
    before = _value("kontho_jobs_submitted_total", format="mp3")
    job_id = api.post("/v1/jobs", json={"text": TEXT}).json()["id"]
    api.get(f"/v1/jobs/{job_id}")
    scrape = api.get("/metrics")
    assert scrape.status_code == 200
    assert scrape.headers["content-type"].startswith("text/plain")
    body = scrape.text
    assert 'kontho_http_requests_total{method="POST",route="/v1/jobs",status="202"}' in body
    assert 'route="/v1/jobs/{job_id}"' in body
    assert job_id not in body
    assert _value("kontho_jobs_submitted_total", format="mp3") == before + 1


def test_worker_metrics_move_when_a_job_runs(api: TestClient, consumer: Consumer) -> None:
    completed = _value("kontho_jobs_finished_total", outcome="completed")
    rendered = _value("kontho_chunks_total", source="rendered")
    audio = _value("kontho_audio_rendered_seconds_total")
    durations = _value("kontho_job_duration_seconds_count")
    api.post("/v1/jobs", json={"text": TEXT})
    consumer.run(burst=True)
    assert _value("kontho_jobs_finished_total", outcome="completed") == completed + 1
    assert _value("kontho_chunks_total", source="rendered") > rendered
    assert _value("kontho_audio_rendered_seconds_total") > audio + 3
    assert _value("kontho_job_duration_seconds_count") == durations + 1
    assert _value("kontho_jobs_in_progress") == 0
