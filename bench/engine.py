"""Coqui's Synthesizer against kontho's batched VITS engine, on a full-size model, in one run.

``python -m bench.engine [--device cpu|cuda] [--chapter N] [--max-chars N]`` builds Coqui's default
(full-size) VITS with random weights and a Bangla grapheme set, fixes both contenders' speaking rate to
the same durations (random weights predict meaningless ones), and renders the same chapter of
tests/corpus/shakuntala/:

- baseline: ``TTS.utils.synthesizer.Synthesizer.tts()`` over the text, as Coqui's server does it;
- kontho: the front-end's chunks through ``VitsEngine.synthesize`` in length-sorted batches.

Each contender runs in its own process so that peak memory is its own. Results:
bench/results/engine-<device>.json.

``--engine xtts`` runs the same comparison for XTTS v2 voices (bench/engine_xtts.py): results in
bench/results/engine-xtts-<device>.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import torch

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "tests" / "corpus" / "shakuntala"
RESULTS = REPO / "bench" / "results"
# 3 frames a token; with a blank between characters that is 6 frames, about 14 characters a second.
FRAMES_PER_TOKEN = 3


def _peak_memory_mb(device: str) -> dict[str, float]:
    peak = {"peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}
    if device == "cuda":
        peak["peak_gpu_mb"] = round(torch.cuda.max_memory_allocated() / 2**20, 1)
    return peak


def _sync(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def run_baseline(model_dir: Path, text: str, device: str) -> dict[str, Any]:
    from TTS.utils.synthesizer import Synthesizer

    from devstack.vits_models import fix_speaking_rate

    synth = Synthesizer(
        tts_checkpoint=str(model_dir / "model.pth"),
        tts_config_path=str(model_dir / "config.json"),
        use_cuda=device == "cuda",
    )
    fix_speaking_rate(synth.tts_model, FRAMES_PER_TOKEN)
    synth.tts("ক।")  # warm-up
    _sync(device)
    started = time.perf_counter()
    wav = synth.tts(text)
    _sync(device)
    wall = time.perf_counter() - started
    return {
        "wall_seconds": wall,
        "audio_seconds": len(wav) / synth.output_sample_rate,
        "characters": len(text),
        **_peak_memory_mb(device),
    }


def run_kontho(model_dir: Path, text: str, device: str, batch_tokens: int) -> dict[str, Any]:
    from devstack.vits_models import fix_speaking_rate
    from kontho.settings import Settings
    from kontho.text.frontend import pause_after, pauses_for, prepare
    from kontho.voices import Voice
    from worker.engines.vits import VitsEngine

    settings = Settings(device=device, vits_batch_tokens=batch_tokens)  # type: ignore[arg-type]
    engine = VitsEngine(Voice(id="bench", engine="vits", model=str(model_dir)), settings)
    engine.load()
    fix_speaking_rate(engine._model, FRAMES_PER_TOKEN)
    list(engine.synthesize(["ক।"]))
    prepared = prepare(text, settings.chunk_max_chars, engine.vocabulary).chunks
    chunks = [c.text for c in prepared]
    # The pauses a job inserts between chunks are part of its programme, as the baseline's are of its.
    sentence_ms, paragraph_ms = pauses_for(engine.voice.params, settings)
    pauses = sum(pause_after(c.boundary, sentence_ms, paragraph_ms) for c in prepared) / 1000
    _sync(device)
    started = time.perf_counter()
    samples = sum(audio.shape[0] for audio in engine.synthesize(chunks))
    _sync(device)
    wall = time.perf_counter() - started
    return {
        "wall_seconds": wall,
        "audio_seconds": samples / engine.sample_rate + pauses,
        "speech_seconds": samples / engine.sample_rate,
        "chunks": len(chunks),
        "characters": sum(len(c) for c in chunks),
        "batch_tokens": batch_tokens,
        **_peak_memory_mb(device),
    }


def run_contender(
    module: str, name: str, args: argparse.Namespace, flags: tuple[str, ...], model_dir: Path, out: Path
) -> dict[str, Any]:
    """Run contender ``name`` of ``module`` in a process of its own, passing on ``args``' ``flags``."""
    cmd = [sys.executable, "-m", module, "--run", name, "--model", str(model_dir), "--out", str(out)]
    for flag in flags:
        cmd += [f"--{flag.replace('_', '-')}", str(getattr(args, flag))]
    subprocess.run(cmd, cwd=REPO, check=True)
    result: dict[str, Any] = json.loads(out.read_text())
    result["x_realtime"] = round(result["audio_seconds"] / result["wall_seconds"], 3)
    result["characters_per_second"] = round(result["characters"] / result["wall_seconds"], 1)
    return result


