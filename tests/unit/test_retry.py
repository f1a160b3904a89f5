"""Which AWS failures become kontho's typed transient errors, and which are retried on the way."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, NoCredentialsError

from kontho.errors import StorageUnavailable
from kontho.retry import aws_retry


def client_error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": f"{code} happened"}}, "GetObject")


class Failing:
    def __init__(self, error: Exception) -> None:
        self.error = error
        self.calls = 0

    @aws_retry(StorageUnavailable)
    def read(self) -> None:
        self.calls += 1
        raise self.error


@pytest.mark.parametrize(
    "code",
    [
        "NoSuchBucket",
        "AccessDenied",
        "403",  # a HEAD request's AccessDenied: no body, so no code but the status
        "AllAccessDisabled",
        "InvalidAccessKeyId",
        "ExpiredToken",
        "KMS.DisabledException",
        "KMS.KMSInvalidStateException",
        "KMS.NotFoundException",
        "KMSAccessDeniedException",
        "KmsDisabled",
        "AWS.SimpleQueueService.NonExistentQueue",
    ],
)
def test_a_missing_or_refusing_resource_is_unavailable_at_once(code: str) -> None:
    failing = Failing(client_error(code))
    with pytest.raises(StorageUnavailable) as raised:
        failing.read()
    assert failing.calls == 1  # retrying within the call cannot bring a bucket or key back
    assert isinstance(raised.value.__cause__, ClientError)


def test_no_credentials_is_unavailable() -> None:
    failing = Failing(NoCredentialsError())
    with pytest.raises(StorageUnavailable):
        failing.read()
    assert failing.calls == 1


def test_throttling_is_retried_before_it_is_unavailable() -> None:
    failing = Failing(client_error("SlowDown"))
    with pytest.raises(StorageUnavailable):
        failing.read()
    assert failing.calls == 3


@pytest.mark.parametrize("code", ["NoSuchKey", "PreconditionFailed", "InvalidArgument"])
def test_what_the_caller_handles_passes_through(code: str) -> None:
    failing = Failing(client_error(code))
    with pytest.raises(ClientError):
        failing.read()
    assert failing.calls == 1
