"""End-to-end throughput of the local stack on the shared corpus, beside the engine alone.

``python -m bench.throughput [--workers N]`` submits each chapter of ../shared/corpus/shakuntala/ to a
local stack (moto, API, N workers as processes), waits for all, and then renders the same chunks with the
espeak-ng engine in-process. The ratio of the two walls is what the queue, S3, assembly and encoding cost.
Results: bench/results/throughput-local.json.
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

from devstack.client import KonthoClient
from devstack.motoserver import free_port
from devstack.stack import LocalStack
from kontho.settings import Settings
from kontho.text.chunking import plan_chunks
from kontho.voices import VoiceCatalog
from worker.engines.espeak import EspeakEngine

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus" / "shakuntala"
RESULTS = REPO / "bench" / "results" / "throughput-local.json"


def end_to_end(texts: dict[str, str], workers: int) -> tuple[list[dict[str, Any]], float]:
    with tempfile.TemporaryDirectory() as state:
        settings = Settings(
            api_port=free_port(),
            local_aws_port=free_port(),
            local_workers=workers,
            local_state_dir=Path(state),
            poll_wait_seconds=2,
        )
        with LocalStack(settings) as stack:
            client = KonthoClient(stack.api_url)
            started = time.monotonic()
            submitted = {name: (client.submit(text)["id"], time.monotonic()) for name, text in texts.items()}
            rows = []
            for name, (job_id, t0) in submitted.items():
                job = client.wait(job_id, timeout=1800, poll_seconds=0.25)
                if job["status"] != "completed":
                    raise RuntimeError(f"{name}: job {job['status']}: {job['error']}")
                wall = time.monotonic() - t0
                audio = client.result(job_id)["audio"]["duration_seconds"]
                rows.append(
                    {
                        "chapter": name,
                        "characters": len(texts[name]),
                        "audio_seconds": audio,
                        "wall_seconds": round(wall, 2),
                    }
                )
            total_wall = time.monotonic() - started
            client.close()
    return rows, total_wall


def engine_only(texts: dict[str, str], max_chars: int) -> tuple[float, float]:
    """Wall seconds and audio seconds of synthesis alone, no queue, storage or encoding."""
    engine = EspeakEngine(VoiceCatalog().get("bn-espeak"))
    engine.load()
    started = time.monotonic()
    samples = 0
    for text in texts.values():
        for audio in engine.synthesize([c.text for c in plan_chunks(text, max_chars)]):
            samples += audio.shape[0]
    return time.monotonic() - started, samples / engine.sample_rate


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.throughput", description=__doc__)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    texts = {p.stem: p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("chapter_*.txt"))}
    if not texts:
        raise SystemExit(f"no corpus at {CORPUS}")
    characters = sum(len(t) for t in texts.values())

    rows, e2e_wall = end_to_end(texts, args.workers)
    engine_wall, engine_audio = engine_only(texts, Settings().chunk_max_chars)
    audio = sum(r["audio_seconds"] for r in rows)
    espeak = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True, check=False).stdout
    result = {
        "benchmark": "throughput-local",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "espeak_ng": espeak.split(":")[1].split()[0] if ":" in espeak else espeak.strip(),
        },
        "workers": args.workers,
        "voice": "bn-espeak",
        "jobs": rows,
        "total": {
            "characters": characters,
            "audio_seconds": round(audio, 1),
            "wall_seconds": round(e2e_wall, 2),
            "characters_per_second": round(characters / e2e_wall, 1),
            "x_realtime": round(audio / e2e_wall, 1),
        },
        "engine_only": {
            "wall_seconds": round(engine_wall, 2),
            "audio_seconds": round(engine_audio, 1),
            "x_realtime": round(engine_audio / engine_wall, 1),
        },
        # What the queue, S3 round trips, disk assembly and ffmpeg add on top of synthesis.
        "end_to_end_over_engine_wall": round(e2e_wall / engine_wall, 2),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")

    print(f"{'chapter':<11}{'chars':>7}{'audio s':>9}{'wall s':>8}{'x real time':>13}")
    for r in rows:
        print(
            f"{r['chapter']:<11}{r['characters']:>7}{r['audio_seconds']:>9.1f}{r['wall_seconds']:>8.2f}"
            f"{r['audio_seconds'] / r['wall_seconds']:>13.1f}"
        )
    t = result["total"]
    print(
        f"{'all':<11}{t['characters']:>7}{t['audio_seconds']:>9.1f}{t['wall_seconds']:>8.2f}{t['x_realtime']:>13.1f}"
    )
    print(
        f"engine alone: {engine_wall:.2f} s wall, {engine_audio / engine_wall:.1f}x real time; "
        f"end to end / engine = {result['end_to_end_over_engine_wall']}"
    )
    print(f"wrote {RESULTS.relative_to(REPO)}")


if __name__ == "__main__":
    main()
