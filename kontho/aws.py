"""boto3 clients built from settings. Creating a client makes no network call."""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

from kontho.settings import Settings

if TYPE_CHECKING:
    from types_boto3_s3 import S3Client
    from types_boto3_sqs import SQSClient


def _config(settings: Settings) -> Config:
    return Config(
        region_name=settings.aws_region,
        # botocore retries throttling and 5xx itself; kontho's tenacity layer handles lost connections.
        retries={"mode": "standard", "max_attempts": 4},
        connect_timeout=5,
        # Long polls hold the connection for poll_wait_seconds; leave room above it.
        read_timeout=max(30, settings.poll_wait_seconds + 10),
        signature_version="s3v4",
        # A local endpoint has no per-bucket DNS names; AWS gets virtual-hosted style.
        s3={"addressing_style": "path" if settings.aws_endpoint_url else "auto"},
    )


def s3_client(settings: Settings) -> S3Client:
    return boto3.session.Session().client(
        "s3", endpoint_url=settings.aws_endpoint_url, config=_config(settings)
    )


def sqs_client(settings: Settings) -> SQSClient:
    return boto3.session.Session().client(
        "sqs", endpoint_url=settings.aws_endpoint_url, config=_config(settings)
    )
