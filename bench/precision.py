"""How faithful reduced precision is: the same chunks in fp32 and in fp16/bf16, on a full-size VITS.

``python -m bench.precision [--device cpu|cuda] [--precision bf16|fp16]`` renders the first paragraphs
of chapter 1 of tests/corpus/shakuntala/ both ways with the same seeds and reports, per chunk and
overall, the signal-to-difference ratio (dB), the correlation and the wall time of each.
Results: bench/results/precision-<device>-<precision>.json.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import torch

from bench.engine import CORPUS, FRAMES_PER_TOKEN, RESULTS
from devstack.vits_models import build_vits, fix_speaking_rate
from kontho.settings import Settings
from kontho.text.frontend import prepare
from kontho.voices import Voice
from worker.engines.vits import VitsEngine


def render(
    model_dir: Path, device: str, precision: str, texts: list[str]
) -> tuple[list[np.ndarray[Any, Any]], float]:
    settings = Settings(device=device, vits_precision=precision)  # type: ignore[arg-type]
    engine = VitsEngine(Voice(id="bench", engine="vits", model=str(model_dir)), settings)
    engine.load()
    fix_speaking_rate(engine._model, FRAMES_PER_TOKEN)
    list(engine.synthesize(texts[:1]))
    started = time.perf_counter()
    audio = [a.astype(np.float64) for a in engine.synthesize(texts)]
    return audio, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.precision", description=__doc__)
    parser.add_argument(
        "--device", choices=["cpu", "cuda"], default="cuda" if torch.cuda.is_available() else "cpu"
    )
    parser.add_argument("--precision", choices=["bf16", "fp16"], default="bf16")
    parser.add_argument("--chunks", type=int, default=6)
    args = parser.parse_args()
    text = (CORPUS / "chapter_1.txt").read_text(encoding="utf-8")
    texts = [c.text for c in prepare(text, 300).chunks][1 : args.chunks + 1]
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = build_vits(Path(tmp) / "full", tiny=False)
        reference, ref_wall = render(model_dir, args.device, "fp32", texts)
        reduced, red_wall = render(model_dir, args.device, args.precision, texts)
    rows = []
    for a, b in zip(reference, reduced, strict=True):
        n = min(len(a), len(b))
        noise = float(((a[:n] - b[:n]) ** 2).sum())
        rows.append(
            {
                "samples": [len(a), len(b)],
                "snr_db": round(10 * np.log10(float((a[:n] ** 2).sum()) / max(noise, 1e-12)), 1),
                "correlation": round(float(np.corrcoef(a[:n], b[:n])[0, 1]), 5),
            }
        )
    report = {
        "benchmark": "precision",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "device": args.device,
        "precision": args.precision,
        "model": "Coqui VitsConfig defaults, random weights",
        "min_snr_db": min(r["snr_db"] for r in rows),
        "min_correlation": min(r["correlation"] for r in rows),
        "fp32_wall_seconds": round(ref_wall, 2),
        "reduced_wall_seconds": round(red_wall, 2),
        "chunks": rows,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"precision-{args.device}-{args.precision}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(
        f"{args.precision} vs fp32 on {args.device}: min SNR {report['min_snr_db']} dB, min correlation "
        f"{report['min_correlation']}, wall {ref_wall:.1f} s → {red_wall:.1f} s; wrote {path.name}"
    )


if __name__ == "__main__":
    main()
