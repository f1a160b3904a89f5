"""The pure parts of cloned voices: their keys, the voice a record reads as, the one voice lookup, and the
clip measurements."""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable
from typing import cast

import pytest

from kontho import keys
from kontho.errors import BaseVoiceGone, UnknownVoice, VoiceGone
from kontho.jobstore import JobStore
from kontho.tenant_voices import ClonedVoice, Consent, StoredClip, TenantVoiceStore
from kontho.voice_clips import CLIP_SAMPLE_RATE, ClipRejected, measure, to_wav
from kontho.voice_resolver import VoiceResolver
from kontho.voices import BUILTIN_VOICES, Voice, VoiceCatalog

VOICE_ID = "cv-01hzy3k8m2q4r6t8v0w2x4y6z8"
BASE = Voice(
    id="bn-xtts", engine="xtts", model="s3://m/xtts/", references=("s3://m/ref.wav",), sample_rate=24000
)
PRIVATE = BASE.model_copy(update={"id": "bn-xtts-other", "tenants": ("onno",)})


class MemoryStore:
    """The few JobStore calls TenantVoiceStore makes, over a dict."""

    bucket = "kontho-test"

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def get_bytes(self, key: str) -> bytes | None:
        return self.objects.get(key)

    def put_bytes(self, key: str, body: bytes, content_type: str) -> None:
        self.objects[key] = body

    def list_keys(self, prefix: str) -> set[str]:
        return {k for k in self.objects if k.startswith(prefix)}

    def delete(self, key: str) -> None:
        self.objects.pop(key, None)

    def delete_keys(self, names: Iterable[str]) -> int:
        names = list(names)
        for key in names:
            self.delete(key)
        return len(names)

    def delete_prefix(self, prefix: str) -> int:
        gone = self.list_keys(prefix)
        for key in gone:
            del self.objects[key]
        return len(gone)


def _record(tenant: str = "prokash", base: str = "bn-xtts") -> ClonedVoice:
    clip = StoredClip(
        key=keys.tenant_voice_clip(tenant, VOICE_ID, 0),
        upload="0" * 26,
        seconds=5.0,
        sample_rate=22050,
        active_dbfs=-20.0,
        peak_dbfs=-3.0,
    )
    consent = Consent(speaker_consented=True, statement="She agreed in writing.")
    return ClonedVoice(
        id=VOICE_ID, tenant=tenant, base_voice=base, name="Rina", clips=(clip,), consent=consent
    )


def _resolver() -> tuple[VoiceResolver, TenantVoiceStore]:
    voices = TenantVoiceStore(cast(JobStore, MemoryStore()))
    return VoiceResolver(VoiceCatalog((*BUILTIN_VOICES, BASE, PRIVATE)), voices), voices


def test_voice_keys_live_outside_the_expiring_tenants_prefix() -> None:
    assert keys.tenant_voice("prokash", VOICE_ID) == f"voices/prokash/{VOICE_ID}.json"
    assert keys.tenant_voice_clip("prokash", VOICE_ID, 2) == f"voices/prokash/{VOICE_ID}/clip-2.wav"
    assert keys.tenant_voice_id_from_key(keys.tenant_voice("prokash", VOICE_ID)) == VOICE_ID
    assert keys.tenant_voice_id_from_key(keys.tenant_voice_clip("prokash", VOICE_ID, 0)) == ""


@pytest.mark.parametrize("bad", ["bn-espeak", "cv-../x", f"{VOICE_ID}/..", "cv-" + "a" * 26 + "a", ""])
def test_a_malformed_voice_id_never_becomes_a_key(bad: str) -> None:
    with pytest.raises(ValueError, match="cloned voice id"):
        keys.tenant_voice("prokash", bad)


def test_a_cloned_voice_reads_with_its_bases_model_and_its_own_clips_for_its_tenant_only() -> None:
    voice = _record().voice(BASE, "kontho-test")
    assert (voice.id, voice.engine, voice.model, voice.sample_rate) == (VOICE_ID, "xtts", BASE.model, 24000)
    assert voice.references == (f"s3://kontho-test/voices/prokash/{VOICE_ID}/clip-0.wav",)
    assert voice.tenants == ("prokash",)
    assert voice.params == BASE.params


