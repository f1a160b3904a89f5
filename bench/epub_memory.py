"""The API's memory when EPUBs far longer than a job may be arrive at once.

``python -m bench.epub_memory [--text-mb 480] [--uploads 3]`` starts a moto server and the real API
(``python -m api``, uvicorn) in processes of their own, and builds an EPUB whose one chapter unpacks to
``--text-mb`` MB of the same paragraph (480 MB by default: under the 512 MB unpack cap, about 1.9 MB on disk).
It uploads it ``--uploads`` times, warms the API up with one ordinary EPUB job, then submits a job for
each upload at once. It records each answer (status, error code, seconds) and the API process's resident
memory from ``/proc/<pid>/status``: the high-water mark (VmHWM) after the warm-up and after the burst, and
the resident set (VmRSS) once it is over. Results: bench/results/epub-memory.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from devstack.motoserver import MotoServer, free_port, wait_for_http
from devstack.provision import provision
from kontho.settings import Settings
from kontho.tenants import LOCAL_KEY
from tests.epubs import build_epub, build_long_chapter_epub

RESULTS = Path(__file__).resolve().parent / "results" / "epub-memory.json"
_AUTH = {"Authorization": f"Bearer {LOCAL_KEY}"}
_MB = 1024 * 1024


def _memory(pid: int) -> dict[str, float]:
    """VmHWM and VmRSS of a process, in MiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in {"VmHWM", "VmRSS"}:
            fields[name] = round(int(value.split()[0]) / 1024, 1)
    return fields


def _upload(client: httpx.Client, data: bytes) -> str:
    upload = client.post("/v1/uploads", json={"content_type": "application/epub+zip", "bytes": len(data)})
    upload.raise_for_status()
    put = httpx.put(upload.json()["url"], content=data, headers=upload.json()["headers"], timeout=60)
    put.raise_for_status()
    upload_id: str = upload.json()["id"]
    return upload_id


def _submit(api_url: str, upload_id: str) -> dict[str, Any]:
    start = time.monotonic()
    response = httpx.post(f"{api_url}/v1/jobs", json={"upload": upload_id}, headers=_AUTH, timeout=600)
    error = response.json().get("error", {}) if response.status_code >= 400 else {}
    return {
        "status": response.status_code,
        "code": error.get("code"),
        "message": error.get("message"),
        "seconds": round(time.monotonic() - start, 2),
    }


def measure(workdir: Path, text_mb: int, uploads: int) -> dict[str, Any]:
    book = build_long_chapter_epub(workdir / "long.epub", text_mb * _MB)
    ordinary = build_epub(workdir / "ordinary.epub", [("প্রথম অধ্যায়", "শকুন্তলা বনের পথে হাঁটছিল।")])
    suffix = uuid.uuid4().hex[:10]
    credentials = {"AWS_ACCESS_KEY_ID": "kontho-bench", "AWS_SECRET_ACCESS_KEY": "kontho-bench"}
    os.environ.update(credentials)  # moto takes any; these keep boto3 away from real ones
    with MotoServer(free_port(), log_path=workdir / "moto.log") as moto:
        settings = Settings(
            aws_endpoint_url=moto.endpoint,
            bucket=f"kontho-bench-{suffix}",
            queue_name=f"kontho-bench-{suffix}.fifo",
            dlq_name=f"kontho-bench-dlq-{suffix}.fifo",
            api_port=free_port(),
        )
        resources = provision(settings)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("KONTHO_")},
            **credentials,
            "AWS_DEFAULT_REGION": settings.aws_region,
            "KONTHO_AWS_ENDPOINT_URL": moto.endpoint,
            "KONTHO_AWS_REGION": settings.aws_region,
            "KONTHO_BUCKET": resources.bucket,
            "KONTHO_QUEUE_URL": resources.queue_url,
            "KONTHO_QUEUE_NAME": settings.queue_name,
            "KONTHO_DLQ_NAME": settings.dlq_name,
            "KONTHO_API_PORT": str(settings.api_port),
        }
        api_url = f"http://127.0.0.1:{settings.api_port}"
        with (workdir / "api.log").open("ab") as log:
            api = subprocess.Popen(
                [sys.executable, "-m", "api"], env=env, stdout=log, stderr=subprocess.STDOUT
            )
            try:
                wait_for_http(f"{api_url}/readyz", timeout=60, process=api)
                with httpx.Client(base_url=api_url, headers=_AUTH, timeout=60) as client:
                    warm = client.post("/v1/jobs", json={"upload": _upload(client, ordinary)})
                    assert warm.status_code == 202, warm.text
                    upload_ids = [_upload(client, book) for _ in range(uploads)]
                after_warm_up = _memory(api.pid)
                start = time.monotonic()
                with ThreadPoolExecutor(uploads) as pool:
                    answers = list(pool.map(lambda upload_id: _submit(api_url, upload_id), upload_ids))
                wall = time.monotonic() - start
                after_burst = _memory(api.pid)
            finally:
                api.terminate()
                api.wait(timeout=30)
    return {
        "epub_bytes": len(book),
        "chapter_text_bytes": text_mb * _MB,
        "max_text_chars": settings.max_text_chars,
        "uploads_at_once": uploads,
        "answers": answers,
        "burst_wall_seconds": round(wall, 2),
        "api_peak_rss_mib_after_warm_up": after_warm_up["VmHWM"],
        "api_peak_rss_mib": after_burst["VmHWM"],
        "api_rss_mib_after": after_burst["VmRSS"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--text-mb", type=int, default=480, help="Megabytes of text in the EPUB's chapter.")
    parser.add_argument("--uploads", type=int, default=3, help="Uploads submitted at once.")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kontho-epub-memory-") as workdir:
        result = measure(Path(workdir), args.text_mb, args.uploads)
    result = {
        "recorded": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "system": platform.system()},
        **result,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
