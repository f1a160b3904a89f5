"""A voice whose Coqui model reads phonemes, through the API and the worker.

Lexicon phonemes and SSML ``<phoneme>`` reach its model; a grapheme voice reads the alias, or the word
with a warning; plain Bangla on the phoneme voice loses nothing.
"""

from __future__ import annotations

import io
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import yaml
from fastapi.testclient import TestClient
from pydub import AudioSegment

from devstack.provision import Resources
from kontho.aws import s3_client
from kontho.settings import Settings
from kontho.text.inline_phonemes import CLOSE, OPEN
from kontho.text.unicode import normalize_unicode
from kontho.voices import Voice
from tests.conftest import AUTH
from tests.tiny_vits import build_tiny_phoneme_vits
from worker.__main__ import build_consumer
from worker.consumer import Consumer
from worker.engines.vits import VitsEngine

VOICE = "bn-tiny-phonemes"
TEXT = "আমি শকুন্তলা দেখেছি।"
PHONEMES = "dʊʃmɔntɔ"  # far from what the phonemizer makes of শকুন্তলা, so the audio must change
ALIAS = "শকুন্তোলা"
WAV = {"format": "wav", "loudness": "off"}


@dataclass
class Stack:
    api: TestClient
    consumer: Consumer


@pytest.fixture(scope="module")
def phoneme_vits_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_phoneme_vits(tmp_path_factory.mktemp("models") / VOICE)


@pytest.fixture(scope="module")
def engine(phoneme_vits_dir: Path) -> VitsEngine:
    """The worker's engine for the same model, outside any job: what the model makes of a text."""
    voice = Voice(id=VOICE, engine="vits", model=str(phoneme_vits_dir), reads_phonemes=True)
    loaded = VitsEngine(voice, Settings().model_copy(update={"device": "cpu"}))
    loaded.load()
    return loaded


@pytest.fixture
def stack(
    phoneme_vits_dir: Path, settings: Settings, resources: Resources, tmp_path: Path
) -> Iterator[Stack]:
    """The API and a worker with a catalog that names the phoneme voice, its model in S3."""
    s3 = s3_client(settings)
    for path in phoneme_vits_dir.iterdir():
        s3.upload_file(str(path), settings.bucket, f"models/{VOICE}/{path.name}")
    entry = {
        "id": VOICE,
        "engine": "vits",
        "model": f"s3://{settings.bucket}/models/{VOICE}/",
        "reads_phonemes": True,
        "description": "tiny, reads phonemes",
    }
    voices = tmp_path / "voices.yaml"
    voices.write_text(yaml.safe_dump({"voices": [entry]}, allow_unicode=True))
    worker_settings = settings.model_copy(
        update={
            "voices_file": voices,
            "queue_url": resources.queue_url,
            "model_cache_dir": tmp_path / "cache",
            "default_voice": VOICE,
        }
    )
    from api.app import create_app

    with TestClient(create_app(worker_settings), headers=AUTH) as api:
        yield Stack(api, build_consumer(worker_settings))


def _put_lexicon(api: TestClient, name: str, entry: dict[str, str]) -> None:
    response = api.put(f"/v1/lexicons/{name}", json={"entries": [{"grapheme": "শকুন্তলা", **entry}]})
    assert response.status_code in (200, 201), response.text


def _submit(api: TestClient, text: str, **options: Any) -> str:
    response = api.post("/v1/jobs", json={"text": text, **WAV, **options})
    assert response.status_code in (200, 201, 202), response.text
    job_id: str = response.json()["id"]
    return job_id


def _finish_all(stack: Stack, *job_ids: str) -> list[dict[str, Any]]:
    assert stack.consumer.run(burst=True)["completed"] == len(job_ids)
    jobs = [stack.api.get(f"/v1/jobs/{job_id}").json() for job_id in job_ids]
    assert all(job["status"] == "completed" for job in jobs), jobs
    return jobs


def _audio(api: TestClient, job_id: str) -> tuple[bytes, float]:
    """The job's audio file and the length its result states."""
    audio = api.get(f"/v1/jobs/{job_id}/result").json()["audio"]
    return httpx.get(audio["url"]).content, audio["duration_seconds"]


def _kinds(job: dict[str, Any]) -> list[str]:
    return [w["kind"] for w in job["warnings"]]


def test_the_preview_shows_phonemes_for_a_phoneme_voice_and_the_alias_for_a_grapheme_voice(
    stack: Stack,
) -> None:
    api = stack.api
    _put_lexicon(api, "names", {"alias": ALIAS, "phoneme": PHONEMES})
    _put_lexicon(api, "sounds", {"phoneme": PHONEMES})
    assert {v["id"]: v for v in api.get("/v1/voices").json()}[VOICE]["engine"] == "vits"

    def preview(voice: str, lexicon: str) -> dict[str, Any]:
        response = api.post("/v1/text/preview", json={"text": TEXT, "voice": voice, "lexicons": [lexicon]})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    phonemes = preview(VOICE, "names")
    (chunk,) = phonemes["chunks"]
    assert chunk["text"] == normalize_unicode(f"আমি {OPEN}{PHONEMES}{CLOSE} দেখেছি।")
    assert chunk["lexicon_entries"] == [{"lexicon": "names", "grapheme": "শকুন্তলা", "reads": PHONEMES}]
    assert phonemes["warnings"] == []
    assert preview(VOICE, "sounds")["chunks"][0]["text"] == chunk["text"]

    alias = preview("bn-espeak", "names")
    (chunk,) = alias["chunks"]
    assert chunk["text"] == normalize_unicode(f"আমি {ALIAS} দেখেছি।")
    assert OPEN not in chunk["text"]
    assert chunk["lexicon_entries"] == [
        {"lexicon": "names", "grapheme": "শকুন্তলা", "reads": normalize_unicode(ALIAS)}
    ]
    assert alias["warnings"] == []

    word = preview("bn-espeak", "sounds")
    (chunk,) = word["chunks"]
    assert chunk["text"] == normalize_unicode(TEXT)
    assert [w["kind"] for w in word["warnings"]] == ["phonemes_not_read"]
    assert normalize_unicode("শকুন্তলা") in word["warnings"][0]["examples"]