def _contender(name: str, args: argparse.Namespace, model_dir: Path, out: Path) -> dict[str, Any]:
    flags = ("device", "chapter", "max_chars", "batch_tokens")
    result = run_contender("bench.engine", name, args, flags, model_dir, out)
    result["x_realtime"] = round(result["x_realtime"], 2)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.engine", description=__doc__)
    parser.add_argument(
        "--device", choices=["cpu", "cuda"], default="cuda" if torch.cuda.is_available() else "cpu"
    )
    parser.add_argument("--chapter", type=int, default=1)
    parser.add_argument("--max-chars", type=int, default=0, help="use only the first N characters (0: all)")
    parser.add_argument("--batch-tokens", type=int, default=6000, help="GPU batch budget (CPU runs batch 1)")
    parser.add_argument("--engine", choices=["vits", "xtts"], default="vits")
    from bench.engine_xtts import add_arguments

    add_arguments(parser)
    parser.add_argument("--run", choices=["baseline", "kontho"], help=argparse.SUPPRESS)
    parser.add_argument("--model", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.engine == "xtts":
        from bench.engine_xtts import benchmark

        benchmark(args)
        return
    text = (CORPUS / f"chapter_{args.chapter}.txt").read_text(encoding="utf-8")
    text = text[: args.max_chars] if args.max_chars else text

    if args.run:
        result = (
            run_baseline(args.model, text, args.device)
            if args.run == "baseline"
            else run_kontho(args.model, text, args.device, args.batch_tokens)
        )
        args.out.write_text(json.dumps(result))
        return

    from devstack.vits_models import build_vits

    with tempfile.TemporaryDirectory() as tmp:
        model_dir = build_vits(Path(tmp) / "full", tiny=False)
        params = sum(
            p.numel() for p in torch.load(model_dir / "model.pth", weights_only=False)["model"].values()
        )
        baseline = _contender("baseline", args, model_dir, Path(tmp) / "baseline.json")
        kontho = _contender("kontho", args, model_dir, Path(tmp) / "kontho.json")
    device_name = torch.cuda.get_device_name() if args.device == "cuda" else platform.processor() or "cpu"
    report = {
        "benchmark": "engine",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "device": args.device,
        "device_name": device_name,
        "torch": torch.__version__,
        "model": {
            "architecture": "Coqui VitsConfig defaults, random weights",
            "parameters": params,
            "frames_per_token": FRAMES_PER_TOKEN,
        },
        "text": {"chapter": args.chapter, "characters": len(text)},
        "baseline_x_realtime": baseline["x_realtime"],
        "kontho_x_realtime": kontho["x_realtime"],
        "ratio": round(kontho["x_realtime"] / baseline["x_realtime"], 2),
        "peak_rss_mb": {"baseline": baseline["peak_rss_mb"], "kontho": kontho["peak_rss_mb"]},
        "baseline": baseline,
        "kontho": kontho,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"engine-{args.device}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"{'contender':<10}{'audio s':>9}{'wall s':>9}{'x real time':>13}{'chars/s':>9}{'peak RSS MB':>13}")
    for name, r in (("baseline", baseline), ("kontho", kontho)):
        print(
            f"{name:<10}{r['audio_seconds']:>9.1f}{r['wall_seconds']:>9.1f}{r['x_realtime']:>13.2f}"
            f"{r['characters_per_second']:>9.1f}{r['peak_rss_mb']:>13.0f}"
        )
    print(f"kontho / baseline = {report['ratio']}x on {args.device}; wrote {path.relative_to(REPO)}")


if __name__ == "__main__":
    main()
