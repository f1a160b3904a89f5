"""A Python client for kontho's v1 API: retries, automatic idempotency keys, readable errors.

Every submit carries an ``Idempotency-Key`` made once per call, so retrying a submit after a lost
connection or a 5xx returns the job the first attempt created instead of a second one. Reads retry on the
same failures, and a 429 waits what its Retry-After asks (up to a minute); other 4xx answers are raised at
once as ``KonthoApiError`` with the API's own message.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter
from tenacity.wait import wait_base

from client.names import artifact_name, safe_stem

TERMINAL = {"completed", "failed", "cancelled"}
_CONTENT_TYPES = {".epub": "application/epub+zip", ".md": "text/markdown", ".markdown": "text/markdown"}
_RETRY_STATUSES = {429, 500, 502, 503, 504}


class KonthoApiError(Exception):
    """The API refused a request; ``code``, ``field`` and the message come from its error body."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        field: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"{message} ({code}, HTTP {status})")
        self.status = status
        self.code = code
        self.field = field
        self.retry_after = retry_after
        """Seconds the server asked to wait (Retry-After), for 429 and 503."""


# A Retry-After longer than this (a daily limit's "tomorrow") is not waited out: the caller hears of it.
_MAX_RETRY_AFTER_SECONDS = 60.0


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, KonthoApiError):
        if exc.retry_after is not None and exc.retry_after > _MAX_RETRY_AFTER_SECONDS:
            return False
        return exc.status in _RETRY_STATUSES
    return isinstance(exc, httpx.TransportError)


def _retry_after(header: str | None) -> float | None:
    try:
        return float(header) if header is not None else None
    except ValueError:
        return None  # an HTTP date: rare from kontho; fall back to backoff


class _ServerOrBackoff(wait_base):
    """Wait what the server's Retry-After asks, else exponential backoff with jitter."""

    def __init__(self) -> None:
        self._backoff = wait_exponential_jitter(multiplier=0.5, max=10)

    def __call__(self, retry_state: RetryCallState) -> float:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        if isinstance(exc, KonthoApiError) and exc.retry_after is not None:
            return exc.retry_after
        return float(self._backoff(retry_state))


