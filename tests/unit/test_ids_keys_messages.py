from __future__ import annotations

import pytest

from kontho import keys
from kontho.activejobs import least_busy_lane
from kontho.errors import PoisonMessage
from kontho.ids import ID_LENGTH, is_job_id, new_job_id
from kontho.jobqueue import message_group_for
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
        keys.job_record("local", value)


def test_key_layout_puts_everything_under_the_tenant() -> None:
    job_id = new_job_id()
    assert keys.job_record("acme", job_id) == f"tenants/acme/jobs/{job_id}/job.json"
    assert keys.job_input("acme", job_id) == f"tenants/acme/jobs/{job_id}/input.txt"
    assert keys.job_audio("acme", job_id, "mp3") == f"tenants/acme/jobs/{job_id}/audio.mp3"
    assert keys.upload_file("acme", job_id) == f"tenants/acme/uploads/{job_id}/file"


@pytest.mark.parametrize("tenant", ["", "../x", "Acme", "a/b", "-x", "x" * 64])
def test_malformed_tenants_never_become_keys(tenant: str) -> None:
    with pytest.raises(ValueError, match="not a tenant name"):
        keys.job_record(tenant, new_job_id())


def test_index_lists_newest_first_and_inverts_back() -> None:
    ids = [new_job_id(now_ms=1_700_000_000_000 + i * 1000) for i in range(50)]
    entries = [keys.index_entry("acme", i) for i in ids]
    assert sorted(entries) == list(reversed(entries))
    assert [keys.job_id_from_index(e) for e in entries] == ids


def test_a_tenants_jobs_go_to_its_least_busy_lane() -> None:
    one, two, three = (new_job_id() for _ in range(3))
    assert least_busy_lane([], 3) == 0
    assert least_busy_lane([(one, 0)], 3) == 1
    assert least_busy_lane([(one, 0), (two, 1)], 3) == 2
    assert least_busy_lane([(one, 0), (two, 1), (three, 2)], 3) == 0
    assert least_busy_lane([(one, 0), (two, 0), (three, 2)], 3) == 1
    assert least_busy_lane([(one, 0), (two, 0)], 1) == 0
    assert message_group_for("acme", 2) == "acme.2"


def test_active_markers_carry_the_lane() -> None:
    job_id = new_job_id()
    key = keys.active_marker("acme", job_id, 3)
    assert key == f"tenants/acme/active/{job_id}.3"
    assert keys.parse_active_marker(key) == (job_id, 3)


def test_message_round_trip_carries_only_the_pointer() -> None:
    job_id = new_job_id()
    body = JobMessage(job_id=job_id).encode()
    assert JobMessage.decode(body).job_id == job_id
    assert set(JobMessage.model_validate_json(body).model_dump()) == {"v", "job_id", "tenant"}


@pytest.mark.parametrize(
    "body", ["", "not json", "{}", '{"job_id": "../x"}', f'{{"v": 99, "job_id": "{new_job_id()}"}}', "[]"]
)
def test_unreadable_messages_are_poison(body: str) -> None:
    with pytest.raises(PoisonMessage):
        JobMessage.decode(body)
