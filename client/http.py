"""A Python client for kontho's v1 API: retries, automatic idempotency keys, readable errors.

Every submit carries an ``Idempotency-Key`` made once per call, so retrying a submit after a lost
connection or a 5xx returns the job the first attempt created instead of a second one. Reads retry on the
same failures; 4xx answers are raised at once as ``KonthoApiError`` with the API's own message.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

TERMINAL = {"completed", "failed", "cancelled"}
_CONTENT_TYPES = {".epub": "application/epub+zip", ".md": "text/markdown", ".markdown": "text/markdown"}
_RETRY_STATUSES = {429, 500, 502, 503, 504}


class KonthoApiError(Exception):
    """The API refused a request; ``code``, ``field`` and the message come from its error body."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(f"{message} ({code}, HTTP {status})")
        self.status = status
        self.code = code
        self.field = field


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, KonthoApiError):
        return exc.status in _RETRY_STATUSES
    return isinstance(exc, httpx.TransportError)


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

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        def once() -> Any:
            response = self._http.request(method, path, **kwargs)
            if response.is_error:
                try:
                    error = response.json()["error"]
                except (ValueError, KeyError, TypeError):
                    error = {"code": "http_error", "message": response.text[:200] or response.reason_phrase}
                raise KonthoApiError(
                    response.status_code, error["code"], error["message"], error.get("field")
                )
            return response.json()

        retrying = Retrying(
            retry=retry_if_exception(_retryable),
            stop=stop_after_attempt(self._attempts),
            wait=wait_exponential_jitter(multiplier=0.5, max=10),
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
        upload = self._call("POST", "/v1/uploads", json={"content_type": content_type, "bytes": size})
        with path.open("rb") as body:
            put = httpx.put(upload["url"], content=body, headers=upload["headers"], timeout=300)
        put.raise_for_status()
        upload_id: str = upload["id"]
        return upload_id

    def job(self, job_id: str) -> dict[str, Any]:
        job: dict[str, Any] = self._call("GET", f"/v1/jobs/{job_id}")
        return job

    def cancel(self, job_id: str) -> dict[str, Any]:
        job: dict[str, Any] = self._call("DELETE", f"/v1/jobs/{job_id}")
        return job

    def result(self, job_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", f"/v1/jobs/{job_id}/result")
        return result

    def voices(self) -> list[dict[str, Any]]:
        voices: list[dict[str, Any]] = self._call("GET", "/v1/voices")
        return voices

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
        """Every artifact of a completed job into ``folder``, named as stored."""
        paths = []
        for artifact in self.result(job_id)["artifacts"]:
            name = artifact["url"].split("?", 1)[0].rsplit("/", 1)[-1]
            if artifact["kind"] == "chapter_audio":
                name = f"chapter-{artifact['chapter']:04d}.{artifact['format']}"
            paths.append(self.download(artifact["url"], folder / name))
        return paths

    @staticmethod
    def download(url: str, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        with httpx.stream("GET", url, timeout=120) as response, path.open("wb") as out:
            response.raise_for_status()
            for block in response.iter_bytes():
                out.write(block)
        return path
