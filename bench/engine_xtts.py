"""Coqui's XTTS path against kontho's XTTS engine, on a full-size XTTS v2 with random weights.

``python -m bench.engine --engine xtts [--device cpu|cuda] [--max-chars N] [--precision fp16]`` builds
Coqui's default XTTS v2 architecture (GPT of 30 layers × 1024 channels, HiFi-GAN decoder, speaker encoder)
with random weights and a Bangla tokenizer, and reads the first characters of a chapter of
tests/corpus/shakuntala/ two ways, each in its own process:

- kontho: the front-end's chunks (under XTTS's 150-character limit for bn) through
  ``XttsEngine.synthesize``, with the pauses a job inserts;
- baseline: ``TTS.utils.synthesizer.Synthesizer.tts()``, the path of ``TTS.api``, over the whole text.

Random weights almost never sample the stop token, so both generate a fixed number of audio tokens per
text token (``--tokens-per-token``, 1.5: about 14 characters a second at XTTS's 21.5 tokens a second):
one logits processor, handed to transformers' ``generate`` by both, suppresses the stop token until then
and forces it there. Both read the same speaker: kontho computes the reference clip's conditioning and
saves it as Coqui's ``speakers_xtts.pth``, which the baseline names (``torchaudio.load``, Coqui's way
to read a clip, needs CUDA libraries this CPU lacks). Coqui refuses ``bn`` in its text cleaners, so the
baseline reads the same Bangla text under ``hi`` (its cleaners leave Bangla letters alone, and pysbd's
Hindi rules split at the danda); the token counts are the same but for the language token.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path
from typing import Any

import torch
from transformers import LogitsProcessor, LogitsProcessorList

from bench.engine import REPO, _peak_memory_mb, _sync, run_contender

SPEAKER = "narrator"
_CONDITIONING_LATENTS = 32  # the perceiver's output: what precedes the text in the GPT's prompt


class FixedLength(LogitsProcessor):
    """Every generation gets round(k × its text tokens) audio tokens, then the stop token.

    One instance serves every ``generate`` call of a ``Synthesizer.tts`` (Coqui passes the same options
    for each sentence): a call's first step is known by its prompt, all ``1`` but the last token, the
    start-of-audio token (Coqui's ``GPT.compute_embeddings``); once audio follows it, that never recurs.
    """

    def __init__(self, per_text_token: float, start: int, stop: int) -> None:
        self._k = per_text_token
        self._start = start
        self._stop = stop
        self._prefix = 0
        self._target = 0

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        ids = input_ids[0]
        length = ids.shape[0]
        if int(ids[-1]) == self._start and bool((ids[:-1] == 1).all()):
            self._prefix = length
            text_tokens = length - _CONDITIONING_LATENTS - 3  # [START] … [STOP], then the audio start
            self._target = max(1, round(self._k * text_tokens))
        if length - self._prefix < self._target:
            scores[:, self._stop] = -math.inf
        else:
            scores[:, :] = -math.inf
            scores[:, self._stop] = 0.0
        return scores


def fixed_length(model: Any, per_text_token: float) -> dict[str, Any]:
    start, stop = int(model.gpt.start_audio_token), int(model.gpt.stop_audio_token)
    return {"logits_processor": LogitsProcessorList([FixedLength(per_text_token, start, stop)])}


def run_kontho(model_dir: Path, clip: Path, text: str, args: argparse.Namespace) -> dict[str, Any]:
    from kontho.settings import Settings
    from kontho.text.frontend import pause_after, pauses_for, prepare
    from kontho.voices import Voice, VoiceParams
    from worker.engines import xtts
    from worker.engines.xtts_conditioning import ConditioningStore

    class MemoryOnly(ConditioningStore):
        """No bucket here: the conditioning is computed and held in memory."""

        def _read_cached(self, digest: str) -> None:
            return None

        def _write_cached(self, digest: str, tensors: tuple[torch.Tensor, torch.Tensor]) -> None:
            return None

    class FixedLengthEngine(xtts.XttsEngine):
        def generate_options(self, text: str) -> dict[str, Any]:
            return fixed_length(self._model, args.tokens_per_token)

    settings = Settings(device=args.device, xtts_precision=args.precision)
    xtts.CONDITIONING_STORES[settings.bucket] = MemoryOnly(lambda: None, settings.bucket)  # type: ignore[arg-type,return-value]
    voice = Voice(
        id="bench",
        engine="xtts",
        model=str(model_dir),
        sample_rate=24_000,
        references=(str(clip),),
        params=VoiceParams(),
    )
    engine = FixedLengthEngine(voice, settings)
    engine.load()
    assert engine.conditioning is not None
    speakers = {
        SPEAKER: {
            "gpt_cond_latent": engine.conditioning.gpt_cond_latent,
            "speaker_embedding": engine.conditioning.speaker_embedding,
        }
    }
    torch.save(speakers, model_dir / "speakers_xtts.pth")  # the baseline's speaker: the same conditioning
    list(engine.synthesize(["ক।"]))
    prepared = prepare(text, engine.max_chunk_chars, engine.vocabulary).chunks
    chunks = [c.text for c in prepared]
    sentence_ms, paragraph_ms = pauses_for(voice.params, settings)
    pauses = sum(pause_after(c.boundary, sentence_ms, paragraph_ms) for c in prepared) / 1000
    _sync(args.device)
    started, cpu = time.perf_counter(), time.process_time()
    samples = sum(audio.shape[0] for audio in engine.synthesize(chunks))
    _sync(args.device)
    wall = time.perf_counter() - started
    return {
        "wall_seconds": wall,
        "cpu_seconds": time.process_time() - cpu,
        "audio_seconds": samples / engine.sample_rate + pauses,
        "speech_seconds": samples / engine.sample_rate,
        "chunks": len(chunks),
        "characters": sum(len(c) for c in chunks),
        "precision": args.precision,
        "parameters": sum(p.numel() for p in engine._model.parameters()),
        **_peak_memory_mb(args.device),
    }


def run_baseline(model_dir: Path, text: str, args: argparse.Namespace) -> dict[str, Any]:
    from TTS.utils.synthesizer import Synthesizer

    from worker.engines.xtts_registry import accept_cache_keyword

    synth = Synthesizer(
        tts_checkpoint=str(model_dir),
        tts_config_path=str(model_dir / "config.json"),
        use_cuda=args.device == "cuda",
    )
    # transformers 5.2x hands Coqui's GPT its KV cache under a new name: without this it cannot run.
    accept_cache_keyword(synth.tts_model.gpt.gpt_inference)
    options = {"speaker_name": SPEAKER, "language_name": "hi"}
    synth.tts("ক।", **options, **fixed_length(synth.tts_model, args.tokens_per_token))  # warm-up
    _sync(args.device)
    started, cpu = time.perf_counter(), time.process_time()
    wav = synth.tts(text, **options, **fixed_length(synth.tts_model, args.tokens_per_token))
    _sync(args.device)
    wall = time.perf_counter() - started
    return {
        "wall_seconds": wall,
        "cpu_seconds": time.process_time() - cpu,
        "audio_seconds": len(wav) / synth.output_sample_rate,
        "sentences": len(synth.split_into_sentences(text, "hi")),
        "characters": len(text),
        **_peak_memory_mb(args.device),
    }


def contender(name: str, args: argparse.Namespace, model_dir: Path, out: Path) -> dict[str, Any]:
    flags = ("device", "chapter", "max_chars", "tokens_per_token", "precision")
    result = run_contender("bench.engine_xtts", name, args, flags, model_dir, out)
    # The machines are shared: CPU seconds are what the contender itself spent, whatever else ran.
    result["audio_seconds_per_cpu_second"] = round(result["audio_seconds"] / result["cpu_seconds"], 3)
    return result


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--tokens-per-token", type=float, default=1.5, help="XTTS: audio tokens per text token"
    )
    parser.add_argument("--precision", choices=["fp32", "fp16", "bf16"], default="fp32", help="XTTS on a GPU")
    parser.add_argument(
        "--tiny", action="store_true", help="XTTS: the tests' tiny model (checks the run only)"
    )


def benchmark(args: argparse.Namespace) -> None:
    """Both contenders on a full-size checkpoint; results in bench/results/engine-xtts-<device>.json."""
    import platform
    import tempfile
    from datetime import UTC, datetime

    from bench.engine import RESULTS
    from devstack.xtts_models import build_xtts, reference_clip

    # A whole chapter would take most of an hour on a CPU: a few sentences tell the ratio.
    args.max_chars = args.max_chars or 400
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = build_xtts(Path(tmp) / "full", tiny=args.tiny)
        (Path(tmp) / "reference.wav").write_bytes(reference_clip(6.0))
        # kontho first: it writes the speakers file (its conditioning of the clip) that the baseline reads.
        kontho = contender("kontho", args, model_dir, Path(tmp) / "kontho.json")
        baseline = contender("baseline", args, model_dir, Path(tmp) / "baseline.json")
    device_name = torch.cuda.get_device_name() if args.device == "cuda" else platform.processor() or "cpu"
    report = {
        "benchmark": "engine-xtts",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "device": args.device,
        "device_name": device_name,
        "torch": torch.__version__,
        "model": {
            "architecture": "Coqui XttsConfig defaults (XTTS v2: perceiver conditioning), random weights",
            "parameters": kontho["parameters"],
            "audio_tokens_per_text_token": args.tokens_per_token,
        },
        "text": {"chapter": args.chapter, "characters": args.max_chars},
        "baseline_x_realtime": baseline["x_realtime"],
        "kontho_x_realtime": kontho["x_realtime"],
        "ratio": round(kontho["x_realtime"] / baseline["x_realtime"], 2),
        "ratio_by_cpu_seconds": round(
            kontho["audio_seconds_per_cpu_second"] / baseline["audio_seconds_per_cpu_second"], 2
        ),
        "peak_rss_mb": {"baseline": baseline["peak_rss_mb"], "kontho": kontho["peak_rss_mb"]},
        "baseline": baseline,
        "kontho": kontho,
    }
    if args.device == "cpu":
        report["fp16"] = "not run: half precision is for a GPU, and none was at hand for this run"
    suffix = "" if args.precision == "fp32" else f"-{args.precision}"
    path = RESULTS / f"engine-xtts-{args.device}{suffix}{'-tiny' if args.tiny else ''}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"{'contender':<10}{'audio s':>9}{'wall s':>9}{'CPU s':>9}{'x real time':>13}{'peak RSS MB':>13}")
    for name, r in (("baseline", baseline), ("kontho", kontho)):
        print(
            f"{name:<10}{r['audio_seconds']:>9.1f}{r['wall_seconds']:>9.1f}{r['cpu_seconds']:>9.1f}"
            f"{r['x_realtime']:>13.3f}{r['peak_rss_mb']:>13.0f}"
        )
    print(
        f"kontho / baseline = {report['ratio']}x by wall time, {report['ratio_by_cpu_seconds']}x by CPU time "
        f"on {args.device}; wrote {path.relative_to(REPO)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.engine_xtts")
    parser.add_argument("--run", choices=["baseline", "kontho"], required=True)
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--chapter", type=int, default=1)
    parser.add_argument("--max-chars", type=int, default=0)
    add_arguments(parser)
    args = parser.parse_args()
    from bench.engine import CORPUS

    text = (CORPUS / f"chapter_{args.chapter}.txt").read_text(encoding="utf-8")
    text = text[: args.max_chars] if args.max_chars else text
    if args.run == "kontho":
        result = run_kontho(args.model, args.model.parent / "reference.wav", text, args)
    else:
        result = run_baseline(args.model, text, args)
    args.out.write_text(json.dumps(result))


if __name__ == "__main__":
    main()