def test_the_resolver_finds_catalog_voices_then_the_tenants_own() -> None:
    resolver, voices = _resolver()
    voices.put(_record())
    assert resolver.resolve("prokash", "bn-espeak").id == "bn-espeak"
    assert resolver.resolve("prokash", VOICE_ID).references[0].endswith("clip-0.wav")
    assert resolver.known("prokash")[-1] == VOICE_ID
    with pytest.raises(VoiceGone, match="known voices: bn-coqui"):
        resolver.resolve("onno", VOICE_ID)  # another tenant's voice is no voice
    with pytest.raises(UnknownVoice) as raised:
        resolver.resolve("prokash", "bn-xtts-other")  # a private catalog voice of another tenant
    assert not isinstance(raised.value, VoiceGone)
    assert voices.delete("prokash", VOICE_ID)
    with pytest.raises(VoiceGone):
        resolver.resolve("prokash", VOICE_ID)
    assert not voices.delete("prokash", VOICE_ID)


def test_erasing_a_tenants_voices_removes_every_record_and_clip_and_no_one_elses() -> None:
    store = MemoryStore()
    voices = TenantVoiceStore(cast(JobStore, store))
    voices.put(_record())
    voices.put(_record(tenant="onno"))
    for tenant in ("prokash", "onno"):
        voices.put_clip(tenant, VOICE_ID, 0, b"RIFF")
    assert voices.delete_all("prokash") == 2
    assert voices.ids("prokash") == []
    assert set(store.objects) == {
        keys.tenant_voice("onno", VOICE_ID),
        keys.tenant_voice_clip("onno", VOICE_ID, 0),
    }


def test_a_voice_whose_base_is_gone_says_so() -> None:
    resolver, voices = _resolver()
    voices.put(_record(base="bn-xtts-retired"))
    with pytest.raises(BaseVoiceGone, match="no longer offers"):
        resolver.resolve("prokash", VOICE_ID)


def _tone(seconds: float, amplitude: float) -> array[int]:
    count = int(seconds * CLIP_SAMPLE_RATE)
    return array(
        "h", (round(amplitude * math.sin(2 * math.pi * 220 * n / CLIP_SAMPLE_RATE)) for n in range(count))
    )


def test_a_clip_is_measured_at_the_level_of_its_sounding_parts() -> None:
    # Half a tone at -20 dBFS RMS (peak -17), half silence: the silence does not lower the level.
    tone = _tone(2.0, 32768 * 10 ** (-17 / 20))
    measured = measure(tone + array("h", bytes(len(tone) * 2)))
    assert measured.seconds == pytest.approx(4.0)
    assert measured.active_dbfs == pytest.approx(-20.0, abs=0.2)  # one window spans tone and silence
    assert measured.peak_dbfs == pytest.approx(-17.0, abs=0.1)
    assert measured.sounding_seconds == pytest.approx(2.0, abs=0.1)


@pytest.mark.parametrize(
    ("samples", "reason"),
    [
        (_tone(2.9, 10_000), "is 2.9 s long"),
        (_tone(30.1, 10_000), "longer than 30 s"),
        (_tone(5, 0), "silent"),
        (_tone(5, 300), "too quiet"),  # about -43 dBFS
        (_tone(0.5, 10_000) + array("h", bytes(CLIP_SAMPLE_RATE * 8)), "silent"),
        (array("h", [32767, -32768] * CLIP_SAMPLE_RATE * 2), "clipped"),
    ],
)
def test_an_unusable_clip_says_why(samples: array[int], reason: str) -> None:
    with pytest.raises(ClipRejected, match=reason):
        measure(samples)


def test_a_clip_is_stored_as_mono_16_bit_wav_at_the_xtts_rate() -> None:
    wav = to_wav(_tone(1.0, 1000))
    assert (wav[:4], wav[8:16]) == (b"RIFF", b"WAVEfmt ")
    assert int.from_bytes(wav[22:24], "little") == 1
    assert int.from_bytes(wav[24:28], "little") == CLIP_SAMPLE_RATE
    assert int.from_bytes(wav[34:36], "little") == 16
