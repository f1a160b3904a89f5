from __future__ import annotations

import pytest

from kontho.errors import (
    EngineFailed,
    InvalidJob,
    JobNotFound,
    PoisonMessage,
    QueueUnavailable,
    StorageUnavailable,
    UnknownVoice,
)
from worker.outcome import Action, action_for, dead_letter_error, job_error_for, retry_delay_seconds


@pytest.mark.parametrize(
    ("exc", "action"),
    [
        (PoisonMessage("x"), Action.DROP),
        (InvalidJob("x"), Action.FAIL),
        (UnknownVoice("x"), Action.FAIL),
        (JobNotFound("x"), Action.FAIL),
        (StorageUnavailable("x"), Action.RELEASE),
        (QueueUnavailable("x"), Action.RELEASE),
        (EngineFailed("x"), Action.RETRY),
        (RuntimeError("unforeseen"), Action.RETRY),
        (MemoryError(), Action.RETRY),
    ],
)
def test_each_error_maps_to_one_queue_action(exc: BaseException, action: Action) -> None:
    assert action_for(exc) is action


def test_job_errors_say_whether_retrying_may_help() -> None:
    assert job_error_for(InvalidJob("empty")).model_dump() == {
        "code": "invalid_input",
        "message": "empty",
        "retryable": False,
    }
    assert job_error_for(RuntimeError("boom")).code == "internal_error"
    assert job_error_for(StorageUnavailable("down")).retryable
    dead = dead_letter_error(EngineFailed("crash"), attempts=3)
    assert dead.code == "dead_lettered"
    assert "3 attempts" in dead.message
    assert "crash" in dead.message


def test_retry_delay_doubles_and_is_capped() -> None:
    assert [retry_delay_seconds(n, 5) for n in (1, 2, 3, 4)] == [5, 10, 20, 40]
    assert retry_delay_seconds(30, 5) == 300
    assert retry_delay_seconds(3, 0) == 0
