"""Long-form in constant memory: the same book at 1× and 8× its length, espeak-ng voice, local stack.

``python -m bench.longform`` renders tests/corpus/shakuntala/ (all four chapters) once, then eight
times over as one job, each on a fresh worker process, and reports the worker's peak RSS for each and
their ratio (the target is at most 1.15: memory must not grow with the book), and the job's wall time
over pure synthesis time of the same chunks (the target is at most 1.15: checkpoints, encoding and
uploads overlap with synthesis instead of adding to it). Results: bench/results/longform.json.

Encoding overlaps synthesis but cannot finish before the encoder has been through the whole programme,
so the benchmark also times ffmpeg alone on audio of the same length with the same filters
(``encode_seconds``) and reports the lower bound that puts on the ratio (``floor_ratio``), and runs the
8× job once more as FLAC, a codec much faster than synthesis, where only kontho's own overhead is left.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.throughput import CORPUS, REPO, engine_only
from client.http import KonthoClient
from devstack.motoserver import free_port
from devstack.stack import LocalStack
from kontho.jobspec import AudioFormat
from kontho.settings import Settings
from kontho.tenants import LOCAL_KEY
from worker.audio.encode import codec_args

RESULTS = REPO / "bench" / "results" / "longform.json"


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc status")


def encode_only(seconds: float, fmt: str) -> float:
    """Wall seconds ffmpeg needs for ``seconds`` of mono 22.05 kHz audio with kontho's filters."""
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "tone.wav"
        source = f"anoisesrc=color=pink:sample_rate=22050:amplitude=0.1:duration={seconds:.0f}"
        subprocess.run(
            ["ffmpeg", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", source, "-ac", "1", str(wav)],
            check=True,
        )
        started = time.monotonic()
        subprocess.run(
            [
                "ffmpeg", "-nostdin", "-loglevel", "error", "-i", str(wav),
                "-af", "ebur128,volume=1dB,alimiter=limit=0.7943:level=false:attack=5:release=50",
                *codec_args(AudioFormat(fmt), Settings().mp3_bitrate), str(Path(tmp) / f"out.{fmt}"),
            ],
            check=True,
        )  # fmt: skip
        return time.monotonic() - started


def run_job(text: str, fmt: str = "mp3") -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as state:
        settings = Settings(
            api_port=free_port(),
            local_aws_port=free_port(),
            local_workers=1,
            local_state_dir=Path(state),
            poll_wait_seconds=2,
        )
        with LocalStack(settings) as stack:
            client = KonthoClient(stack.api_url, api_key=LOCAL_KEY)
            started = time.monotonic()
            job = client.wait(client.submit(text, format=fmt)["id"], timeout=3600, poll_seconds=0.5)
            if job["status"] != "completed":
                raise RuntimeError(f"job {job['status']}: {job['error']}")
            wall = time.monotonic() - started
            peak = _peak_rss_mb(stack.worker_pids()[0])
            audio = client.result(job["id"])["audio"]
    return {
        "format": fmt,
        "characters": len(text),
        "audio_seconds": audio["duration_seconds"],
        "job_wall_seconds": round(wall, 2),
        "worker_peak_rss_mb": round(peak, 1),
    }


def main() -> None:
    book = "\n".join(p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("chapter_*.txt")))
    rows = {}
    for name, factor, fmt in (("1x", 1, "mp3"), ("8x", 8, "mp3"), ("8x_flac", 8, "flac")):
        text = "\n".join([book] * factor)
        row = run_job(text, fmt)
        synthesis_wall, _ = engine_only({"book": text}, Settings().chunk_max_chars)
        encode_wall = encode_only(row["audio_seconds"], fmt)
        row["synthesis_seconds"] = round(synthesis_wall, 2)
        row["encode_seconds"] = round(encode_wall, 2)
        row["overhead_ratio"] = round(row["job_wall_seconds"] / synthesis_wall, 2)
        row["floor_ratio"] = round(max(synthesis_wall, encode_wall) / synthesis_wall, 2)
        rows[name] = row
        print(f"{name}: {row}")
    report = {
        "benchmark": "longform",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "voice": "bn-espeak",
        "peak_rss_mb_1x": rows["1x"]["worker_peak_rss_mb"],
        "peak_rss_mb_8x": rows["8x"]["worker_peak_rss_mb"],
        "rss_ratio": round(rows["8x"]["worker_peak_rss_mb"] / rows["1x"]["worker_peak_rss_mb"], 3),
        "overhead_ratio": rows["8x"]["overhead_ratio"],
        "floor_ratio": rows["8x"]["floor_ratio"],
        "overhead_ratio_flac": rows["8x_flac"]["overhead_ratio"],
        "runs": rows,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(
        f"rss ratio {report['rss_ratio']}, overhead ratio (8x) {report['overhead_ratio']} "
        f"(floor {report['floor_ratio']}, flac {report['overhead_ratio_flac']}); "
        f"wrote {RESULTS.name}"
    )


if __name__ == "__main__":
    main()
