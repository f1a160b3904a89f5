"""Creates the bucket, the FIFO job queue and its FIFO dead-letter queue: the settings infra uses too."""

from __future__ import annotations

import json
from dataclasses import dataclass

from kontho.aws import s3_client, sqs_client
from kontho.settings import Settings

RETENTION_SECONDS = 14 * 24 * 3600  # SQS's maximum: a dead letter waits two weeks for a person


@dataclass(frozen=True)
class Resources:
    bucket: str
    queue_url: str
    dlq_url: str


def provision(settings: Settings) -> Resources:
    """Idempotent: running it against existing resources changes nothing."""
    s3 = s3_client(settings)
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if settings.bucket not in existing:
        s3.create_bucket(Bucket=settings.bucket)

    sqs = sqs_client(settings)
    dlq_url = sqs.create_queue(
        QueueName=settings.dlq_name,
        Attributes={"FifoQueue": "true", "MessageRetentionPeriod": str(RETENTION_SECONDS)},
    )["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    queue_url = sqs.create_queue(
        QueueName=settings.queue_name,
        Attributes={
            "FifoQueue": "true",
            # Every message carries its own MessageDeduplicationId (the job id).
            "ContentBasedDeduplication": "false",
            "VisibilityTimeout": str(settings.visibility_timeout_seconds),
            "ReceiveMessageWaitTimeSeconds": str(settings.poll_wait_seconds),
            "MessageRetentionPeriod": str(RETENTION_SECONDS),
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(settings.max_receive_count)}
            ),
        },
    )["QueueUrl"]
    return Resources(bucket=settings.bucket, queue_url=queue_url, dlq_url=dlq_url)
