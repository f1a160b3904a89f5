"""How many CPU cores a GPU worker needs beside its GPU, by output format.

Everything after synthesis runs on the CPU: the feeder (loudness meter, gain, limiter) on one core and the
ffmpeg encoders, in segments, on the others (``worker/audio/segments.py``). The codec speeds come from the
long-form benchmark (``bench/results/longform.json``: ffmpeg alone on a real programme, spread over the
encoders the pipeline ran); what one core encodes is that speed divided by the encoders. A GPU that
synthesizes at G× real time stays busy when the encoders together keep up: G ÷ (per-core speed) cores for
them, and one more for the feeder, the text front end and S3 transfers.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

FORMATS = ("mp3", "m4b", "ogg", "flac")


@dataclass(frozen=True)
class EncoderCost:
    fmt: str
    x_realtime_per_core: float
    """Audio seconds one core encodes per second, on speech."""

    @property
    def cpu_seconds_per_audio_hour(self) -> float:
        return 3600.0 / self.x_realtime_per_core

    def cores_for(self, gpu_x_realtime: float) -> int:
        """Cores a worker whose GPU synthesizes at ``gpu_x_realtime`` needs so the encoders never hold it."""
        return math.ceil(gpu_x_realtime / self.x_realtime_per_core) + 1


def measured_costs(longform: Path) -> list[EncoderCost]:
    """Per-core codec speeds from a recorded long-form run; empty when there is none."""
    if not longform.exists():
        return []
    report = json.loads(longform.read_text())
    codec = report.get("codec_x_realtime", {})
    processes = report.get("encoder_processes", {})
    costs = []
    for fmt in FORMATS:
        if fmt in codec:
            encoders = processes.get(fmt, 1) if isinstance(processes, dict) else int(processes)
            costs.append(EncoderCost(fmt, float(codec[fmt]) / max(1, int(encoders))))
    return costs


def markdown(costs: list[EncoderCost], gpu_x_realtime: float) -> list[str]:
    if not costs:
        return ["No long-form benchmark is recorded: run `python -m bench.longform` for the encoder costs."]
    faster = gpu_x_realtime * 10
    lines = [
        f"| format | × real time per core | CPU s per audio hour | cores at {gpu_x_realtime:g}× GPU "
        f"| cores at {faster:g}× GPU |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for cost in costs:
        lines.append(
            f"| {cost.fmt} | {cost.x_realtime_per_core:,.0f} | {cost.cpu_seconds_per_audio_hour:,.1f} "
            f"| {cost.cores_for(gpu_x_realtime)} | {cost.cores_for(faster)} |"
        )
    return lines
