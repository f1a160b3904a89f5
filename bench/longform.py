"""Long-form in constant memory: the same book at 1× and 8× its length, espeak-ng voice, local stack.

``python -m bench.longform`` renders ../shared/corpus/shakuntala/ (all four chapters) once, then eight
times over as one job, each on a fresh worker process, and reports the worker's peak RSS for each and
their ratio (the target is at most 1.15: memory must not grow with the book), and the job's wall time
over pure synthesis time of the same chunks (the target is at most 1.15: checkpoints, encoding and
uploads should add little to synthesis). Results: bench/results/longform.json.
"""

from __future__ import annotations

import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.throughput import CORPUS, REPO, engine_only
from devstack.client import KonthoClient
from devstack.motoserver import free_port
from devstack.stack import LocalStack
from kontho.settings import Settings

RESULTS = REPO / "bench" / "results" / "longform.json"


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc status")


def run_job(text: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as state:
        settings = Settings(
            api_port=free_port(),
            local_aws_port=free_port(),
            local_workers=1,
            local_state_dir=Path(state),
            poll_wait_seconds=2,
        )
        with LocalStack(settings) as stack:
            client = KonthoClient(stack.api_url)
            started = time.monotonic()
            job = client.wait(client.submit(text, format="mp3")["id"], timeout=3600, poll_seconds=0.5)
            if job["status"] != "completed":
                raise RuntimeError(f"job {job['status']}: {job['error']}")
            wall = time.monotonic() - started
            peak = _peak_rss_mb(stack.worker_pids()[0])
            audio = client.result(job["id"])["audio"]
    return {
        "characters": len(text),
        "audio_seconds": audio["duration_seconds"],
        "job_wall_seconds": round(wall, 2),
        "worker_peak_rss_mb": round(peak, 1),
    }


def main() -> None:
    book = "\n".join(p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("chapter_*.txt")))
    rows = {}
    for factor in (1, 8):
        text = "\n".join([book] * factor)
        row = run_job(text)
        synthesis_wall, _ = engine_only({"book": text}, Settings().chunk_max_chars)
        row["synthesis_seconds"] = round(synthesis_wall, 2)
        row["overhead_ratio"] = round(row["job_wall_seconds"] / synthesis_wall, 2)
        rows[f"{factor}x"] = row
        print(f"{factor}x: {row}")
    report = {
        "benchmark": "longform",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "voice": "bn-espeak",
        "peak_rss_mb_1x": rows["1x"]["worker_peak_rss_mb"],
        "peak_rss_mb_8x": rows["8x"]["worker_peak_rss_mb"],
        "rss_ratio": round(rows["8x"]["worker_peak_rss_mb"] / rows["1x"]["worker_peak_rss_mb"], 3),
        "overhead_ratio": rows["8x"]["overhead_ratio"],
        "runs": rows,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(
        f"rss ratio {report['rss_ratio']}, overhead ratio (8x) {report['overhead_ratio']}; "
        f"wrote {RESULTS.name}"
    )


if __name__ == "__main__":
    main()
