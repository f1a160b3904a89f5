"""A worker's memory for each VITS voice it holds: several models, and several speakers of one model.

``python -m bench.voices_memory [--device cpu|cuda]`` builds full-size Coqui VITS models with random
weights (Coqui's default architecture, the same size and compute as a trained one): two single-speaker
models with different seeds and one two-speaker model. Each scenario then runs in a fresh process, as a
worker would: import the engine, load the scenario's voices through ``VitsEngine.load`` (the process-wide
model registry included) and render one warm-up sentence with each. After each voice it records the
process's peak resident memory (VmHWM, from ``/proc/self/status``) and what it holds (VmRSS once glibc's
``malloc_trim`` has handed freed pages back, so that the allocator's slack does not count as a model's).

Scenarios: no voice (the engine's imports only), one voice, two voices on two models, one speaker of
the two-speaker model, and both of its speakers as two voices. What one more voice costs is read within
a process, from the step before it: processes differ from one another by tens of MB of allocator state.
Random weights predict meaningless durations, so every voice speaks at the same fixed rate (3 frames a
token, as in ``bench.engine``). Results: bench/results/voices-memory-<device>.json.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
FRAMES_PER_TOKEN = 3
SENTENCE = "মালিনীর জল বড় স্থির, আয়নার মত; তাতে গাছের ছায়া, নীল আকাশের ছায়া, রাঙা মেঘের ছায়া।"
SPEAKERS = ("rahim", "karim")
# Each scenario: the voices it loads, as (model, speaker).
SCENARIOS: dict[str, list[tuple[str, str | None]]] = {
    "no_voice": [],
    "one_model": [("seed0", None)],
    "two_models": [("seed0", None), ("seed1", None)],
    "one_speaker_of_a_two_speaker_model": [("duo", "rahim")],
    "two_speakers_of_one_model": [("duo", "rahim"), ("duo", "karim")],
}


def _status_mb() -> dict[str, float]:
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in {"VmHWM", "VmRSS"}:
            fields[name] = round(int(value.split()[0]) / 1024, 1)
    return fields


def _memory_mb() -> dict[str, float]:
    before = _status_mb()
    # Not glibc: what is held then includes the allocator's slack.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    return {"peak_rss_mb": before["VmHWM"], "rss_mb": before["VmRSS"], "held_rss_mb": _status_mb()["VmRSS"]}


def run_scenario(models: Path, voices: list[tuple[str, str | None]], device: str) -> dict[str, Any]:
    """In this process: load each voice, render the sentence with it, and report memory."""
    import torch

    # What every worker imports before its first voice, so that the no-voice process is the baseline.
    import TTS.tts.models.vits  # noqa: F401

    from devstack.vits_models import fix_speaking_rate
    from kontho.settings import Settings
    from kontho.voices import Voice
    from worker.engines.vits import VitsEngine
    from worker.engines.vits_registry import MODELS

    settings = Settings(device=device)  # type: ignore[arg-type]
    steps = [{"after": "imports", **_memory_mb()}]
    engines = []
    for i, (model, speaker) in enumerate(voices):
        started = time.perf_counter()
        voice = Voice(id=f"bench-{i}", engine="vits", model=str(models / model), speaker=speaker)
        engine = VitsEngine(voice, settings)
        engine.load()
        fix_speaking_rate(engine._model, FRAMES_PER_TOKEN)
        samples = next(engine.synthesize([SENTENCE])).shape[0]
        engines.append(engine)
        step = {
            "after": f"{model}{'/' + speaker if speaker else ''}",
            "seconds": round(time.perf_counter() - started, 2),
            "audio_seconds": round(samples / engine.sample_rate, 2),
            **_memory_mb(),
        }
        if device == "cuda":
            step["gpu_allocated_mb"] = round(torch.cuda.memory_allocated() / 2**20, 1)
        steps.append(step)
    loaded = MODELS.loaded()
    result: dict[str, Any] = {
        "voices": len(voices),
        "models_loaded": len(loaded),
        "model_loads": MODELS.loads,
        "weights_mb": round(
            sum(p.numel() * p.element_size() for m in loaded for p in m.model.parameters()) / 2**20, 1
        ),
        "steps": steps,
        **_memory_mb(),
    }
    if device == "cuda":
        result["peak_gpu_mb"] = round(torch.cuda.max_memory_allocated() / 2**20, 1)
    return result


def build_models(folder: str | Path) -> None:
    folder = Path(folder)
    from devstack.vits_models import build_vits

    build_vits(folder / "seed0", tiny=False, seed=0)
    build_vits(folder / "seed1", tiny=False, seed=1)
    build_vits(folder / "duo", tiny=False, seed=2, speakers=SPEAKERS)


def _in_fresh_process(name: str, models: Path, device: str, out: Path) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "bench.voices_memory", "--scenario", name, "--models", str(models)]
    subprocess.run([*cmd, "--device", device, "--out", str(out)], cwd=REPO, check=True)
    result: dict[str, Any] = json.loads(out.read_text())
    return result


def summarise(runs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    def peak(name: str) -> float:
        return float(runs[name]["peak_rss_mb"])

    def added(name: str, step: int) -> float:
        """What voice ``step`` (1-based) of a scenario added to the memory its process holds."""
        steps = runs[name]["steps"]
        return round(float(steps[step]["held_rss_mb"]) - float(steps[step - 1]["held_rss_mb"]), 1)

    return {
        "peak_rss_mb": {
            "0_models": peak("no_voice"),
            "1_model": peak("one_model"),
            "2_models": peak("two_models"),
            "1_speaker_of_a_2_speaker_model": peak("one_speaker_of_a_two_speaker_model"),
            "2_speakers_of_one_model": peak("two_speakers_of_one_model"),
        },
        "weights_mb_per_model": runs["one_model"]["weights_mb"],
        "first_model_held_mb": added("one_model", 1),
        "second_model_held_mb": added("two_models", 2),
        "second_speaker_held_mb": added("two_speakers_of_one_model", 2),
        "model_loads_for_2_speakers": runs["two_speakers_of_one_model"]["model_loads"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.voices_memory", description=__doc__)
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--output", type=Path, default=None)
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), help=argparse.SUPPRESS)
    parser.add_argument("--models", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scenario:  # one scenario, in the fresh process the parent started
        args.out.write_text(json.dumps(run_scenario(args.models, SCENARIOS[args.scenario], args.device)))
        return

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kontho-voices-memory-") as workdir:
        models = Path(workdir) / "models"
        subprocess.run(
            [
                sys.executable,
                "-c",
                f"from bench.voices_memory import build_models; build_models({str(models)!r})",
            ],
            cwd=REPO,
            check=True,
        )
        runs = {
            name: _in_fresh_process(name, models, args.device, Path(workdir) / f"{name}.json")
            for name in SCENARIOS
        }
    result = {
        "recorded": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "system": platform.system(),
            "device": args.device,
        },
        "model": "Coqui VITS default architecture, random weights, Bangla graphemes, 22,050 Hz",
        "warm_up_sentence_chars": len(SENTENCE),
        "frames_per_token": FRAMES_PER_TOKEN,
        "wall_seconds": round(time.perf_counter() - started, 1),
        "summary": summarise(runs),
        "scenarios": runs,
    }
    output = args.output or RESULTS / f"voices-memory-{args.device}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result["summary"], indent=2))


if __name__ == "__main__":
    main()
