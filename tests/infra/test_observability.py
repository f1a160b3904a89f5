"""Alerts and the dashboard use only metrics kontho exports (kontho.metrics.NAMES)."""

from __future__ import annotations

import json
import re

import pytest

from kontho.metrics import NAMES
from tests.infra.conftest import INFRA, OVERLAYS, find
from tests.infra.kubectl_kustomize import Manifest

_METRIC = re.compile(r"\bkontho_[a-z0-9_]+\b")
_HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")
_ALERT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")


def metric_names(expression: str) -> set[str]:
    names = set()
    for name in _METRIC.findall(expression):
        for suffix in _HISTOGRAM_SUFFIXES:
            if name.endswith(suffix) and name.removesuffix(suffix) in NAMES:
                name = name.removesuffix(suffix)
        names.add(name)
    return names


def balanced(expression: str) -> bool:
    pairs = {")": "(", "]": "[", "}": "{"}
    stack: list[str] = []
    for char in re.sub(r'"[^"]*"', "", expression):
        if char in "([{":
            stack.append(char)
        elif char in pairs and (not stack or stack.pop() != pairs[char]):
            return False
    return not stack


def alert_expressions(objects: list[Manifest]) -> dict[str, str]:
    rule = find(objects, "PrometheusRule", "kontho")
    return {r["alert"]: r["expr"] for group in rule["spec"]["groups"] for r in group["rules"]}


def dashboard_expressions() -> list[str]:
    dashboard = json.loads((INFRA / "k8s" / "base" / "dashboards" / "kontho.json").read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


def test_metric_names_strip_histogram_suffixes_only_for_histograms() -> None:
    assert metric_names("rate(kontho_job_duration_seconds_bucket[5m])") == {"kontho_job_duration_seconds"}
    assert metric_names("kontho_made_up_total") == {"kontho_made_up_total"}  # and so it fails below


@pytest.mark.parametrize("env", OVERLAYS)
def test_alerts_use_only_exported_metrics(rendered: dict[str, list[Manifest]], env: str) -> None:
    expressions = alert_expressions(rendered[env])
    assert len(expressions) >= 6
    for alert, expression in expressions.items():
        used = metric_names(expression)
        assert used, f"{alert} uses no kontho metric"
        assert used <= NAMES, f"{alert} uses {sorted(used - NAMES)}, which kontho does not export"
        assert balanced(expression), alert


@pytest.mark.parametrize("env", OVERLAYS)
def test_every_alert_says_how_bad_and_what_to_do(rendered: dict[str, list[Manifest]], env: str) -> None:
    """What Alertmanager routes on and the pager shows; the CRD leaves labels and annotations free."""
    rule = find(rendered[env], "PrometheusRule", "kontho")
    for group in rule["spec"]["groups"]:
        assert group["rules"], group["name"]
        for alert in group["rules"]:
            assert _ALERT_NAME.match(alert["alert"]), alert["alert"]
            assert alert["labels"]["severity"] in {"critical", "warning", "info"}, alert["alert"]
            assert alert["annotations"]["summary"], alert["alert"]
            assert alert["annotations"]["description"], alert["alert"]


def test_the_alerts_the_runbook_names_exist(rendered: dict[str, list[Manifest]]) -> None:
    expected = {
        "KonthoDeadLettersWaiting",
        "KonthoJobFailureRateHigh",
        "KonthoNoWorkerTakingWaitingJobs",
        "KonthoBacklogNotDraining",
        "KonthoGpuMemoryNearlyFull",
    }
    assert expected <= set(alert_expressions(rendered["production"]))


def test_dashboard_uses_only_exported_metrics() -> None:
    expressions = dashboard_expressions()
    assert len(expressions) >= 10
    used = set().union(*(metric_names(e) for e in expressions))
    assert used <= NAMES, sorted(used - NAMES)
    assert all(balanced(e) for e in expressions)


def test_dashboard_configmap_carries_the_dashboard_file(rendered: dict[str, list[Manifest]]) -> None:
    config_map = find(rendered["production"], "ConfigMap", "kontho-dashboard")
    assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert json.loads(config_map["data"]["kontho.json"])["uid"] == "kontho-overview"


@pytest.mark.parametrize("env", OVERLAYS)
def test_every_metrics_port_is_scraped(rendered: dict[str, list[Manifest]], env: str) -> None:
    for monitor, service in (("kontho-api", "kontho-api"), ("kontho-worker", "kontho-worker-metrics")):
        spec = find(rendered[env], "ServiceMonitor", monitor)["spec"]
        endpoint = spec["endpoints"][0]
        ports = {p["name"] for p in find(rendered[env], "Service", service)["spec"]["ports"]}
        assert endpoint["port"] in ports
        assert endpoint["path"] == "/metrics"
        # The monitor selects its Service and no other (an empty selector would take every Service).
        wanted = spec["selector"]["matchLabels"].items()
        selected = [
            o["metadata"]["name"]
            for o in rendered[env]
            if o["kind"] == "Service" and wanted <= o["metadata"].get("labels", {}).items()
        ]
        assert wanted, monitor
        assert selected == [service], (monitor, selected)
