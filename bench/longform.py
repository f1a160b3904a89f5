"""Long-form in constant memory: the same book at 1× and 8× its length, espeak-ng voice, local stack.

``python -m bench.longform`` renders tests/corpus/shakuntala/ (all four chapters) once, then eight
times over as one job, each on a fresh worker process, and reports the worker's peak RSS for each and
their ratio (the target is at most 1.15: memory must not grow with the book), and the job's wall time
over pure synthesis time of the same chunks (the target is at most 1.15: checkpoints, encoding and
uploads overlap with synthesis instead of adding to it). Results: bench/results/longform.json.

Encoding overlaps synthesis but cannot finish before the encoder has been through the whole programme,
so the benchmark also times ffmpeg alone on audio of the same length (``encode_seconds``) and reports the
lower bound that puts on the ratio (``floor_ratio``), and runs the 8× job once more as FLAC, a codec much
faster than synthesis, where only kontho's own overhead is left. Both 8× jobs ask for ``reuse: false``,
so every chunk is synthesized.

Then the pipeline without synthesis: the 8× book submitted again in each format (MP3, M4B, Ogg/Opus,
FLAC), every chunk now in the tenant's chunk cache, so the job is assembly, mastering, encoding and
uploads only (``pipeline_x_realtime``: audio seconds per second of the job, from its own created and
finished times), beside ffmpeg alone encoding audio of the same length with one process, as the pipeline
uses (``codec_x_realtime``), and the codec's throughput with two processes over one
(``encode_cores_scaling``, MP3).
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.throughput import CORPUS, REPO, engine_only
from client.http import KonthoClient
from devstack.motoserver import free_port
from devstack.stack import LocalStack
from kontho.jobspec import AudioFormat
from kontho.settings import Settings
from kontho.tenants import LOCAL_KEY
from worker.audio.encode import codec_args
from worker.audio.segments import encoder_processes, frame_samples

RESULTS = REPO / "bench" / "results" / "longform.json"


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc status")


def _encode(wav: Path, fmt: str, out: Path, start: float, seconds: float) -> subprocess.Popen[bytes]:
    args = ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-ss", f"{start:.3f}", "-t", f"{seconds:.3f}"]
    args += ["-i", str(wav), *codec_args(AudioFormat(fmt), Settings().mp3_bitrate), str(out)]
    return subprocess.Popen(args)


def encode_only(wav: Path, seconds: float, fmt: str, processes: int = 1) -> float:
    """Wall seconds ``processes`` ffmpeg encoders at once need for the programme ``wav`` (``seconds``
    long), each its share, with the codec alone: the floor no pipeline can beat. Codecs are much slower on
    speech than on noise, so this is timed on the job's own audio."""
    with tempfile.TemporaryDirectory() as tmp:
        share = seconds / processes
        started = time.monotonic()
        encoders = [
            _encode(wav, fmt, Path(tmp) / f"out-{n}.{fmt}", n * share, share) for n in range(processes)
        ]
        if any(e.wait() != 0 for e in encoders):
            raise RuntimeError(f"ffmpeg could not encode {fmt}")
        return time.monotonic() - started


def _programme(client: KonthoClient, job_id: str, folder: Path) -> Path:
    """A finished FLAC job's audio as WAV: the programme itself, for the codec alone to encode."""
    flac = folder / "programme.flac"
    flac.write_bytes(httpx.get(client.result(job_id)["audio"]["url"], timeout=600).content)
    wav = folder / "programme.wav"
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", str(flac), str(wav)], check=True)
    return wav


def local_stack(state: str) -> LocalStack:
    """A local stack with one worker on free ports, its state in the folder ``state``."""
    settings = Settings(
        api_port=free_port(),
        local_aws_port=free_port(),
        local_workers=1,
        local_state_dir=Path(state),
        poll_wait_seconds=1,
    )
    return LocalStack(settings)


def _seconds(job: dict[str, Any], start: str, end: str) -> float:
    return (datetime.fromisoformat(job[end]) - datetime.fromisoformat(job[start])).total_seconds()


def run_job(client: KonthoClient, text: str, fmt: str, **options: Any) -> dict[str, Any]:
    started = time.monotonic()
    job = client.wait(client.submit(text, format=fmt, **options)["id"], timeout=3600, poll_seconds=0.5)
    if job["status"] != "completed":
        raise RuntimeError(f"job {job['status']}: {job['error']}")
    wall = time.monotonic() - started
    result = client.result(job["id"])
    return {
        "id": job["id"],
        "format": fmt,
        "characters": len(text),
        "audio_seconds": result["audio"]["duration_seconds"],
        "job_wall_seconds": round(wall, 2),
        "job_seconds": round(_seconds(job, "created_at", "finished_at"), 2),
        "chunks_rendered": result["chunks_rendered"],
        "chunks_reused": result["chunks_reused"],
    }


