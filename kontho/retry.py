"""Retries around AWS I/O: a few quick attempts, then a typed transient error for the caller.

Two kinds of failure end as that typed error. A lost connection or throttling is retried here first. A
resource that is gone or refuses kontho (a deleted bucket or queue, revoked access, a disabled or deleted
KMS key) is raised at once: retrying within the call cannot help, yet it is the deployment that is broken,
not the request, so callers treat it as an outage (the API answers 503, a worker leaves the job for later).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import structlog
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    CredentialRetrievalError,
    EndpointConnectionError,
    NoCredentialsError,
    PartialCredentialsError,
    ReadTimeoutError,
)
from tenacity import (
    RetryError,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from kontho.errors import TransientError

P = ParamSpec("P")
R = TypeVar("R")
log = structlog.get_logger(__name__)

_CONNECTION_ERRORS = (EndpointConnectionError, ConnectionClosedError, ConnectTimeoutError, ReadTimeoutError)
_TRANSIENT_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "SlowDown",
        "RequestTimeout",
        "ServiceUnavailable",
        "InternalError",
        "RequestThrottled",
        "503",
        "500",
    }
)


# What an AWS resource kontho depends on answers while it is missing or refuses access. HEAD requests carry
# no error body, so S3 reports those by status alone ("403").
_UNAVAILABLE_CODES = frozenset(
    {
        "NoSuchBucket",
        "AccessDenied",
        "AccessDeniedException",
        "AllAccessDisabled",
        "AccountProblem",
        "InvalidAccessKeyId",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidToken",
        "403",
        "AWS.SimpleQueueService.NonExistentQueue",
        "QueueDoesNotExist",
    }
)
# S3 names KMS failures "KMS.DisabledException", "KMS.NotFoundException", "KMSAccessDeniedException",
# ...; SQS "KmsDisabled", "KmsAccessDenied", ...: every one means the key is not usable now.
_KMS_PREFIX = "kms"


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


# No credentials to sign with (an expired or unreachable Pod Identity agent, say) is the same kind of outage.
_CREDENTIAL_ERRORS = (NoCredentialsError, PartialCredentialsError, CredentialRetrievalError)


def is_unavailable(exc: BaseException) -> bool:
    """The resource is missing or refuses access: an outage of the deployment, not a fault of the call."""
    if isinstance(exc, _CREDENTIAL_ERRORS):
        return True
    if not isinstance(exc, ClientError):
        return False
    code = _code(exc)
    return code in _UNAVAILABLE_CODES or code.lower().startswith(_KMS_PREFIX)


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, _CONNECTION_ERRORS):
        return True
    if isinstance(exc, ClientError):
        return _code(exc) in _TRANSIENT_CODES
    return False


def aws_retry(error: type[TransientError], attempts: int = 3) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Retry ``fn`` on lost connections and throttling; when that fails too, raise ``error``. A missing
    or refusing resource raises ``error`` at once."""

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            retrying = Retrying(
                retry=retry_if_exception(is_transient),
                stop=stop_after_attempt(attempts),
                wait=wait_exponential_jitter(multiplier=0.2, max=5),
                reraise=False,
                before_sleep=lambda state: log.warning(
                    "aws_retry",
                    operation=fn.__qualname__,
                    attempt=state.attempt_number,
                    error=repr(state.outcome.exception()) if state.outcome else None,
                ),
            )
            try:
                return retrying(fn, *args, **kwargs)
            except RetryError as exc:
                cause = exc.last_attempt.exception()
                raise error(f"{fn.__qualname__} failed after {attempts} attempts: {cause}") from cause
            except Exception as exc:
                if is_transient(exc) or is_unavailable(exc):
                    raise error(f"{fn.__qualname__} failed: {exc}") from exc
                raise

        return wrapper

    return decorate
