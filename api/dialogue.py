"""A job's dialogue checked at submit: every speaker's voice exists and the tenant may use it."""

from __future__ import annotations

from collections.abc import Mapping

from api.deps import Services, unknown_voice_code
from api.errors import ApiError
from api.models import ErrorBody
from kontho.errors import UnknownVoice
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
        try:
            found[voice_id] = services.resolver.resolve(tenant, voice_id)
        except UnknownVoice as exc:
            where = speaker if speaker.startswith("<voice") else f"speaker {speaker!r}"
            code = unknown_voice_code(exc)
            known = ", ".join(services.resolver.known(tenant))
            why = f"which does not exist; known voices: {known}" if code == UnknownVoice.code else str(exc)
            message = f"speakers: {where} names voice {voice_id[:80]!r}, {why}"
            raise ApiError(422, ErrorBody(code=code, field="speakers", message=message)) from exc
    return found
