"""End-to-end throughput of the local stack on the shared corpus, beside the engine alone.

``python -m bench.throughput [--workers N]`` submits each chapter of tests/corpus/shakuntala/ to a
local stack (moto, API, N workers as processes), waits for all, and then renders the same chapters' chunks
with the espeak-ng engine in-process. The ratio of the two walls is what the queue, S3, assembly and
encoding cost. Results: bench/results/throughput-local.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from client.http import TERMINAL, KonthoClient
from devstack.motoserver import free_port
from devstack.stack import LOCAL_API_KEY, LocalStack
from kontho.settings import Settings
from kontho.text.chunking import plan_chunks
from kontho.voices import VoiceCatalog
from worker.engines.espeak import EspeakEngine

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "tests" / "corpus" / "shakuntala"
RESULTS = REPO / "bench" / "results" / "throughput-local.json"
VOICE = "bn-espeak"
MAX_CHUNK_CHARS = 400
WARMUP = "আমি বাংলায় গান গাই।"


def _rates(characters: int, audio: float, wall: float) -> dict[str, float]:
    return {
        "wall_seconds": round(wall, 2),
        "characters_per_second": round(characters / wall, 1),
        "x_realtime": round(audio / wall, 1),
    }


def _seconds(job: dict[str, Any], start: str, end: str) -> float:
    return (datetime.fromisoformat(job[end]) - datetime.fromisoformat(job[start])).total_seconds()


def end_to_end(texts: dict[str, str], workers: int) -> tuple[list[dict[str, Any]], float]:
    with tempfile.TemporaryDirectory(prefix="kontho-bench-") as state:
        settings = Settings(
            api_port=free_port(),
            local_aws_port=free_port(),
            local_workers=workers,
            local_state_dir=Path(state),
            # A short long-poll lets the stack stop promptly once the last job is done.
            poll_wait_seconds=2,
        )
        with LocalStack(settings) as stack:
            client = KonthoClient(stack.api_url, api_key=LOCAL_API_KEY)
            # The stack does not wait for its workers to be ready; without a warm-up the first chapter would
            # carry a worker's start-up (imports, engine load), which a long-running fleet pays once.
            warmup = client.wait(client.submit(WARMUP, voice=VOICE)["id"], timeout=120, poll_seconds=0.2)
            if warmup["status"] != "completed":
                raise RuntimeError(f"warm-up job {warmup['status']}: {warmup['error']}")
            started = datetime.now(UTC)
            pending = {client.submit(t, voice=VOICE, format="mp3")["id"]: name for name, t in texts.items()}
            done: dict[str, dict[str, Any]] = {}
            while pending:
                stack.check_alive()
                # On two cores a tight polling loop would slow down the very worker it is timing.
                time.sleep(0.5)
                for job_id, name in list(pending.items()):
                    job = client.job(job_id)
                    if job["status"] in TERMINAL:
                        if job["status"] != "completed":
                            raise RuntimeError(f"{name}: job {job['status']}: {job['error']}")
                        done[name] = {**job, "audio": client.result(job_id)["audio"]}
                        del pending[job_id]
            client.close()
    rows = []
    for name, text in texts.items():
        job = done[name]
        audio = float(job["audio"]["duration_seconds"])
        # The stack's own stamps, so the figures do not depend on how often the loop above polls.
        rows.append(
            {
                "chapter": name,
                "characters": len(text),
                "audio_seconds": audio,
                "queued_seconds": round(_seconds(job, "created_at", "started_at"), 2),
                **_rates(len(text), audio, _seconds(job, "created_at", "finished_at")),
            }
        )
    last = max(datetime.fromisoformat(job["finished_at"]) for job in done.values())
    return rows, (last - started).total_seconds()


def engine_only(texts: dict[str, str], max_chars: int) -> tuple[float, float]:
    """Wall seconds and audio seconds of synthesis alone, no queue, storage or encoding."""
    engine = EspeakEngine(VoiceCatalog().get(VOICE))
    engine.load()
    # Chunking is not synthesis: plan everything before the clock starts.
    chunks = [c.text for text in texts.values() for c in plan_chunks(text, max_chars)]
    started = time.monotonic()
    samples = sum(audio.shape[0] for audio in engine.synthesize(chunks))
    return time.monotonic() - started, samples / engine.sample_rate


def _espeak_version() -> str:
    out = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True, check=False).stdout
    # "eSpeak NG text-to-speech: 1.51  Data at: ..." -> "1.51"
    return out.split(":")[1].split()[0] if ":" in out else out.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.throughput", description=__doc__)
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    args = parser.parse_args(argv)
    texts = {p.stem: p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("chapter_*.txt"))}
    if not texts:
        parser.error(f"no corpus at {CORPUS}")
    characters = sum(len(t) for t in texts.values())

    rows, e2e_wall = end_to_end(texts, args.workers)
    engine_wall, engine_audio = engine_only(texts, MAX_CHUNK_CHARS)
    audio = sum(r["audio_seconds"] for r in rows)
    total = {
        "characters": characters,
        "audio_seconds": round(audio, 1),
        **_rates(characters, audio, e2e_wall),
    }
    result: dict[str, Any] = {
        "benchmark": "throughput-local",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "espeak_ng": _espeak_version(),
        },
        "workers": args.workers,
        "voice": VOICE,
        "jobs": rows,
        "total": total,
        "engine_only": {
            "max_chunk_chars": MAX_CHUNK_CHARS,
            "audio_seconds": round(engine_audio, 1),
            **_rates(characters, engine_audio, engine_wall),
        },
        # What the queue, S3 round trips, disk assembly and encoding add on top of synthesis.
        "end_to_end_over_engine_wall": round(e2e_wall / engine_wall, 2),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    print(
        f"{'job':<11}{'chars':>7}{'audio s':>9}{'queued s':>10}{'wall s':>8}{'chars/s':>9}{'x real time':>13}"
    )
    for r in [*rows, {"chapter": "all", "queued_seconds": "", **total}]:
        print(
            f"{r['chapter']:<11}{r['characters']:>7}{r['audio_seconds']:>9.1f}{r['queued_seconds']:>10}"
            f"{r['wall_seconds']:>8.2f}{r['characters_per_second']:>9.1f}{r['x_realtime']:>13.1f}"
        )
    print(
        f"engine alone: {engine_wall:.2f} s wall, {engine_audio / engine_wall:.1f}x real time; "
        f"end-to-end wall / engine wall = {result['end_to_end_over_engine_wall']}"
    )
    print(f"wrote {RESULTS.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
