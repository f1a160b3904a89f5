"""A job's life: the allowed state changes are data, and nothing outside them can be written."""

from __future__ import annotations

import itertools

import pytest

from kontho.lifecycle import TRANSITIONS, IllegalTransition, check_transition
from kontho.schemas import JobState

STATES: list[JobState | None] = [None, *JobState]


@pytest.mark.parametrize(("before", "after"), list(itertools.product(STATES, list(JobState))))
def test_only_the_moves_in_the_table_are_allowed(before: JobState | None, after: JobState) -> None:
    if (before, after) in TRANSITIONS:
        check_transition(before, after)
    else:
        with pytest.raises(IllegalTransition):
            check_transition(before, after)


def test_a_finished_job_never_moves_again_except_a_failed_one_redriven() -> None:
    for before, after in TRANSITIONS:
        if before is not None and before.terminal:
            assert (before, after) == (JobState.FAILED, JobState.QUEUED)


def test_every_state_is_reachable_and_every_job_can_end() -> None:
    reached = {after for before, after in TRANSITIONS}
    assert reached == set(JobState)
    for state in (JobState.QUEUED, JobState.RUNNING):
        assert {after for before, after in TRANSITIONS if before is state} >= {
            JobState.FAILED,
            JobState.CANCELLED,
        }
