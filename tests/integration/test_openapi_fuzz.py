"""Schemathesis against /openapi.json with every check: generated requests never get a 5xx, every response
matches the schema the API publishes, schema-valid requests are accepted and schema-violating ones refused.
The stateful phase chains calls through the links the schema states (a job's id into the routes that read,
cancel and erase it) and those schemathesis infers. The app talks to a moto server of its own over HTTP."""

from __future__ import annotations

import hashlib
import io
import json
import re
import tempfile
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.config import SchemathesisConfig

from api.app import create_app
from api.routes.usage import MAX_DAYS
from api.voice_cloning import MAX_CLIPS
from devstack.motoserver import MotoServer, free_port
from devstack.provision import provision
from kontho import keys
from kontho.aws import s3_client
from kontho.ids import ID_PATTERN, new_job_id
from kontho.jobspec import LEXICON_NAME_PATTERN, MAX_CHAPTER_PICKS, MAX_LEXICONS_PER_JOB
from kontho.jobstore import JobStore
from kontho.settings import Settings
from kontho.tenants import LOCAL_KEY, LOCAL_TENANT, LOCAL_WEBHOOK_SECRET, Tenant, TenantFile, key_hash
from kontho.text.ssml import SsmlInvalid, parse_ssml
from kontho.usage import today
from tests.conftest import AUTH
from tests.voice_clips import consent, speechlike, upload

_PORT = free_port()
# The local tenant without its limits: the fuzzer sends more than 600 requests a minute and creates more
# jobs and samples than a tenant may have at once, and a 429 is the limit's answer, not the route's
# (tests/integration/test_limits.py and test_voice_samples.py check the limits). Their answers would also
# depend on what earlier examples left, which makes a replayed example answer otherwise.
_KEYS = Path(tempfile.mkdtemp()) / "keys.json"
_KEYS.write_text(
    TenantFile(
        tenants=[
            Tenant(
                id=LOCAL_TENANT,
                key_sha256=[key_hash(LOCAL_KEY)],
                webhook_secret=LOCAL_WEBHOOK_SECRET,
                requests_per_minute=1_000_000,
                max_active_jobs=1_000_000,
                max_chars_per_day=1_000_000_000_000,
            )
        ]
    ).model_dump_json()
)
_SETTINGS = Settings(
    aws_endpoint_url=f"http://127.0.0.1:{_PORT}",
    bucket="kontho-fuzz",
    queue_name="kontho-fuzz.fifo",
    dlq_name="kontho-fuzz-dlq.fifo",
    max_upload_bytes=1_000_000,
    # The schema states one size limit for every upload: here a cover's is the same.
    max_cover_bytes=1_000_000,
    # Small, so the coverage phase's boundary texts (the limit, and one past it for the 413) are cheap.
    max_text_chars=500,
    # A second voice that declares its character set, so the schema's rule for what each voice can read
    # is exercised for both kinds.
    voices_file=Path(__file__).with_name("fuzz_voices.yaml"),
    # Which literal addresses a webhook may name is this setting's policy, not a form a pattern can state
    # (127.0.0.1 is also 0x7f000001, 2130706433 and [::ffff:7f00:1]): the schema states the URL's form,
    # and the fuzzer checks the form with the policy lifted. tests/integration/test_webhook_url_policy.py
    # checks the policy.
    webhook_allow_private=True,
    api_keys_file=str(_KEYS),
    # Small, so a lexicon at the entry limit fits in a request body of this deployment's size.
    lexicon_max_entries=10,
    lexicon_max_alias_chars=50,
    # No sample is answered from an earlier example's: each example's answers depend on it alone.
    max_samples_in_flight=100,
    sample_reuse_seconds=0,
    # Few, so most generated voices meet the limit (409) rather than each decoding its clips.
    max_cloned_voices=4,
)
_CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            # Schemathesis' default list, and 413: an upload declared larger than the stated maximum is
            # refused as too large.
            "negative_data_rejection": {
                "expected-statuses": [
                    *("400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429"),
                ]
            },
        },
    }
)
# The app connects to AWS on first use, so it can be built (and its schema read) before moto starts.
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(_SETTINGS), config=_CONFIG)


# /v1/usage: from must not be after to, and a range spans at most MAX_DAYS days. The schema states each
# day's form and bounds, and this rule between the two parameters in their descriptions, as OpenAPI has no
# way to state it; every phase keeps to it through this filter (the coverage phase's boundary values too:
# from=1970-01-01 alone is 20,000 days to today).
@schema.hook("filter_case")
def usage_range_as_documented(context: Any, case: Any) -> bool:
    query = case.query
    if case.operation.path != "/v1/usage" or not query:
        return True
    try:
        last = date.fromisoformat(query["to"]) if query.get("to") else today()
        first = date.fromisoformat(query["from"]) if query.get("from") else last - timedelta(days=29)
    except (TypeError, ValueError):
        return True  # not days at all: refused whatever the range, as the schema says
    return first <= last and (last - first).days < MAX_DAYS


