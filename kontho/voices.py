"""The voice catalog: which voices a job may name, what engine speaks each, with which parameters.

Built in: espeak-ng's Bengali voice, which needs no model weights, and Coqui's two Bangla zoo voices,
fetched on first use. More voices come from a YAML or JSON
file named by ``KONTHO_VOICES_FILE``:

```yaml
voices:
  - id: bn-vits-female
    engine: vits
    model: s3://kontho-models/bn-vits-female/   # or a local folder; holds config.json and a .pth
    language: bn
    sample_rate: 22050
    description: Fine-tuned Bangla VITS, female narrator
    params: {length_scale: 1.05, noise_scale: 0.667, noise_scale_w: 0.8, max_chunk_chars: 300}
```
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kontho.errors import UnknownVoice
from kontho.jobspec import VOICE_ID_PATTERN


class VoiceParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    length_scale: float = Field(default=1.0, gt=0, le=5, description="Above 1 speaks slower.")
    noise_scale: float = Field(default=0.667, ge=0, le=2)
    noise_scale_w: float = Field(default=0.8, ge=0, le=2)
    sentence_pause_ms: int | None = Field(default=None, ge=0, le=5000, description="Overrides the setting.")
    paragraph_pause_ms: int | None = Field(
        default=None, ge=0, le=10_000, description="Overrides the setting."
    )
    max_chunk_chars: int | None = Field(default=None, ge=20, le=5000, description="Overrides the setting.")
    chars_per_second: float = Field(default=14.0, gt=0, le=100, description="For audio length estimates.")
    espeak_voice: str = Field(default="bn", pattern=r"^[A-Za-z0-9_+-]{1,40}$")
    words_per_minute: int = Field(default=175, ge=80, le=450)
    speed: float = Field(
        default=1.0, ge=0.5, le=2.0, description="The voice's speaking rate: 1.0 as the model speaks."
    )
    # XTTS sampling. None: the checkpoint's config.json (a fine-tune ships the values it was tuned with;
    # Coqui's XttsConfig defaults are 0.85, 50, 0.85, 2.0 and 1.0).
    temperature: float | None = Field(
        default=None, gt=0, le=2, description="XTTS: softmax temperature of the GPT's sampling."
    )
    top_k: int | None = Field(
        default=None, ge=0, le=1000, description="XTTS: top-k sampling; 0 turns it off."
    )
    top_p: float | None = Field(default=None, gt=0, le=1, description="XTTS: nucleus sampling.")
    repetition_penalty: float | None = Field(
        default=None, ge=1, le=20, description="XTTS: above 1 discourages repeated audio tokens."
    )
    length_penalty: float | None = Field(
        default=None, ge=-10, le=10, description="XTTS: length penalty (acts in beam search only)."
    )


class Voice(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=VOICE_ID_PATTERN)
    engine: Literal["espeak", "vits", "xtts"]
    model: str | None = Field(
        default=None,
        description="Local folder, s3://bucket/prefix/, or a Coqui model-zoo name (tts_models/bn/…/…).",
    )
    mirror: str | None = Field(
        default=None,
        description="For a zoo name: an s3:// prefix or a folder holding a copy of the model (see "
        "`kontho voices import`), used where the zoo cannot be reached.",
    )
    speaker: str | None = Field(
        default=None,
        max_length=128,
        description="For a multi-speaker model: the speaker (name or id in the model's speaker list).",
    )
    language: str = "bn"
    sample_rate: int = Field(default=22_050, ge=8000, le=48_000)
    description: str = ""
    characters: str | None = Field(
        default=None, description="The model's character set, when known; the text preview uses it."
    )
    reads_phonemes: bool = Field(
        default=False,
        description="The model reads phonemes (its Coqui config has use_phonemes): lexicon phonemes and "
        "SSML <phoneme> are used. The worker learns this from the model; the text preview from here.",
    )
    params: VoiceParams = Field(default_factory=VoiceParams)
    references: tuple[str, ...] = Field(
        default=(),
        max_length=16,
        description="For an xtts voice: the reference clips it clones (s3://bucket/key or a local path; "
        "WAV, mono). A tenant's cloned voice lists its own clips here.",
    )
    tenants: tuple[str, ...] | None = Field(
        default=None,
        description="Only these tenants see and may use the voice (a cloned voice, say); all when absent.",
    )

    def visible_to(self, tenant: str) -> bool:
        return self.tenants is None or tenant in self.tenants

    @model_validator(mode="after")
    def _model_where_needed(self) -> Voice:
        if self.engine != "espeak" and not self.model:
            raise ValueError(f"voice {self.id!r}: engine {self.engine} needs a model location")
        if self.engine == "xtts" and not self.references:
            raise ValueError(
                f"voice {self.id!r}: an xtts voice clones its references: list at least one clip"
            )
        if any(not ref.strip() or ref.rstrip("/") in ("s3:", "s3:/") for ref in self.references):
            raise ValueError(f"voice {self.id!r}: a reference is an s3://bucket/key or a file path")
        if self.mirror and not (self.model or "").startswith("tts_models/"):
            raise ValueError(
                f"voice {self.id!r}: a mirror is a copy of a zoo model (model: tts_models/…); for a model "
                "in S3 or a folder, name that location as the model"
            )
        return self


BUILTIN_VOICES: tuple[Voice, ...] = (
    Voice(
        id="bn-espeak",
        engine="espeak",
        language="bn",
        sample_rate=22_050,
        description="espeak-ng's Bengali voice: formant synthesis, runs anywhere, no model weights.",
        params=VoiceParams(espeak_voice="bn", words_per_minute=175, chars_per_second=12.5),
    ),
    # Coqui's two Bangla zoo voices. Nothing loads them until a job names one: the worker then fetches
    # the model once into its cache (or takes it from a mirror; see worker/models/zoo.py). Coqui published
    # its Bangla phonemizer (bn_phonemizer) with them, so the text preview takes them to read phonemes;
    # the worker learns what the model reads from its config when it loads it.
    Voice(
        id="bn-coqui-female",
        engine="vits",
        model="tts_models/bn/custom/vits-female",
        language="bn",
        sample_rate=22_050,
        description="Coqui's Bangla VITS, female narrator (model by @mobassir94, Apache 2.0); fetched on "
        "first use.",
        reads_phonemes=True,
    ),
    Voice(
        id="bn-coqui-male",
        engine="vits",
        model="tts_models/bn/custom/vits-male",
        language="bn",
        sample_rate=22_050,
        description="Coqui's Bangla VITS, male narrator (model by @mobassir94, Apache 2.0); fetched on "
        "first use.",
        reads_phonemes=True,
    ),
)


class VoiceCatalogError(ValueError):
    """The voices file cannot be used; the process should not start with it."""


def load_voices_file(path: Path) -> tuple[Voice, ...]:
    try:
        raw = path.read_text(encoding="utf-8")
        data = json.loads(raw) if path.suffix == ".json" else yaml.safe_load(raw)
        entries = data.get("voices", []) if isinstance(data, dict) else data
        return tuple(Voice.model_validate(entry) for entry in entries)
    except (OSError, ValueError, yaml.YAMLError, ValidationError, AttributeError, TypeError) as exc:
        raise VoiceCatalogError(f"voices file {path}: {exc}") from exc


class VoiceCatalog:
    def __init__(self, voices: tuple[Voice, ...] = BUILTIN_VOICES) -> None:
        self._voices: dict[str, Voice] = {}
        for voice in voices:
            if voice.id in self._voices:
                raise VoiceCatalogError(f"voice {voice.id!r} is defined twice")
            self._voices[voice.id] = voice

    @classmethod
    def from_file(cls, path: Path | None) -> VoiceCatalog:
        """The built-in voices plus those in ``path``."""
        return cls(BUILTIN_VOICES + (load_voices_file(path) if path else ()))

    def get(self, voice_id: str) -> Voice:
        try:
            return self._voices[voice_id]
        except KeyError:
            known = ", ".join(sorted(self._voices))
            raise UnknownVoice(f"unknown voice {voice_id!r}; known voices: {known}") from None

    def __contains__(self, voice_id: object) -> bool:
        return voice_id in self._voices

    def ids(self) -> list[str]:
        return sorted(self._voices)

    def all(self) -> list[Voice]:
        return [self._voices[i] for i in self.ids()]

    def visible_to(self, tenant: str) -> list[Voice]:
        return [voice for voice in self.all() if voice.visible_to(tenant)]


@lru_cache(maxsize=4)
def catalog_for(path: Path | None) -> VoiceCatalog:
    return VoiceCatalog.from_file(path)
