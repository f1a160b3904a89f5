"""The SQS FIFO job queue: send pointers, receive deliveries, heartbeat, acknowledge."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kontho.aws import sqs_client
from kontho.errors import QueueUnavailable
from kontho.messages import JobMessage
from kontho.retry import aws_retry
from kontho.settings import Settings

if TYPE_CHECKING:
    from types_boto3_sqs import SQSClient


@dataclass(frozen=True)
class Delivery:
    """One receipt of one message. ``receive_count`` counts this delivery too."""

    message_id: str
    receipt_handle: str
    body: str
    receive_count: int
    received_at: float = field(default_factory=time.monotonic)
    """When this receive happened (monotonic clock): SQS's 12-hour visibility ceiling counts from here."""
    group_id: str | None = None
    """The message group, for a resend that must stay in the same tenant's lanes."""
    sent_at: float | None = None
    """When the message was first sent (SQS SentTimestamp, epoch seconds): its age at this receive."""


def message_group_for(tenant: str, lane: int) -> str:
    """The message group of one of the tenant's lanes: the fair-sharing rule.

    SQS FIFO hands out at most one in-flight message per group. A tenant's jobs spread over its
    ``concurrency`` lanes (the API picks the least busy, ``kontho.activejobs.least_busy_lane``), so however
    many it queues, at most ``concurrency`` of them are in work at once and every other worker stays free
    for other tenants' groups. Within a lane jobs go in submission order.
    """
    return f"{tenant}.{lane}"


def _epoch_seconds(milliseconds: str | None) -> float | None:
    return int(milliseconds) / 1000 if milliseconds and milliseconds.isdigit() else None


class JobQueue:
    def __init__(self, sqs: SQSClient, queue_url: str) -> None:
        self._sqs = sqs
        self.url = queue_url

    @classmethod
    @aws_retry(QueueUnavailable)
    def lookup(cls, sqs: SQSClient, queue_name: str) -> JobQueue:
        return cls(sqs, sqs.get_queue_url(QueueName=queue_name)["QueueUrl"])

    @aws_retry(QueueUnavailable)
    def send(self, message: JobMessage, group: str, resend: str | None = None) -> str:
        """Queue a job in message group ``group``. A ``resend`` tag (a redrive) makes a new message inside
        SQS's 5-minute deduplication window, which would otherwise drop a second send of the same job."""
        job_id = message.job_id
        response = self._sqs.send_message(
            QueueUrl=self.url,
            MessageBody=message.encode(),
            MessageGroupId=group,
            MessageDeduplicationId=job_id if resend is None else f"{job_id}-{resend}",
        )
        return response["MessageId"]

    @aws_retry(QueueUnavailable)
    def receive(self, wait_seconds: int, visibility_seconds: int, batch: int = 1) -> list[Delivery]:
        response = self._sqs.receive_message(
            QueueUrl=self.url,
            MaxNumberOfMessages=batch,
            WaitTimeSeconds=wait_seconds,
            VisibilityTimeout=visibility_seconds,
            MessageSystemAttributeNames=["ApproximateReceiveCount", "MessageGroupId", "SentTimestamp"],
        )
        return [
            Delivery(
                message_id=m["MessageId"],
                receipt_handle=m["ReceiptHandle"],
                body=m["Body"],
                receive_count=int(m.get("Attributes", {}).get("ApproximateReceiveCount", "1")),
                group_id=m.get("Attributes", {}).get("MessageGroupId"),
                sent_at=_epoch_seconds(m.get("Attributes", {}).get("SentTimestamp")),
            )
            for m in response.get("Messages", [])
        ]

    @aws_retry(QueueUnavailable)
    def delete(self, delivery: Delivery) -> None:
        self._sqs.delete_message(QueueUrl=self.url, ReceiptHandle=delivery.receipt_handle)

    @aws_retry(QueueUnavailable)
    def set_visibility(self, delivery: Delivery, seconds: int) -> None:
        """Extend (heartbeat) or end (``seconds=0``: release for redelivery now) a message's invisibility."""
        self._sqs.change_message_visibility(
            QueueUrl=self.url, ReceiptHandle=delivery.receipt_handle, VisibilityTimeout=seconds
        )

    @aws_retry(QueueUnavailable)
    def arn(self) -> str:
        attrs = self._sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["QueueArn"])["Attributes"]
        return attrs["QueueArn"]

    def start_move_to(self, destination: JobQueue) -> str:
        """Ask SQS to move every message here to ``destination`` (StartMessageMoveTask); its task handle."""
        return self._sqs.start_message_move_task(SourceArn=self.arn(), DestinationArn=destination.arn())[
            "TaskHandle"
        ]

    @aws_retry(QueueUnavailable, attempts=1)
    def depth(self) -> dict[str, int]:
        attrs = self._sqs.get_queue_attributes(
            QueueUrl=self.url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return {
            "visible": int(attrs.get("ApproximateNumberOfMessages", "0")),
            "in_flight": int(attrs.get("ApproximateNumberOfMessagesNotVisible", "0")),
        }


def job_queue(settings: Settings) -> JobQueue:
    """The job queue the settings name: by URL when given (no lookup call), else by name."""
    sqs = sqs_client(settings)
    if settings.queue_url:
        return JobQueue(sqs, settings.queue_url)
    return JobQueue.lookup(sqs, settings.queue_name)


def dead_letter_queue(settings: Settings) -> JobQueue:
    """The job queue's dead-letter queue, by name."""
    return JobQueue.lookup(sqs_client(settings), settings.dlq_name)