# Two rules hold between a request and what came before it, which no schema can state. The hooks below
# make each generated case keep them, changing no value from valid to invalid or back:
# - an upload id must name an upload of the tenant's whose file has arrived (422 otherwise, as a body
#   field naming nothing is): a well-formed id is replaced by one that does (_RECEIVED_UPLOAD), a text
#   for "upload" (a job's or a preview's) and a PNG for "cover_upload";
# - an Idempotency-Key names one request (a job's or a voice's): reused with another body it is a 422.
#   Each key is made the body's own, so a repeated key with the same body is still a replay;
# - the lexicons a job or a preview names must be the tenant's: a valid list of names becomes the one
#   lexicon the tenant has (_LEXICON), which no generated request may delete or replace;
# - text said to be SSML must be an SSML document, which no JSON schema can state: text that is not
#   one is sent as plain text (tests/integration/test_pronunciation_jobs.py checks the 422), and so is
#   a document whose <voice name>s name no voice;
# - dialogue speakers must be mapped to voices that exist: each becomes bn-espeak
#   (tests/integration/test_dialogue_jobs.py checks the 422);
# - a cloned voice's id must name one of the tenant's: any becomes the one it keeps (_RECEIVED_UPLOAD
#   "voice"), and a new voice's clips must be the tenant's received audio uploads of usable clips: a
#   valid list of ids becomes as many of those. Deleting a voice deletes the uploads it was made from,
#   which every later example needs, so a generated DELETE names a voice that does not exist
#   (tests/integration/test_cloned_voices.py checks the 422s and the delete).
_ID = re.compile(ID_PATTERN)
_RECEIVED_UPLOAD: dict[str, Any] = {}
_LEXICON = "fuzz-kept"
_LEXICON_NAME = re.compile(LEXICON_NAME_PATTERN)


def _names_lexicons(value: object) -> bool:
    return (
        isinstance(value, list)
        and 0 < len(value) <= MAX_LEXICONS_PER_JOB
        and all(isinstance(v, str) and _LEXICON_NAME.fullmatch(v) for v in value)
        and len(set(value)) == len(value)
    )


def _picks_chapters(value: object) -> bool:
    """A chapter selection of the schema's form; which chapters a text has, or a range's order, the schema
    cannot state (tests/integration/test_text_preview.py checks both 422s)."""
    if not isinstance(value, list) or not 0 < len(value) <= MAX_CHAPTER_PICKS:
        return False
    return all(
        (isinstance(v, int | float) and not isinstance(v, bool) and v == int(v) and v >= 1)
        or (isinstance(v, str) and re.fullmatch(r"[1-9][0-9]{0,5}-[1-9][0-9]{0,5}", v))
        for v in value
    )


def _uploads_that_exist(case: Any) -> None:
    # At call time, not when the case is made: the coverage phase makes its cases before moto runs.
    _cloned_voices_that_exist(case)
    cover = case.body.get("cover_upload") if isinstance(case.body, dict) else None
    if isinstance(cover, str) and _ID.fullmatch(cover):
        case.body = {**case.body, "cover_upload": _RECEIVED_UPLOAD["cover"]}
    upload = case.body.get("upload") if isinstance(case.body, dict) else None
    if case.operation.path == "/v1/text/preview" and isinstance(upload, str) and _ID.fullmatch(upload):
        case.body = {**case.body, "upload": _RECEIVED_UPLOAD["id"]}


def _is_ssml(body: dict[str, Any]) -> bool:
    """Valid SSML whose <voice name>s (if any) name only the body's speakers."""
    try:
        doc = parse_ssml(body.get("text") or "")
    except SsmlInvalid:
        return False
    speakers = body.get("speakers")
    return all(isinstance(speakers, dict) and v.name in speakers for v in doc.voices)


def _names_clips(value: object) -> bool:
    return (
        isinstance(value, list)
        and 0 < len(value) <= len(_RECEIVED_UPLOAD["clips"])
        and all(isinstance(v, str) and _ID.fullmatch(v) for v in value)
        and len(set(value)) == len(value)
    )


def _cloned_voices_that_exist(case: Any) -> None:
    path, method = case.operation.path, case.operation.method.upper()
    voice_id = (case.path_parameters or {}).get("voice_id")
    if path == "/v1/voices/{voice_id}" and method == "DELETE" and keys.is_cloned_voice_id(str(voice_id)):
        case.path_parameters = {**case.path_parameters, "voice_id": keys.CLONED_VOICE_PREFIX + new_job_id()}
    if not isinstance(case.body, dict):
        return
    if path == "/v1/voices" and _names_clips(case.body.get("clips")):
        case.body = {**case.body, "clips": _RECEIVED_UPLOAD["clips"][: len(case.body["clips"])]}
    voice = case.body.get("voice")
    if isinstance(voice, str) and keys.is_cloned_voice_id(voice):
        case.body = {**case.body, "voice": _RECEIVED_UPLOAD["voice"]}


