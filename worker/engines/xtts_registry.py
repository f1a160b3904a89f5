"""XTTS checkpoints loaded once per process, however many voices clone with them.

Every tenant's cloned voice names the same base checkpoint (about 2 GB of weights); the registry keeps one
loaded model per checkpoint folder and device, and each voice brings only its own conditioning
(``worker.engines.xtts_conditioning``).

Loading is Coqui's own path: ``XttsConfig.load_json`` → ``Xtts(config)`` (what ``Xtts.init_from_config``
does) → ``load_checkpoint(config, checkpoint_dir, vocab_path, eval=True, use_deepspeed=False)``, which
reads ``model.pth`` (``{"model": state_dict}``), the tokenizer's ``vocab.json`` and, when present,
``speakers_xtts.pth``, and drops the trainer's DVAE and mel-spectrogram weights that inference does not use.
"""

from __future__ import annotations

import hashlib
import threading
import types
from pathlib import Path
from typing import Any

import structlog
import torch

from kontho.errors import ModelLoadFailed
from worker.engines import xtts_text
from worker.engines.model_registry import ModelRegistry

log = structlog.get_logger(__name__)

INFERENCE_LOCK = threading.Lock()
"""Held around every XTTS generation: sampling seeds torch's process-wide generator, and Coqui's GPT
keeps the prompt of the call in hand on the model itself (``store_prefix_emb``)."""

_FILES = ("config.json", "model.pth", "vocab.json")
_SPEAKERS = "speakers_xtts.pth"


def find_xtts_files(folder: Path) -> tuple[Path, Path, Path]:
    """config.json, model.pth and vocab.json of a checkpoint folder, as Coqui's loader looks for them."""
    missing = [name for name in _FILES if not (folder / name).is_file()]
    if missing:
        raise ModelLoadFailed(f"XTTS checkpoint folder {folder} has no {', '.join(missing)}")
    config, weights, vocab = (folder / name for name in _FILES)
    return config, weights, vocab


def checkpoint_fingerprint(folder: Path) -> str:
    """Coqui's version, the config and tokenizer as they are, and the checkpoint's size (and S3 marker).

    Hashing two gigabytes of weights on every start would cost seconds; a retrained checkpoint changes
    its size or its config, and from S3 its ETag, which the model cache's marker records.
    """
    from importlib.metadata import version

    config, weights, vocab = find_xtts_files(folder)
    digest = hashlib.sha256(config.read_bytes())
    digest.update(vocab.read_bytes())
    digest.update(f"{weights.name}|{weights.stat().st_size}".encode())
    for extra in (folder / _SPEAKERS, folder / ".complete"):
        if extra.is_file():
            digest.update(extra.name.encode() + str(extra.stat().st_size).encode())
    return f"xtts|coqui-tts {version('coqui-tts')}|{digest.hexdigest()[:16]}"


def accept_cache_keyword(inference_model: Any) -> None:
    """Let Coqui's GPT2InferenceModel take the KV cache from transformers ≥ 5.2x, which passes it as
    ``cache=``; its ``forward`` still reads ``past_key_values`` and would otherwise run without one."""
    forward = type(inference_model).forward

    def forward_with_cache(self: Any, *args: Any, cache: Any = None, **kwargs: Any) -> Any:
        if cache is not None and kwargs.get("past_key_values") is None:
            kwargs["past_key_values"] = cache
        return forward(self, *args, **kwargs)

    inference_model.forward = types.MethodType(forward_with_cache, inference_model)


def load_xtts(folder: Path, device: torch.device) -> Any:
    from TTS.tts.configs.xtts_config import XttsConfig
    from TTS.tts.models.xtts import Xtts

    config_path, _, vocab = find_xtts_files(folder)
    try:
        config = XttsConfig()
        config.load_json(str(config_path))
        model = Xtts(config)
        model.load_checkpoint(
            config, checkpoint_dir=str(folder), vocab_path=str(vocab), eval=True, use_deepspeed=False
        )
    except Exception as exc:  # Coqui raises anything from KeyError to RuntimeError on a bad checkpoint
        raise ModelLoadFailed(f"cannot load the XTTS checkpoint in {folder}: {exc}") from exc
    model.tokenizer = xtts_text.bangla_capable(str(vocab))
    accept_cache_keyword(model.gpt.gpt_inference)
    model = model.to(device)
    _warm_up(model)
    return model


@torch.inference_mode()
def _warm_up(model: Any) -> None:
    """Two audio tokens on a neutral conditioning: first-call allocations happen before the first job."""
    dim = model.args.gpt_n_model_channels
    latents = 32 if model.args.gpt_use_perceiver_resampler else 1
    language = next(iter(xtts_text.languages(model.tokenizer)), "en")
    with INFERENCE_LOCK:
        model.inference(
            "ক",
            language,
            torch.zeros(1, latents, dim, device=model.device),
            torch.zeros(1, model.args.d_vector_dim, 1, device=model.device),
            min_new_tokens=2,
            max_new_tokens=2,
        )


MODELS = ModelRegistry("xtts", load_xtts, checkpoint_fingerprint)
"""The process's XTTS checkpoints."""
