"""A small client for kontho's v1 API, used by ``make run`` and the end-to-end tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

TERMINAL = {"completed", "failed", "cancelled"}
_CONTENT_TYPES = {".epub": "application/epub+zip", ".md": "text/markdown", ".markdown": "text/markdown"}


class KonthoClient:
    def __init__(self, base_url: str, api_key: str | None = None, timeout: float = 30) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(base_url=base_url, headers=headers, timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def submit(self, text: str, **options: Any) -> dict[str, Any]:
        response = self._http.post("/v1/jobs", json={"text": text, **options})
        response.raise_for_status()
        job: dict[str, Any] = response.json()
        return job

    def upload(self, path: Path, content_type: str | None = None) -> str:
        """PUT ``path`` to S3 through a presigned upload URL; returns the upload id for ``submit_upload``."""
        if content_type is None:
            content_type = _CONTENT_TYPES.get(path.suffix.lower(), "text/plain")
        size = path.stat().st_size
        response = self._http.post("/v1/uploads", json={"content_type": content_type, "bytes": size})
        response.raise_for_status()
        upload: dict[str, Any] = response.json()
        with path.open("rb") as body:
            put = httpx.put(upload["url"], content=body, headers=upload["headers"], timeout=300)
        put.raise_for_status()
        upload_id: str = upload["id"]
        return upload_id

    def submit_upload(self, upload_id: str, **options: Any) -> dict[str, Any]:
        response = self._http.post("/v1/jobs", json={"upload": upload_id, **options})
        response.raise_for_status()
        job: dict[str, Any] = response.json()
        return job

    def job(self, job_id: str) -> dict[str, Any]:
        response = self._http.get(f"/v1/jobs/{job_id}")
        response.raise_for_status()
        job: dict[str, Any] = response.json()
        return job

    def result(self, job_id: str) -> dict[str, Any]:
        response = self._http.get(f"/v1/jobs/{job_id}/result")
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

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

    @staticmethod
    def download(url: str, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        with httpx.stream("GET", url, timeout=120) as response, path.open("wb") as out:
            response.raise_for_status()
            for block in response.iter_bytes():
                out.write(block)
        return path
