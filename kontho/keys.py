"""The S3 key layout: every object kontho stores, in one place.

Everything a tenant owns lives under its own prefix, so no lookup can name another tenant's object by a
job id alone: a query that forgets the tenant has no key to build.

```
tenants/{t}/jobs/{id}/job.json        the job record: request, status, progress, result
tenants/{t}/jobs/{id}/input.txt       the submitted text, UTF-8
tenants/{t}/jobs/{id}/audio.{ext}     the finished programme
tenants/{t}/jobs/{id}/chunks.json   the digests of the chunks the job reads (what an erase removes)
tenants/{t}/jobs/{id}/subtitles.srt, subtitles.vtt, marks.json, manifest.json   timings, artifact list
tenants/{t}/jobs/{id}/chapters/{nnnn}.{ext}   one file per chapter, when the job asks
tenants/{t}/jobs/{id}/lexicons.json  the job's lexicons as submitted (what every attempt reads)
tenants/{t}/jobs/{id}/cancel          present once the job was cancelled: the worker stops at its next chunk
tenants/{t}/uploads/{id}/upload.json  an upload's record: content type, declared size, expiry
tenants/{t}/uploads/{id}/file         the uploaded file (an EPUB, a text or Markdown file), PUT by the client
tenants/{t}/index/{inverted id}       one empty object per job, listed newest first (GET /v1/jobs)
tenants/{t}/active/{id}.{lane}        one empty object per job queued or running (limit, lane choice)
tenants/{t}/active-samples/{id}.{lane}   the same for voice samples, counted apart (lanes from 1000)
tenants/{t}/samples/{sha256}.json     which job rendered a voice sample of that voice, text and options
tenants/{t}/lexicons/{name}.json      a pronunciation lexicon: its entries, digest, times
tenants/{t}/chunks/{digest}.wav       one rendered chunk, shared by the tenant's jobs (tagged for expiry)
usage/{t}/{yyyy-mm-dd}.json           the tenant's totals for one UTC day (kept longer than jobs)
idempotency/{t}/{sha256 of the key}.json   which job an Idempotency-Key created (conditional write)
voices/{t}/{id}.json                  a tenant's cloned voice: base voice, clips, consent, who made it
voices/{t}/{id}/clip-{n}.wav          its reference clips, mono 16-bit WAV at 22050 Hz
xtts-conditioning/{digest}.pt         an XTTS voice's speaker conditioning (torch.save of two tensors),
                                      digest: SHA-256 of the checkpoint, the clips' bytes and the settings
```

Lexicons and cloned voices live outside ``tenants/``: that prefix's lifecycle rule expires what jobs leave
behind, and these are kept until their tenant deletes them. So is an XTTS voice's conditioning cache,
``xtts-conditioning/``, which a worker computes from a voice's clips and its checkpoint.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date

from kontho.ids import ALPHABET, is_job_id

_TENANT = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_INVERT = str.maketrans(ALPHABET, ALPHABET[::-1])
# As kontho.jobspec.LEXICON_NAME_PATTERN (keys import nothing of what they key).
_LEXICON_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")

CHUNK_CACHE_DAYS = (7, 14, 30)
"""Days a cached chunk is kept after its last use, as a tenant may choose. Each has its own S3 lifecycle
rule (infra/terraform/s3.tf), matched by the tag the chunk is written with: S3 expires by age and tag, and
has no prefix wildcard to reach ``tenants/*/chunks/``. None is longer than the ``tenants/`` rule's 30 days,
which also matches every chunk."""


def chunk_cache_tag(days: int) -> str:
    """The tag a cached chunk is written (and refreshed) with, naming the rule that expires it."""
    if days not in CHUNK_CACHE_DAYS:
        raise ValueError(f"chunk cache days must be one of {CHUNK_CACHE_DAYS}, not {days}")
    return f"kontho-kind=chunk&kontho-cache-days={days}"


def _tenant(tenant: str) -> str:
    if not _TENANT.fullmatch(tenant):
        raise ValueError(f"not a tenant name: {tenant[:40]!r}")
    return f"tenants/{tenant}/"


def _folder(tenant: str, kind: str, object_id: str) -> str:
    # A malformed id must never become a key: ids reach here from URLs and queue messages.
    if not is_job_id(object_id):  # uploads use the same id scheme as jobs
        raise ValueError(f"not a {kind} id: {object_id[:40]!r}")
    return _tenant(tenant) + f"{kind}s/{object_id}/"


def job_prefix(tenant: str, job_id: str) -> str:
    return _folder(tenant, "job", job_id)


def job_record(tenant: str, job_id: str) -> str:
    return job_prefix(tenant, job_id) + "job.json"


def job_input(tenant: str, job_id: str) -> str:
    return job_prefix(tenant, job_id) + "input.txt"


def job_audio(tenant: str, job_id: str, extension: str) -> str:
    return job_prefix(tenant, job_id) + f"audio.{extension}"


def job_cover(tenant: str, job_id: str, extension: str) -> str:
    """The book's cover, checked at submit: ``jpg`` or ``png``."""
    return job_prefix(tenant, job_id) + f"cover.{extension}"


def job_chunk_list(tenant: str, job_id: str) -> str:
    """The digests of the job's chunks in the tenant's cache, written before any is rendered."""
    return job_prefix(tenant, job_id) + "chunks.json"


def chunk_cache_prefix(tenant: str) -> str:
    return _tenant(tenant) + "chunks/"


def cached_chunk(tenant: str, digest: str) -> str:
    """A rendered chunk, under the tenant's prefix: found by every job of that tenant, by no other's."""
    if not re.fullmatch(r"[0-9a-f]{40}", digest):
        raise ValueError(f"not a chunk digest: {digest[:40]!r}")
    return chunk_cache_prefix(tenant) + f"{digest}.wav"


_FILE_NAMES = frozenset({"subtitles.srt", "subtitles.vtt", "marks.json", "manifest.json"})


def job_file(tenant: str, job_id: str, name: str) -> str:
    if name not in _FILE_NAMES:
        raise ValueError(f"not a job file: {name!r}")
    return job_prefix(tenant, job_id) + name


def job_cancel_marker(tenant: str, job_id: str) -> str:
    """Present once the job was cancelled: what a worker looks for between chunks."""
    return job_prefix(tenant, job_id) + "cancel"


def job_lexicons(tenant: str, job_id: str) -> str:
    """The job's copy of the lexicons it names, taken at submit."""
    return job_prefix(tenant, job_id) + "lexicons.json"


def job_manifest(tenant: str, job_id: str) -> str:
    return job_file(tenant, job_id, "manifest.json")


def job_chapter_audio(tenant: str, job_id: str, chapter: int, extension: str) -> str:
    """``chapter`` counts from 1."""
    return job_prefix(tenant, job_id) + f"chapters/{chapter:04d}.{extension}"


def upload_record(tenant: str, upload_id: str) -> str:
    return _folder(tenant, "upload", upload_id) + "upload.json"


def upload_file(tenant: str, upload_id: str) -> str:
    return _folder(tenant, "upload", upload_id) + "file"


def index_prefix(tenant: str) -> str:
    return _tenant(tenant) + "index/"


def index_entry(tenant: str, job_id: str) -> str:
    """Ids sort by creation time; inverting each character makes S3's ascending listing newest first."""
    if not is_job_id(job_id):
        raise ValueError(f"not a job id: {job_id[:40]!r}")
    return index_prefix(tenant) + job_id.translate(_INVERT)


def job_id_from_index(key: str) -> str:
    return key.rsplit("/", 1)[-1].translate(_INVERT)


SAMPLE_LANES_FROM = 1000
"""Lanes from here up carry voice samples. A tenant has at most 1000 lanes of its own (its concurrency), so
a sample's message group is never one of them, and its marker is kept apart from the jobs' markers: a
sample neither waits behind the tenant's queued jobs nor counts against its limit on jobs at once."""


def active_prefix(tenant: str, samples: bool = False) -> str:
    return _tenant(tenant) + ("active-samples/" if samples else "active/")


def active_marker(tenant: str, job_id: str, lane: int) -> str:
    """Named with the job's lane too, so that one listing tells which lanes are busy."""
    if not is_job_id(job_id):
        raise ValueError(f"not a job id: {job_id[:40]!r}")
    return active_prefix(tenant, samples=lane >= SAMPLE_LANES_FROM) + f"{job_id}.{int(lane)}"


def parse_active_marker(key: str) -> tuple[str, int]:
    """(job id, lane) from a marker's key."""
    job_id, _, lane = key.rsplit("/", 1)[-1].partition(".")
    return job_id, int(lane) if lane.isdigit() else 0


LEXICONS = "lexicons/"
"""A tenant's lexicons live outside ``tenants/``: that prefix's lifecycle rule expires what jobs leave
behind after ``artifact_expiry_days``, and a lexicon is kept until its tenant deletes it."""


def lexicons_prefix(tenant: str) -> str:
    return LEXICONS + _tenant(tenant).removeprefix("tenants/")


def lexicon(tenant: str, name: str) -> str:
    """A lexicon's name is the client's, so only names of the lexicon pattern become keys."""
    if not _LEXICON_NAME.fullmatch(name):
        raise ValueError(f"not a lexicon name: {name[:70]!r}")
    return lexicons_prefix(tenant) + f"{name}.json"


def legacy_lexicons_prefix(tenant: str) -> str:
    """Where lexicons were stored before they moved out of the expiring ``tenants/`` prefix."""
    return _tenant(tenant) + "lexicons/"


def legacy_lexicon(tenant: str, name: str) -> str:
    return legacy_lexicons_prefix(tenant) + lexicon(tenant, name).rsplit("/", 1)[-1]


def lexicon_name_from_key(key: str) -> str:
    return key.rsplit("/", 1)[-1].removesuffix(".json")


def sample(tenant: str, digest: str) -> str:
    """Which job rendered a voice sample; ``digest`` is the hex SHA-256 of what the sample asked for."""
    if not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise ValueError(f"not a sample digest: {digest[:70]!r}")
    return _tenant(tenant) + f"samples/{digest}.json"


def usage_day(tenant: str, day: date) -> str:
    _tenant(tenant)
    return f"usage/{tenant}/{day.isoformat()}.json"


def idempotency(tenant: str, key: str) -> str:
    """The key is hashed: it is the client's string, of any characters, and must never shape a path."""
    _tenant(tenant)
    return f"idempotency/{tenant}/{hashlib.sha256(key.encode()).hexdigest()}.json"


VOICES = "voices/"
"""A tenant's cloned voices: outside ``tenants/`` for the same reason as its lexicons."""
CLONED_VOICE_PREFIX = "cv-"
"""Every cloned voice's id starts so (then a job-style id): an id of any other form is never looked up."""
CLONED_VOICE_ID_PATTERN = r"^cv-[0-9a-hjkmnp-tv-z]{26}$"
_CLONED_VOICE_ID = re.compile(CLONED_VOICE_ID_PATTERN)


def is_cloned_voice_id(voice_id: str) -> bool:
    return bool(_CLONED_VOICE_ID.fullmatch(voice_id))


def tenant_voices_prefix(tenant: str) -> str:
    return VOICES + _tenant(tenant).removeprefix("tenants/")


def _cloned_voice(tenant: str, voice_id: str) -> str:
    if not is_cloned_voice_id(voice_id):
        raise ValueError(f"not a cloned voice id: {voice_id[:40]!r}")
    return tenant_voices_prefix(tenant) + voice_id


def tenant_voice(tenant: str, voice_id: str) -> str:
    """The voice's record; its clips are in the folder of the same name."""
    return _cloned_voice(tenant, voice_id) + ".json"


def tenant_voice_clips(tenant: str, voice_id: str) -> str:
    return _cloned_voice(tenant, voice_id) + "/"


def tenant_voice_clip(tenant: str, voice_id: str, index: int) -> str:
    if not 0 <= index < 100:
        raise ValueError(f"not a clip number: {index}")
    return tenant_voice_clips(tenant, voice_id) + f"clip-{index}.wav"


def tenant_voice_id_from_key(key: str) -> str:
    """The voice id of a record's key, or '' for any other key under the tenant's voices."""
    name = key.rsplit("/", 1)[-1]
    voice_id = name.removesuffix(".json")
    return voice_id if name.endswith(".json") and is_cloned_voice_id(voice_id) else ""


def xtts_conditioning(digest: str) -> str:
    """An XTTS reference set's conditioning latents; ``digest`` (hex SHA-256) names checkpoint and clips."""
    if not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise ValueError(f"not a SHA-256 hex digest: {digest[:70]!r}")
    return f"xtts-conditioning/{digest}.pt"