@schema.hook("map_case")
def requests_keep_to_their_history(context: Any, case: Any) -> Any:
    path, method = case.operation.path, case.operation.method.upper()
    if path == "/v1/lexicons/{name}" and (case.path_parameters or {}).get("name") == _LEXICON:
        case.path_parameters = {**case.path_parameters, "name": f"{_LEXICON}-not"}
    if isinstance(case.body, dict) and _names_lexicons(case.body.get("lexicons")):
        case.body = {**case.body, "lexicons": [_LEXICON]}
    if isinstance(case.body, dict) and case.body.get("text_format") == "ssml" and not _is_ssml(case.body):
        case.body = {**case.body, "text_format": "plain"}
    if isinstance(case.body, dict) and _picks_chapters(case.body.get("chapters")):
        case.body = {**case.body, "chapters": [1]}  # every text has a first chapter
    speakers = case.body.get("speakers") if isinstance(case.body, dict) else None
    if isinstance(speakers, dict) and all(isinstance(v, str) for v in speakers.values()):
        case.body = {**case.body, "speakers": dict.fromkeys(speakers, "bn-espeak")}
    if path not in ("/v1/jobs", "/v1/voices") or method != "POST":
        return case
    body = case.body
    if isinstance(body, dict) and isinstance(body.get("upload"), str) and _ID.fullmatch(body["upload"]):
        case.body = {**body, "upload": _RECEIVED_UPLOAD["id"]}
    key = (case.headers or {}).get("Idempotency-Key")
    if isinstance(key, str) and 1 <= len(key) <= 255:
        digest = hashlib.sha256(json.dumps(case.body, sort_keys=True, default=str).encode()).hexdigest()
        case.headers["Idempotency-Key"] = f"{key[:238]}-{digest[:16]}"
    return case


@pytest.fixture(scope="module", autouse=True)
def _moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    with MotoServer(_PORT, log_path=tmp_path_factory.mktemp("fuzz") / "moto.log"):
        provision(_SETTINGS)
        _RECEIVED_UPLOAD["id"] = _received_upload("নদীর ধারে একটি গ্রাম।\n".encode())
        _RECEIVED_UPLOAD["cover"] = _received_upload(_png(), "image/png")
        with TestClient(create_app(_SETTINGS), headers=AUTH) as api:
            entries = {"entries": [{"grapheme": "গ্রাম", "alias": "গাঁ"}]}
            api.put(f"/v1/lexicons/{_LEXICON}", json=entries).raise_for_status()
            _RECEIVED_UPLOAD["clips"] = [upload(api, speechlike(3.5, seed=n)) for n in range(MAX_CLIPS)]
            voice = {"name": "Kept", "base_voice": "bn-xtts-fuzz", "clips": [_RECEIVED_UPLOAD["clips"][0]]}
            created = api.post("/v1/voices", json={**voice, "consent": consent()})
            _RECEIVED_UPLOAD["voice"] = created.raise_for_status().json()["id"]
        yield


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def _received_upload(data: bytes, content_type: str = "text/plain") -> str:
    with TestClient(create_app(_SETTINGS), headers=AUTH) as api:
        upload = api.post("/v1/uploads", json={"content_type": content_type, "bytes": len(data)}).json()
    httpx.put(upload["url"], content=data, headers=upload["headers"]).raise_for_status()
    return str(upload["id"])


@schema.parametrize()
@hypothesis_settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_check_on_every_operation(case: Any) -> None:
    _uploads_that_exist(case)
    case.call_and_validate(headers=AUTH)


class APIWorkflow(schema.as_state_machine()):  # type: ignore[misc]
    def get_call_kwargs(self, case: Any) -> dict[str, Any]:
        return {"headers": AUTH}

    def before_call(self, case: Any) -> None:
        _uploads_that_exist(case)

    def teardown(self) -> None:
        # Lexicon names are the client's: what one example created must not be there for the next.
        s3 = s3_client(_SETTINGS)
        for key in JobStore(s3, _SETTINGS.bucket).list_keys(keys.lexicons_prefix(LOCAL_TENANT)):
            if key != keys.lexicon(LOCAL_TENANT, _LEXICON):
                s3.delete_object(Bucket=_SETTINGS.bucket, Key=key)


def test_the_schema_links_what_a_workflow_needs() -> None:
    links = schema.as_state_machine().schema.statistic.transitions
    assert links.total >= 4  # uploads and jobs: created, then read, cancelled, their result fetched


def test_a_created_job_links_to_what_can_be_done_with_it() -> None:
    links = schema.raw_schema["paths"]["/v1/jobs"]["post"]["responses"]["202"]["links"]
    targets = {(link["operationRef"], link["parameters"]["job_id"]) for link in links.values()}
    assert targets == {
        ("#/paths/~1v1~1jobs~1{job_id}/get", "$response.body#/id"),
        ("#/paths/~1v1~1jobs~1{job_id}~1result/get", "$response.body#/id"),
        ("#/paths/~1v1~1jobs~1{job_id}~1cancel/post", "$response.body#/id"),
        ("#/paths/~1v1~1jobs~1{job_id}/delete", "$response.body#/id"),
    }


TestAPIWorkflow = APIWorkflow.TestCase
TestAPIWorkflow.settings = hypothesis_settings(
    max_examples=20,
    stateful_step_count=8,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
