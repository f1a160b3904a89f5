"""Where a voice's model is on this machine: the one place a catalog entry's ``model`` becomes a folder.

A local folder is used as it is; an ``s3://`` prefix is fetched once into the model cache
(worker/models/cache.py); a Coqui model-zoo name (``tts_models/<language>/<dataset>/<model>``) comes from
Coqui's model folder, the voice's mirror, or Coqui's servers (worker/models/zoo.py).
"""

from __future__ import annotations

from pathlib import Path

from kontho.aws import s3_client
from kontho.errors import ModelLoadFailed
from kontho.settings import Settings
from kontho.voices import Voice
from worker.models.cache import ModelCache
from worker.models.zoo import resolve_zoo_model
from worker.models.zoo_names import parse_zoo_name


def resolve_model(voice: Voice, settings: Settings) -> Path:
    """A local folder holding ``voice``'s model (config.json and a checkpoint)."""
    if voice.model is None:
        raise ModelLoadFailed(f"voice {voice.id!r} names no model")
    zoo_name = parse_zoo_name(voice.model)
    if zoo_name is not None:
        return resolve_zoo_model(zoo_name, voice.mirror, settings)
    s3 = s3_client(settings) if voice.model.startswith("s3://") else None
    return ModelCache(settings.model_cache_dir, s3).resolve(voice.model)
