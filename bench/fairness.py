"""Fair sharing on the FIFO queue: a bulk submit must not take every worker while another tenant waits.

``python -m bench.fairness`` starts a local stack with two workers and two tenants. Tenant A submits 50
short jobs, then tenant B submits one. It runs the scenario twice: with A limited to one lane (its
``concurrency`` in the keys file is 1, so at most one of its jobs is in work at a time) and with A given
a lane per job (``concurrency`` 50: nothing bounds it, as if every job were its own message group). For
each it records when B's job started relative to A's fifty: how many of A's had started and finished by
then, B's wait in the queue, and how long A took to drain. Results: bench/results/fairness.json.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from client.http import KonthoClient
from devstack.motoserver import free_port
from devstack.stack import LocalStack
from kontho.settings import Settings
from kontho.tenants import key_hash

RESULTS = Path(__file__).resolve().parent / "results" / "fairness.json"
SENTENCE = "পদ্মার পাড়ে ছোট একটি গ্রাম, সেখানে {n}টি পরিবার বাস করে।"
_KEYS = {"a": "key-of-tenant-a", "b": "key-of-tenant-b"}


def _stamp(job: dict[str, Any], name: str) -> float:
    value = job[name]
    return datetime.fromisoformat(value).timestamp() if value else float("inf")


def measure(
    workdir: Path, a_jobs: int = 50, a_concurrency: int = 1, workers: int = 2, drain: bool = True
) -> dict[str, Any]:
    """Run the scenario once; with ``drain`` False, A's unstarted jobs are cancelled once B is done."""
    keys_file = workdir / "keys.json"
    tenants = [
        {"id": "a", "key_sha256": [key_hash(_KEYS["a"])], "concurrency": a_concurrency,
         "max_active_jobs": a_jobs + 1},
        {"id": "b", "key_sha256": [key_hash(_KEYS["b"])]},
    ]  # fmt: skip
    keys_file.write_text(json.dumps({"tenants": tenants}))
    previous = os.environ.get("KONTHO_API_KEYS_FILE")
    os.environ["KONTHO_API_KEYS_FILE"] = str(keys_file)
    settings = Settings(
        api_port=free_port(),
        local_aws_port=free_port(),
        local_workers=workers,
        local_state_dir=workdir / "state",
        poll_wait_seconds=1,
    )
    try:
        with LocalStack(settings) as stack:
            a = KonthoClient(stack.api_url, api_key=_KEYS["a"])
            b = KonthoClient(stack.api_url, api_key=_KEYS["b"])
            a_ids = [a.submit(SENTENCE.format(n=n + 1), format="wav")["id"] for n in range(a_jobs)]
            b_id = b.submit(SENTENCE.format(n=0), format="wav")["id"]
            b_job = b.wait(b_id, timeout=600, poll_seconds=0.2)
            if not drain:
                for job_id in a_ids:
                    if a.job(job_id)["status"] == "queued":
                        a.cancel(job_id)
            a_done = [a.wait(job_id, timeout=900, poll_seconds=0.2) for job_id in a_ids]
    finally:
        if previous is None:
            os.environ.pop("KONTHO_API_KEYS_FILE", None)
        else:
            os.environ["KONTHO_API_KEYS_FILE"] = previous
    b_started = _stamp(b_job, "started_at")
    completed = [j for j in a_done if j["status"] == "completed"]
    return {
        "a_jobs": a_jobs,
        "a_concurrency": a_concurrency,
        "workers": workers,
        "b_status": b_job["status"],
        "a_started_before_b": sum(_stamp(j, "started_at") < b_started for j in a_done),
        "a_started_after_b_submitted_before_b_started": sum(
            _stamp(b_job, "created_at") < _stamp(j, "started_at") < b_started for j in a_done
        ),
        "a_waiting_when_b_started": sum(_stamp(j, "started_at") > b_started for j in a_done),
        "a_finished_before_b_started": sum(_stamp(j, "finished_at") < b_started for j in a_done),
        "a_completed": len(completed),
        "b_queue_seconds": round(b_started - _stamp(b_job, "created_at"), 2),
        "a_drain_seconds": round(
            max(_stamp(j, "finished_at") for j in completed) - min(_stamp(j, "created_at") for j in a_done), 2
        )
        if drain and completed
        else None,
    }


def main() -> None:
    runs = []
    for concurrency in (1, 50):
        with tempfile.TemporaryDirectory(prefix="kontho-fairness-") as tmp:
            started = time.monotonic()
            result = measure(Path(tmp), a_concurrency=concurrency)
            result["wall_seconds"] = round(time.monotonic() - started, 1)
        runs.append(result)
        print(json.dumps(result))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps({"recorded_at": datetime.now(UTC).isoformat(timespec="seconds"), "runs": runs}, indent=2)
        + "\n"
    )
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