def _with_synthesis(row: dict[str, Any], text: str, wav: Path) -> dict[str, Any]:
    synthesis_wall, _ = engine_only({"book": text}, Settings().chunk_max_chars)
    encode_wall = encode_only(wav, row["audio_seconds"], row["format"])
    row["synthesis_seconds"] = round(synthesis_wall, 2)
    row["encode_seconds"] = round(encode_wall, 2)
    row["overhead_ratio"] = round(row["job_wall_seconds"] / synthesis_wall, 2)
    row["floor_ratio"] = round(max(synthesis_wall, encode_wall) / synthesis_wall, 2)
    # Synthesis and encoding share this machine's cores: the job can end no sooner than their CPU time
    # spread over every core.
    cores = encoder_processes(0)
    row["cpu_floor_ratio"] = round(
        max(synthesis_wall, (synthesis_wall + encode_wall) / cores) / synthesis_wall, 2
    )
    return row


def _processes(fmt: str) -> int:
    """The encoder processes a worker here runs for ``fmt``."""
    if frame_samples(AudioFormat(fmt), 22_050) is None:
        return 1
    return encoder_processes(Settings().encoder_processes)


def main() -> None:
    book = "\n".join(p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("chapter_*.txt")))
    long = "\n".join([book] * 8)
    rows: dict[str, dict[str, Any]] = {}
    free: dict[str, dict[str, Any]] = {}
    with (
        tempfile.TemporaryDirectory() as state,
        tempfile.TemporaryDirectory() as state_8x,
        tempfile.TemporaryDirectory() as folder,
    ):
        with local_stack(state) as stack:
            client = KonthoClient(stack.api_url, api_key=LOCAL_KEY)
            rows["1x"] = run_job(client, book, "flac", reuse=False)
            one = _programme(client, rows["1x"]["id"], Path(folder))
            rows["1x"] = _with_synthesis(run_job(client, book, "mp3", reuse=False), book, one)
            rows["1x"]["worker_peak_rss_mb"] = round(_peak_rss_mb(stack.worker_pids()[0]), 1)
            print(f"1x: {rows['1x']}")
        with local_stack(state_8x) as stack:
            client = KonthoClient(stack.api_url, api_key=LOCAL_KEY)
            mp3 = run_job(client, long, "mp3", reuse=False)
            mp3["worker_peak_rss_mb"] = round(_peak_rss_mb(stack.worker_pids()[0]), 1)
            flac = run_job(client, long, "flac", reuse=False)
            wav = _programme(client, flac["id"], Path(folder))
            rows["8x"] = _with_synthesis(mp3, long, wav)
            print(f"8x: {rows['8x']}")
            rows["8x_flac"] = _with_synthesis(flac, long, wav)
            print(f"8x_flac: {rows['8x_flac']}")
            for fmt in ("mp3", "m4b", "ogg", "flac"):
                row = run_job(client, long, fmt)
                if row["chunks_rendered"]:
                    raise RuntimeError(
                        f"the synthesis-free {fmt} job rendered {row['chunks_rendered']} chunks"
                    )
                # The codec alone with as many encoders as the job's pipeline ran (FLAC is not split).
                codec = encode_only(wav, row["audio_seconds"], fmt, _processes(fmt))
                row["pipeline_x_realtime"] = round(row["audio_seconds"] / row["job_seconds"], 1)
                row["codec_x_realtime"] = round(row["audio_seconds"] / codec, 1)
                row["pipeline_to_codec"] = round(row["pipeline_x_realtime"] / row["codec_x_realtime"], 3)
                free[fmt] = row
                print(f"synthesis-free {fmt}: {row}")
        audio = rows["8x"]["audio_seconds"]
        scaling = encode_only(wav, audio, "mp3", 1) / encode_only(wav, audio, "mp3", 2)
    report = {
        "benchmark": "longform",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "voice": "bn-espeak",
        "peak_rss_mb_1x": rows["1x"]["worker_peak_rss_mb"],
        "peak_rss_mb_8x": rows["8x"]["worker_peak_rss_mb"],
        "rss_ratio": round(rows["8x"]["worker_peak_rss_mb"] / rows["1x"]["worker_peak_rss_mb"], 3),
        "overhead_ratio": rows["8x"]["overhead_ratio"],
        "floor_ratio": rows["8x"]["floor_ratio"],
        "cpu_floor_ratio": rows["8x"]["cpu_floor_ratio"],
        "cores": encoder_processes(0),
        "overhead_ratio_flac": rows["8x_flac"]["overhead_ratio"],
        "pipeline_x_realtime": {fmt: row["pipeline_x_realtime"] for fmt, row in free.items()},
        "codec_x_realtime": {fmt: row["codec_x_realtime"] for fmt, row in free.items()},
        "encoder_processes": {fmt: _processes(fmt) for fmt in free},
        "encode_cores_scaling": round(scaling, 2),
        "runs": rows,
        "synthesis_free": free,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(
        f"rss ratio {report['rss_ratio']}, overhead ratio (8x) {report['overhead_ratio']} "
        f"(floor {report['floor_ratio']}, flac {report['overhead_ratio_flac']}); synthesis-free x realtime "
        f"{report['pipeline_x_realtime']} vs codec {report['codec_x_realtime']}; wrote {RESULTS.name}"
    )


if __name__ == "__main__":
    main()
