"""A job's dialogue checked at submit: every speaker's voice exists and the tenant may use it."""

from __future__ import annotations

from collections.abc import Mapping

from api.deps import Services
from api.errors import ApiError
from api.models import ErrorBody
from kontho.jobspec import TextFormat
from kontho.text.speakers import voices_named
from kontho.text.ssml import SsmlInvalid
from kontho.voices import Voice


def speaker_voices(
    services: Services, tenant: str, text: str, text_format: TextFormat, speakers: Mapping[str, str]
) -> dict[str, Voice]:
    """The voices the job's speakers (and an SSML document's ``<voice name>``s) name, by id; a 422 naming
    the speaker whose voice is unknown, before anything is stored."""
    try:
        named = voices_named(text, text_format, speakers)
    except SsmlInvalid:
        return {}  # the SSML check answers this one, at its line and column
    found = {}
    for voice_id, speaker in named.items():
        voice = services.voices.get(voice_id) if voice_id in services.voices else None
        if voice is None or not voice.visible_to(tenant):
            known = ", ".join(v.id for v in services.voices.visible_to(tenant))
            where = speaker if speaker.startswith("<voice") else f"speaker {speaker!r}"
            raise ApiError(
                422,
                ErrorBody(
                    code="unknown_voice",
                    field="speakers",
                    message=f"speakers: {where} names voice {voice_id[:80]!r}, which does not exist; "
                    f"known voices: {known}",
                ),
            )
        found[voice_id] = voice
    return found