def test_lexicon_phonemes_reach_the_model_and_the_same_job_sounds_the_same_twice(
    stack: Stack, engine: VitsEngine
) -> None:
    api = stack.api
    _put_lexicon(api, "names", {"alias": ALIAS, "phoneme": PHONEMES})
    first = _submit(api, TEXT, voice=VOICE, lexicons=["names"])
    again = _submit(api, TEXT, voice=VOICE, lexicons=["names"])
    plain = _submit(api, TEXT, voice=VOICE)
    as_ssml = _submit(
        api,
        f'<speak>আমি <phoneme alphabet="ipa" ph="{PHONEMES}">শকুন্তলা</phoneme> দেখেছি।</speak>',
        voice=VOICE,
        text_format="ssml",
    )
    jobs = _finish_all(stack, first, again, plain, as_ssml)
    assert [job["warnings"] for job in jobs] == [[]] * 4

    audio = {job_id: _audio(api, job_id)[0] for job_id in (first, again, plain, as_ssml)}
    decoded = AudioSegment.from_file(io.BytesIO(audio[first]), format="wav")
    assert decoded.frame_rate == 22_050
    assert decoded.duration_seconds == pytest.approx(_audio(api, first)[1], abs=0.05)
    assert decoded.rms > 0
    assert audio[first] == audio[again]  # rendered afresh by the same model: deterministic
    assert audio[first] != audio[plain]  # and below: the difference is the lexicon's phonemes
    assert audio[first] == audio[as_ssml]  # the same phonemes by SSML are the same model input

    # The job's audio is what the model makes of the chunk the preview shows, and the model is given
    # the lexicon's phonemes there, not what the phonemizer makes of the word.
    (chunk,) = api.post(
        "/v1/text/preview", json={"text": TEXT, "voice": VOICE, "lexicons": ["names"]}
    ).json()["chunks"]
    with wave.open(io.BytesIO(audio[first])) as wav:
        samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    assert np.array_equal(samples, next(engine.synthesize([chunk["text"]])))
    tokenizer = engine._model.tokenizer
    read = str(tokenizer.decode(engine.tokens(chunk["text"]))).replace(tokenizer.characters.blank, "")
    assert PHONEMES in read
    unmarked = str(tokenizer.decode(engine.tokens(TEXT))).replace(tokenizer.characters.blank, "")
    assert PHONEMES not in unmarked


def test_ssml_phonemes_are_read_by_a_phoneme_voice_and_reported_unread_by_a_grapheme_voice(
    stack: Stack,
) -> None:
    api = stack.api
    ssml = f'<speak><p>আমি <phoneme alphabet="ipa" ph="{PHONEMES}">শকুন্তলা</phoneme> দেখেছি।</p></speak>'
    read = _submit(api, ssml, voice=VOICE, text_format="ssml")
    unread = _submit(api, ssml, voice="bn-espeak", text_format="ssml")
    phoneme_job, espeak_job = _finish_all(stack, read, unread)
    assert phoneme_job["warnings"] == []
    assert _kinds(espeak_job) == ["phonemes_not_read"]
    assert normalize_unicode("শকুন্তলা") in espeak_job["warnings"][0]["examples"]
    for job_id in (read, unread):
        wav, seconds = _audio(api, job_id)
        assert AudioSegment.from_file(io.BytesIO(wav), format="wav").duration_seconds == pytest.approx(
            seconds, abs=0.05
        )


def test_plain_bangla_on_a_phoneme_voice_loses_no_characters(stack: Stack) -> None:
    # Bangla writers join letters with ZWJ (র‍্যাব, "rya") and part them with ZWNJ (ক্‌ষ, not ক্ষ): the
    # phonemizer reads both, so the front-end must not filter them out by the model's phoneme symbols.
    joined, parted = "র\u200d্যাব", "ক্\u200cষ"
    text = (
        "মালিনীর জল বড় স্থির, আয়নার মত; তাতে গাছের ছায়া, নীল আকাশের ছায়া, রাঙা মেঘের ছায়া। "
        f"“কে ওখানে?” — ঋষি ডাকলেন। {joined} এল, খাতায় লেখা {parted}। "
        "১৯৭১ সালে নদীর ধারে ২৫০টি পরিবার ছিল। "
        "ফোন করুন ০১৮১৯-৫৫৪৪৩৩, দূরত্ব ১২ কিমি, বিশ্ব স্বাস্থ্য সংস্থা (WHO)।"
    )
    preview = stack.api.post("/v1/text/preview", json={"text": text, "voice": VOICE}).json()
    assert preview["warnings"] == []
    read = " ".join(c["text"] for c in preview["chunks"])
    assert joined in read
    assert parted in read
    assert OPEN not in read
    (job,) = _finish_all(stack, _submit(stack.api, text, voice=VOICE))
    assert "unsupported_characters" not in _kinds(job)
    assert job["warnings"] == []
