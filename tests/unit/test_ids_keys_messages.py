from __future__ import annotations

import pytest

from kontho import keys
from kontho.errors import PoisonMessage
from kontho.ids import ID_LENGTH, is_job_id, new_job_id
from kontho.messages import JobMessage


def test_new_ids_are_well_formed_unique_and_time_ordered() -> None:
    ids = [new_job_id(now_ms=1_700_000_000_000 + i) for i in range(200)]
    assert all(len(i) == ID_LENGTH and is_job_id(i) for i in ids)
    assert len(set(ids)) == len(ids)
    assert ids == sorted(ids)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "../../etc/passwd",
        "01ARZ3NDEKTSV4RRFFQ69G5FAV",
        "0" * 25,
        "0" * 27,
        "01m81hg1jqj7nk29mb7ghd018/",
        "x" * 5000,
    ],
)
def test_malformed_ids_are_refused(value: str) -> None:
    assert not is_job_id(value)
    with pytest.raises(ValueError, match="not a job id"):
        keys.job_record(value)


def test_key_layout() -> None:
    job_id = new_job_id()
    assert keys.job_record(job_id) == f"jobs/{job_id}/job.json"
    assert keys.job_input(job_id) == f"jobs/{job_id}/input.txt"
    assert keys.job_audio(job_id, "mp3") == f"jobs/{job_id}/audio.mp3"


def test_message_round_trip_carries_only_the_pointer() -> None:
    job_id = new_job_id()
    body = JobMessage(job_id=job_id).encode()
    assert JobMessage.decode(body).job_id == job_id
    assert set(JobMessage.model_validate_json(body).model_dump()) == {"v", "job_id"}


@pytest.mark.parametrize(
    "body", ["", "not json", "{}", '{"job_id": "../x"}', f'{{"v": 99, "job_id": "{new_job_id()}"}}', "[]"]
)
def test_unreadable_messages_are_poison(body: str) -> None:
    with pytest.raises(PoisonMessage):
        JobMessage.decode(body)
