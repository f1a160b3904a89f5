"""Coqui VITS models loaded once per process, whichever voices speak with them.

A multi-speaker model serves several catalog voices (one per speaker), and a dialogue needs several
models at once: the registry keeps one loaded model per model folder and device, and every voice on it
renders with the same weights in the same device memory. A model whose files changed on disk (a new
upload fetched into the same cache folder) is loaded again.

Speakers are found as Coqui finds them: a speakers file (``speakers.pth`` or a JSON file mapping names
to embedding ids) named by the config's ``speakers_file``. Coqui's trainer writes that name as an
absolute path on the training machine; like Coqui's model manager after a download, the loader reads
the file of that name in the model's own folder.
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import structlog
import torch

from kontho.errors import ModelLoadFailed
from kontho.voices import Voice
from worker.engines.model_registry import ModelRegistry

log = structlog.get_logger(__name__)

# Files that sit beside a checkpoint in Coqui's model folders but are not one.
_NOT_CHECKPOINTS = frozenset({"speakers.pth", "speaker_ids.pth", "model_se.pth", "model_se.pth.tar"})
# Where Coqui's trainer and model zoo put a speaker list, when the config names none that exists.
_SPEAKER_FILES = ("speakers.pth", "speaker_ids.pth", "speakers.json", "speaker_ids.json")
_SPEAKER_FIELDS = ("speakers_file", "speaker_file")
_NAMES_SHOWN = 20


def find_model_files(folder: Path) -> tuple[Path, Path]:
    config = folder / "config.json"
    if not config.is_file():
        raise ModelLoadFailed(f"model folder {folder} has no config.json")
    weights = sorted(
        (p for p in folder.glob("*.pth") if p.name not in _NOT_CHECKPOINTS),
        key=lambda p: (p.name != "model.pth", p.name != "best_model.pth", p.name),
    )
    if not weights:
        raise ModelLoadFailed(f"model folder {folder} has no .pth checkpoint")
    return config, weights[0]


def model_fingerprint(folder: Path) -> str:
    """Coqui's version, the config's content, the checkpoint's name and size, and any speakers file.

    Hashing a gigabyte checkpoint on every start would cost seconds; a retrained model changes its size
    or its config (or, from S3, its ETag, which the cache's marker records).
    """
    from importlib.metadata import version

    config, weights = find_model_files(folder)
    digest = hashlib.sha256(config.read_bytes())
    digest.update(f"{weights.name}|{weights.stat().st_size}".encode())
    for name in _SPEAKER_FILES:  # small, and they decide which embedding a speaker's name reads
        if (folder / name).is_file():
            digest.update(name.encode() + (folder / name).read_bytes())
    marker = folder / ".complete"
    if marker.exists():
        digest.update(marker.read_bytes())
    return f"vits|coqui-tts {version('coqui-tts')}|{digest.hexdigest()[:16]}"


def _setting(config: Any, name: str) -> Any:
    """Coqui's rule: ``model_args`` when it has the field, else the config's own."""
    from TTS.config import get_from_config_or_model_args

    return get_from_config_or_model_args(config, name)


def _place_speakers_file(config: Any, folder: Path, written: dict[str, Any]) -> None:
    """Point the config's speakers file at the one in ``folder`` (in memory; the file is left as it is).

    ``written``: the config file as written, which may hold fields Coqui's config classes no longer keep.
    """
    if not _setting(config, "use_speaker_embedding"):
        return  # a speakers file the model does not read is no reason to refuse it
    named = [
        (owner, field, value)
        for owner in (config, config.get("model_args"))
        if owner is not None
        for field in _SPEAKER_FIELDS
        if (value := owner.get(field))
    ]
    for owner, field, value in named:
        here = folder / Path(value).name
        if here.is_file():
            owner[field] = str(here)
        elif not Path(value).is_file():
            raise ModelLoadFailed(
                f"the config names speakers file {value}; the model folder {folder} has no {here.name}"
            )
    if named or config.get("speakers"):
        return
    found = next((folder / n for n in _SPEAKER_FILES if (folder / n).is_file()), None)
    if found is not None:
        config.speakers_file = str(found)
        config.model_args.speakers_file = str(found)
        return
    # Configs of older Coqui versions may give only a count; their speakers are known by number.
    model_args = written.get("model_args")
    count = written.get("num_speakers") or (model_args or {}).get("num_speakers") or 0
    if isinstance(count, int) and count > 0:
        config.speakers = [str(i) for i in range(int(count))]


def _refuse_unsupported(config: Any) -> None:
    # kontho's batched inference conditions on a speaker embedding only; these models would render
    # without what they were trained to hear, so they are refused rather than mis-read.
    if _setting(config, "use_d_vector_file"):
        raise ModelLoadFailed("models conditioned on d-vector files (speaker encoders) are not supported")
    if _setting(config, "use_language_embedding"):
        raise ModelLoadFailed("multilingual models (language embeddings) are not supported")


def load_vits(folder: Path, device: torch.device) -> Any:
    """Coqui's own loading path: ``load_config`` → ``Vits(config)`` → ``load_checkpoint``."""
    from TTS.config import load_config
    from TTS.tts.models.vits import Vits

    config_path, weights = find_model_files(folder)
    try:
        config = load_config(str(config_path))
        _refuse_unsupported(config)
        _place_speakers_file(config, folder, json.loads(config_path.read_text(encoding="utf-8")))
        model = Vits(config)
        model.load_checkpoint(config, str(weights), eval=True)
    except ModelLoadFailed:
        raise
    except Exception as exc:  # Coqui raises anything from KeyError to RuntimeError on a bad model
        raise ModelLoadFailed(f"cannot load {weights.name} with {config_path.name}: {exc}") from exc
    return model.to(device)


def speaker_names(model: Any) -> dict[str, int]:
    """The model's speakers by name (empty for a single-speaker model)."""
    if getattr(model, "emb_g", None) is None or model.speaker_manager is None:
        return {}
    return dict(model.speaker_manager.name_to_id)


def speaker_id(model: Any, voice: Voice, folder: Path) -> int | None:
    """The embedding row ``voice.speaker`` names, as Coqui's ``synthesize(speaker=…)`` finds it.

    A name first, then a number in range; a model of one speaker needs no name. None: single-speaker.
    """
    names = speaker_names(model)
    rows = int(model.emb_g.num_embeddings) if getattr(model, "emb_g", None) is not None else 0
    if rows == 0:
        if voice.speaker is not None:
            raise ModelLoadFailed(
                f"voice {voice.id!r} names speaker {voice.speaker!r}, but the model in {folder} "
                "has a single speaker"
            )
        return None
    if voice.speaker is None and len(names) == 1:
        return next(iter(names.values()))
    if voice.speaker is not None:
        if voice.speaker in names:
            return names[voice.speaker]
        if voice.speaker.isdecimal() and int(voice.speaker) < rows:
            return int(voice.speaker)
    listed = ", ".join(sorted(names, key=names.__getitem__)[:_NAMES_SHOWN])
    more = f" … ({len(names)} in all)" if len(names) > _NAMES_SHOWN else ""
    said = "names no speaker" if voice.speaker is None else f"names speaker {voice.speaker!r}"
    raise ModelLoadFailed(
        f"voice {voice.id!r} {said}; the model in {folder} has {rows} speakers: {listed}{more} "
        "(set the voice's `speaker` to one of them)"
    )


def private_view(model: Any) -> Any:
    """A voice's own handle on a shared model: the same layers, weights and device memory.

    Attributes set on the handle (a benchmark's fixed durations, say) stay with that voice instead of
    changing every voice on the model.
    """
    view = copy.copy(model)
    for table in ("_modules", "_parameters", "_buffers"):
        view.__dict__[table] = dict(model.__dict__[table])
    view.args = copy.copy(model.args)
    return view


MODELS = ModelRegistry("vits", load_vits, model_fingerprint)
"""The process's models."""
