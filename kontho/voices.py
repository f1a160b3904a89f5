"""The voices a job may name. Built in: espeak-ng's Bengali voice, which needs no model weights."""

from __future__ import annotations

from dataclasses import dataclass, field

from kontho.errors import UnknownVoice


@dataclass(frozen=True)
class Voice:
    id: str
    engine: str
    language: str
    sample_rate: int
    description: str
    params: dict[str, str | int | float] = field(default_factory=dict)


BUILTIN_VOICES: tuple[Voice, ...] = (
    Voice(
        id="bn-espeak",
        engine="espeak",
        language="bn",
        sample_rate=22_050,
        description="espeak-ng's Bengali voice: formant synthesis, runs anywhere, no model weights.",
        params={"espeak_voice": "bn", "words_per_minute": 175},
    ),
)


class VoiceCatalog:
    def __init__(self, voices: tuple[Voice, ...] = BUILTIN_VOICES) -> None:
        self._voices = {v.id: v for v in voices}

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
