"""A completed job's download URLs name their files (Content-Disposition) exactly as the kontho command
saves them, from the same title: both use kontho/filenames.py."""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

from fastapi.testclient import TestClient

from client.names import artifact_name, safe_stem
from kontho import keys
from kontho.ids import new_job_id
from kontho.jobspec import AudioFormat, JobSpec
from kontho.jobstore import JobStore
from kontho.schemas import Artifact, AudioResult, JobRecord, JobState
from kontho.tenants import LOCAL_TENANT

TITLE = "র\u200d্যাব/ডায়েরি: " + "অভিজ্ঞান শকুন্তলম্ " * 12 + "\u202e\x07"


def _saved_as(url: str) -> str:
    """The file name a browser takes from a presigned URL's response-content-disposition: filename*
    (RFC 6266: percent-encoded UTF-8) where it is given, else the plain filename."""
    disposition = parse_qs(urlsplit(url).query)["response-content-disposition"][0]
    params = dict(part.strip().split("=", 1) for part in disposition.split(";")[1:])
    if "filename*" in params:
        charset, _, encoded = params["filename*"].partition("''")
        assert charset == "UTF-8"
        return unquote(encoded)
    return params["filename"].strip('"')


def _completed(job_id: str) -> JobRecord:
    def artifact(kind: str, key: str, fmt: str, chapter: int | None = None) -> Artifact:
        return Artifact(kind=kind, format=fmt, key=key, bytes=1, chapter=chapter)  # type: ignore[arg-type]

    audio = keys.job_audio(LOCAL_TENANT, job_id, "m4b")
    return JobRecord(
        id=job_id,
        tenant=LOCAL_TENANT,
        status=JobState.COMPLETED,
        spec=JobSpec(voice="bn-espeak", format=AudioFormat.M4B, title=TITLE),
        text_chars=10,
        result=AudioResult(
            key=audio, format=AudioFormat.M4B, duration_seconds=1.0, bytes=1, sample_rate=22050
        ),
        artifacts=[
            artifact("audio", audio, "m4b"),
            artifact("chapter_audio", keys.job_chapter_audio(LOCAL_TENANT, job_id, 2, "m4b"), "m4b", 2),
            artifact("subtitles", keys.job_file(LOCAL_TENANT, job_id, "subtitles.srt"), "srt"),
            artifact("marks", keys.job_file(LOCAL_TENANT, job_id, "marks.json"), "json"),
            artifact("manifest", keys.job_manifest(LOCAL_TENANT, job_id), "json"),
        ],
    )


def test_the_api_names_downloads_as_the_kontho_command_saves_them(api: TestClient, store: JobStore) -> None:
    job_id = new_job_id()
    store.put_record(_completed(job_id))
    result = api.get(f"/v1/jobs/{job_id}/result").json()
    stem = safe_stem(TITLE, fallback=job_id)
    assert stem.startswith("র\u200d্যাব ডায়েরি অভিজ্ঞান")
    assert len(stem.encode()) <= 150
    saved = {artifact["kind"]: artifact_name(artifact, stem) for artifact in result["artifacts"]}
    named = {artifact["kind"]: _saved_as(artifact["url"]) for artifact in result["artifacts"]}
    assert named == saved
    assert named["audio"] == _saved_as(result["audio"]["url"]) == f"{stem}.m4b"
    assert named["chapter_audio"] == f"{stem} - chapter 0002.m4b"
    assert named["manifest"] == f"{stem} - manifest.json"
