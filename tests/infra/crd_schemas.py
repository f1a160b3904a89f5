"""JSON schemas for the custom resources the manifests use, written from the projects' reference docs.

kubernetes-validate knows only built-in kinds. These schemas hold the fields kontho sets and what the
CRDs require, and refuse unknown fields, so a misspelt key fails here instead of being pruned silently
by the API server. KEDA >= 2.13 (keda.sh/v1alpha1: ScaledObject, TriggerAuthentication), Prometheus
operator (monitoring.coreos.com/v1: ServiceMonitor, PrometheusRule).
"""

from __future__ import annotations

from typing import Any

_DURATION = {"type": "string", "pattern": r"^(0|([0-9]+(ms|s|m|h|d|w|y))+)$"}
_STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
_METADATA = {
    "type": "object",
    "required": ["name", "namespace"],
    "properties": {
        "name": {"type": "string", "pattern": r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"},
        "namespace": {"type": "string"},
        "labels": _STRING_MAP,
        "annotations": _STRING_MAP,
    },
    "additionalProperties": False,
}


def _resource(api_version: str, kind: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {
            "apiVersion": {"const": api_version},
            "kind": {"const": kind},
            "metadata": _METADATA,
            "spec": spec,
        },
        "additionalProperties": False,
    }


_SQS_TRIGGER_METADATA = {
    # keda.sh/docs/2.x/scalers/aws-sqs: metadata values are strings; queueURL (or queueURLFromEnv) and
    # awsRegion are required.
    "type": "object",
    "required": ["queueURL", "awsRegion"],
    "properties": {
        "queueURL": {"type": "string", "pattern": r"^https://sqs\.[a-z0-9-]+\.amazonaws\.com/[0-9]{12}/.+"},
        "awsRegion": {"type": "string", "pattern": r"^[a-z]{2}(-[a-z]+)+-[0-9]$"},
        "queueLength": {"type": "string", "pattern": r"^[1-9][0-9]*$"},
        "activationQueueLength": {"type": "string", "pattern": r"^[0-9]+$"},
        "scaleOnInFlight": {"enum": ["true", "false"]},
        "scaleOnDelayed": {"enum": ["true", "false"]},
        "awsEndpoint": {"type": "string"},
    },
    "additionalProperties": False,
}

SCALED_OBJECT = _resource(
    "keda.sh/v1alpha1",
    "ScaledObject",
    {
        "type": "object",
        "required": ["scaleTargetRef", "triggers"],
        "properties": {
            "scaleTargetRef": {
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": {"type": "string"},
                    "kind": {"type": "string"},
                    "apiVersion": {"type": "string"},
                    "envSourceContainerName": {"type": "string"},
                },
                "additionalProperties": False,
            },
            "pollingInterval": {"type": "integer", "minimum": 1},
            "cooldownPeriod": {"type": "integer", "minimum": 0},
            "initialCooldownPeriod": {"type": "integer", "minimum": 0},
            "minReplicaCount": {"type": "integer", "minimum": 0},
            "maxReplicaCount": {"type": "integer", "minimum": 1},
            "idleReplicaCount": {"type": "integer", "minimum": 0},
            "advanced": {
                "type": "object",
                "properties": {
                    "restoreToOriginalReplicaCount": {"type": "boolean"},
                    "horizontalPodAutoscalerConfig": {
                        "type": "object",
                        "properties": {"name": {"type": "string"}, "behavior": {"type": "object"}},
                        "additionalProperties": False,
                    },
                },
                "additionalProperties": False,
            },
            "triggers": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["type", "metadata"],
                    "properties": {
                        "type": {"type": "string"},
                        "name": {"type": "string"},
                        "metricType": {"enum": ["AverageValue", "Value", "Utilization"]},
                        "useCachedMetrics": {"type": "boolean"},
                        "authenticationRef": {
                            "type": "object",
                            "required": ["name"],
                            "properties": {
                                "name": {"type": "string"},
                                "kind": {"enum": ["TriggerAuthentication", "ClusterTriggerAuthentication"]},
                            },
                            "additionalProperties": False,
                        },
                        "metadata": _STRING_MAP,
                    },
                    "if": {"properties": {"type": {"const": "aws-sqs-queue"}}},
                    "then": {"properties": {"metadata": _SQS_TRIGGER_METADATA}},
                    "additionalProperties": False,
                },
            },
        },
        "additionalProperties": False,
    },
)

