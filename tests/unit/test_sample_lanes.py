"""Voice samples' lanes: message groups no job lane uses, markers a survey of jobs does not see."""

from __future__ import annotations

from kontho import keys
from kontho.activejobs import least_busy_sample_lane
from kontho.ids import new_job_id
from kontho.jobqueue import message_group_for
from kontho.tenants import Tenant


def test_a_sample_lane_is_beyond_every_job_lane_a_tenant_can_have() -> None:
    widest = Tenant.model_fields["concurrency"].metadata
    assert max(getattr(m, "le", 0) for m in widest) <= keys.SAMPLE_LANES_FROM
    assert message_group_for("acme", keys.SAMPLE_LANES_FROM) == "acme.1000"


def test_sample_markers_live_apart_from_job_markers() -> None:
    job_id = new_job_id()
    sample = keys.active_marker("acme", job_id, keys.SAMPLE_LANES_FROM + 1)
    job = keys.active_marker("acme", job_id, 3)
    assert sample.startswith(keys.active_prefix("acme", samples=True))
    assert not sample.startswith(keys.active_prefix("acme"))
    assert job.startswith(keys.active_prefix("acme"))
    assert keys.parse_active_marker(sample) == (job_id, keys.SAMPLE_LANES_FROM + 1)


def test_samples_spread_over_the_sample_lanes() -> None:
    first = keys.SAMPLE_LANES_FROM
    assert least_busy_sample_lane([], 2) == first
    assert least_busy_sample_lane([("a", first)], 2) == first + 1
    assert least_busy_sample_lane([("a", first), ("b", first + 1), ("c", first)], 2) == first + 1
