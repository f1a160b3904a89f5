"""Retries around AWS I/O: a few quick attempts, then a typed transient error for the caller."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import structlog
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
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


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, _CONNECTION_ERRORS):
        return True
    if isinstance(exc, ClientError):
        return exc.response.get("Error", {}).get("Code", "") in _TRANSIENT_CODES
    return False


def aws_retry(error: type[TransientError], attempts: int = 3) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Retry ``fn`` on lost connections and throttling; when that fails too, raise ``error``."""

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
                if is_transient(exc):
                    raise error(f"{fn.__qualname__} failed: {exc}") from exc
                raise

        return wrapper

    return decorate