TRIGGER_AUTHENTICATION = _resource(
    "keda.sh/v1alpha1",
    "TriggerAuthentication",
    {
        "type": "object",
        "properties": {
            "podIdentity": {
                "type": "object",
                "required": ["provider"],
                "properties": {
                    "provider": {"enum": ["none", "azure-workload", "gcp", "aws", "aws-eks"]},
                    "roleArn": {"type": "string"},
                    "identityOwner": {"enum": ["keda", "workload"]},
                },
                # KEDA docs (2.13+, AWS provider): roleArn and identityOwner exclude each other.
                "not": {"required": ["roleArn", "identityOwner"]},
                "additionalProperties": False,
            },
            "secretTargetRef": {"type": "array"},
            "env": {"type": "array"},
        },
        "minProperties": 1,
        "additionalProperties": False,
    },
)

SERVICE_MONITOR = _resource(
    "monitoring.coreos.com/v1",
    "ServiceMonitor",
    {
        "type": "object",
        "required": ["selector", "endpoints"],
        "properties": {
            "selector": {
                "type": "object",
                "properties": {"matchLabels": _STRING_MAP, "matchExpressions": {"type": "array"}},
                "minProperties": 1,
                "additionalProperties": False,
            },
            "namespaceSelector": {"type": "object"},
            "jobLabel": {"type": "string"},
            "endpoints": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["port"],
                    "properties": {
                        "port": {"type": "string"},
                        "path": {"type": "string", "pattern": "^/"},
                        "interval": _DURATION,
                        "scrapeTimeout": _DURATION,
                        "scheme": {"enum": ["http", "https"]},
                    },
                    "additionalProperties": False,
                },
            },
        },
        "additionalProperties": False,
    },
)

PROMETHEUS_RULE = _resource(
    "monitoring.coreos.com/v1",
    "PrometheusRule",
    {
        "type": "object",
        "required": ["groups"],
        "properties": {
            "groups": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["name", "rules"],
                    "properties": {
                        "name": {"type": "string", "minLength": 1},
                        "interval": _DURATION,
                        "rules": {
                            "type": "array",
                            "minItems": 1,
                            "items": {
                                "type": "object",
                                "required": ["alert", "expr"],
                                "properties": {
                                    "alert": {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9]*$"},
                                    "expr": {"type": "string", "minLength": 1},
                                    "for": _DURATION,
                                    "labels": {
                                        **_STRING_MAP,
                                        "required": ["severity"],
                                        "properties": {"severity": {"enum": ["critical", "warning", "info"]}},
                                    },
                                    "annotations": {
                                        **_STRING_MAP,
                                        "required": ["summary", "description"],
                                    },
                                },
                                "additionalProperties": False,
                            },
                        },
                    },
                    "additionalProperties": False,
                },
            }
        },
        "additionalProperties": False,
    },
)

SCHEMAS: dict[tuple[str, str], dict[str, Any]] = {
    ("keda.sh/v1alpha1", "ScaledObject"): SCALED_OBJECT,
    ("keda.sh/v1alpha1", "TriggerAuthentication"): TRIGGER_AUTHENTICATION,
    ("monitoring.coreos.com/v1", "ServiceMonitor"): SERVICE_MONITOR,
    ("monitoring.coreos.com/v1", "PrometheusRule"): PROMETHEUS_RULE,
}