class KonthoClient:
    def __init__(
        self, base_url: str, api_key: str | None = None, timeout: float = 30, attempts: int = 4
    ) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(base_url=base_url, headers=headers, timeout=timeout)
        self._attempts = attempts

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> KonthoClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _call(self, method: str, path: str, *, gone_on_retry: bool = False, **kwargs: Any) -> Any:
        """One request, retried on lost connections, 429 and 5xx; None for an answer without a body.

        ``gone_on_retry``: a 404 on a retry means the first attempt did it (an erase whose answer was lost).
        """
        attempts = 0

        def once() -> Any:
            nonlocal attempts
            attempts += 1
            response = self._http.request(method, path, **kwargs)
            if gone_on_retry and attempts > 1 and response.status_code == 404:
                return None
            if response.is_error:
                try:
                    error = response.json()["error"]
                except (ValueError, KeyError, TypeError):
                    error = {"code": "http_error", "message": response.text[:200] or response.reason_phrase}
                raise KonthoApiError(
                    response.status_code,
                    error["code"],
                    error["message"],
                    error.get("field"),
                    _retry_after(response.headers.get("retry-after")),
                )
            return response.json() if response.content else None

        retrying = Retrying(
            retry=retry_if_exception(_retryable),
            stop=stop_after_attempt(self._attempts),
            wait=_ServerOrBackoff(),
            reraise=True,
        )
        return retrying(once)

    def submit(self, text: str, **options: Any) -> dict[str, Any]:
        return self._submit({"text": text, **options})

    def submit_upload(self, upload_id: str, **options: Any) -> dict[str, Any]:
        return self._submit({"upload": upload_id, **options})

    def _submit(self, body: dict[str, Any]) -> dict[str, Any]:
        key = {"Idempotency-Key": str(uuid.uuid4())}  # one key for every retry of this one submit
        job: dict[str, Any] = self._call("POST", "/v1/jobs", json=body, headers=key)
        return job

    def upload(self, path: Path, content_type: str | None = None) -> str:
        """PUT ``path`` to S3 through a presigned upload URL; returns the upload id for ``submit_upload``."""
        if content_type is None:
            content_type = _CONTENT_TYPES.get(path.suffix.lower(), "text/plain")
        size = path.stat().st_size
        request = {"content_type": content_type, "bytes": size, "filename": path.name[:255]}
        upload = self._call("POST", "/v1/uploads", json=request)
        with path.open("rb") as body:
            put = httpx.put(upload["url"], content=body, headers=upload["headers"], timeout=300)
        put.raise_for_status()
        upload_id: str = upload["id"]
        return upload_id

    def job(self, job_id: str) -> dict[str, Any]:
        job: dict[str, Any] = self._call("GET", f"/v1/jobs/{job_id}")
        return job

    def cancel(self, job_id: str) -> dict[str, Any]:
        """The job, ``cancelled`` if it was queued, still ``running`` if it stops at its next chunk.

        A job that had already ended raises ``KonthoApiError`` with code ``already_finished`` (409).
        """
        job: dict[str, Any] = self._call("POST", f"/v1/jobs/{job_id}/cancel")
        return job

    def delete(self, job_id: str) -> None:
        """Erase the job: record, text, audio and listing entry (cancelled first if it is running)."""
        self._call("DELETE", f"/v1/jobs/{job_id}", gone_on_retry=True)

    def result(self, job_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", f"/v1/jobs/{job_id}/result")
        return result

    def jobs(self, status: str | None = None, limit: int = 20, cursor: str | None = None) -> dict[str, Any]:
        """One page of the tenant's jobs, newest first: ``{"jobs": [...], "next_cursor": ...}``."""
        params: dict[str, Any] = {"limit": limit}
        if status:
            params["status"] = status
        if cursor:
            params["cursor"] = cursor
        page: dict[str, Any] = self._call("GET", "/v1/jobs", params=params)
        return page

    def iter_jobs(self, status: str | None = None, page_size: int = 50) -> Iterator[dict[str, Any]]:
        cursor = None
        while True:
            page = self.jobs(status, page_size, cursor)
            yield from page["jobs"]
            cursor = page["next_cursor"]
            if not cursor:
                return

    def usage(self, first: str | None = None, last: str | None = None) -> dict[str, Any]:
        """Usage by UTC day; ``first`` and ``last`` as YYYY-MM-DD (default: the last 30 days)."""
        params = {k: v for k, v in (("from", first), ("to", last)) if v}
        usage: dict[str, Any] = self._call("GET", "/v1/usage", params=params)
        return usage

    def voices(self) -> list[dict[str, Any]]:
        voices: list[dict[str, Any]] = self._call("GET", "/v1/voices")
        return voices

    def sample(self, voice_id: str, **options: Any) -> dict[str, Any]:
        """Ask for a voice sample (``text``, ``format``, ``speed`` optional): the job that renders it.

        A retried request returns the sample the first one made: the API hands back a recent identical
        sample instead of rendering another.
        """
        path = f"/v1/voices/{quote(voice_id, safe='')}/sample"
        job: dict[str, Any] = self._call("POST", path, json=options)
        return job

    def preview(self, **body: Any) -> dict[str, Any]:
        """How ``text``, or the book an ``upload`` holds, will be read: chapters, chunks, warnings."""
        found: dict[str, Any] = self._call("POST", "/v1/text/preview", json=body)
        return found

    def put_lexicon(self, name: str, body: bytes, content_type: str) -> dict[str, Any]:
        """Create or replace a lexicon: JSON entries, or a PLS document as ``application/pls+xml``."""
        stored: dict[str, Any] = self._call(
            "PUT",
            f"/v1/lexicons/{quote(name, safe='')}",
            content=body,
            headers={"Content-Type": content_type},
        )
        return stored

    def lexicons(self) -> list[dict[str, Any]]:
        """The tenant's lexicons by name: name, digest, entry_count, updated_at."""
        found: list[dict[str, Any]] = self._call("GET", "/v1/lexicons")["lexicons"]
        return found

    def lexicon(self, name: str) -> dict[str, Any]:
        """One lexicon with its entries."""
        found: dict[str, Any] = self._call("GET", f"/v1/lexicons/{quote(name, safe='')}")
        return found

    def delete_lexicon(self, name: str) -> None:
        self._call("DELETE", f"/v1/lexicons/{quote(name, safe='')}", gone_on_retry=True)

    def wait(
        self,
        job_id: str,
        timeout: float = 600,
        poll_seconds: float = 0.5,
        on_update: Callable[[dict[str, Any]], None] | None = None,
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            job = self.job(job_id)
            if on_update is not None:
                on_update(job)
            if job["status"] in TERMINAL:
                return job
            if time.monotonic() > deadline:
                raise TimeoutError(f"job {job_id} still {job['status']} after {timeout:.0f} s")
            time.sleep(poll_seconds)

    def download_all(self, job_id: str, folder: Path) -> list[Path]:
        """Every artifact of a completed job into ``folder``, named after the job's title (see names.py)."""
        stem = safe_stem(self.job(job_id).get("title"), fallback=job_id)
        return [
            self.download(artifact["url"], folder / artifact_name(artifact, stem))
            for artifact in self.result(job_id)["artifacts"]
        ]

    @staticmethod
    def download(url: str, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        with httpx.stream("GET", url, timeout=120) as response, path.open("wb") as out:
            response.raise_for_status()
            for block in response.iter_bytes():
                out.write(block)
        return path
