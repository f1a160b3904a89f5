"""Prometheus metrics: they exist, follow the naming rules, carry bounded labels, and move with the work."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from prometheus_client import REGISTRY, generate_latest

from api.routes import metrics as metrics_route
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
    states = {
        s: _value("kontho_job_state_changes_total", state=s) for s in ("queued", "running", "completed")
    }
    waits = _value("kontho_queue_message_age_seconds_count")
    api.post("/v1/jobs", json={"text": TEXT})
    consumer.run(burst=True)
    for state, before in states.items():
        assert _value("kontho_job_state_changes_total", state=state) == before + 1, state
    assert _value("kontho_queue_message_age_seconds_count") == waits + 1
    assert _value("kontho_jobs_finished_total", outcome="completed") == completed + 1
    assert _value("kontho_chunks_total", source="rendered") > rendered
    assert _value("kontho_audio_rendered_seconds_total") > audio + 3
    assert _value("kontho_job_duration_seconds_count") == durations + 1
    assert _value("kontho_jobs_in_progress") == 0


def test_the_api_reports_queue_depth_even_with_no_worker_running(api: TestClient) -> None:
    api.post("/v1/jobs", json={"text": TEXT})
    metrics_route._sampled_at[0] = float("-inf")  # a fresh sample, whatever earlier tests scraped
    body = api.get("/metrics").text
    assert 'kontho_queue_messages{state="visible"} 1.0' in body
    assert "kontho_dlq_messages 0.0" in body
