"""Keeping ``make serve``'s workers up: a worker that dies is started again, at a bounded rate.

In production Kubernetes restarts a dead worker pod and its job resumes from checkpoints elsewhere; the
local stack does the same for its worker processes, so one crash (or a kill to see what happens) does not
take the API, moto and every job's state down with it. A worker that keeps dying soon after it starts is
restarted after a delay that doubles each time, up to a minute, so a broken worker is retried about once a
minute instead of spinning; one that ran for a while before dying starts again at once. Each exit and
restart is logged.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from devstack.stack import LocalStack


@dataclass(frozen=True)
class RestartPolicy:
    first_delay_seconds: float = 1.0
    max_delay_seconds: float = 60.0
    healthy_after_seconds: float = 60.0
    """A worker that ran this long before it died counts as a fresh failure, not one more in a row."""

    def delay(self, failures_in_a_row: int) -> float:
        return min(self.max_delay_seconds, self.first_delay_seconds * 2.0 ** max(0, failures_in_a_row - 1))


@dataclass
class _Slot:
    started: float
    failures: int = 0
    restart_at: float | None = None


class WorkerSupervisor:
    """Call ``check()`` every second or so: it notices exits and restarts workers when their delay is up."""

    def __init__(
        self,
        stack: LocalStack,
        log: Callable[[str], None],
        policy: RestartPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stack = stack
        self._log = log
        self._policy = policy or RestartPolicy()
        self._clock = clock
        self._slots = [_Slot(started=clock()) for _ in stack.workers]
        self.restarts = 0

    def check(self) -> None:
        """Restart what is due; raises RuntimeError when the API itself has gone, which no restart hides."""
        self._stack.check_api_alive()
        now = self._clock()
        for index, (slot, worker) in enumerate(zip(self._slots, self._stack.workers, strict=True)):
            name = f"worker {index + 1}"
            if slot.restart_at is None:
                code = worker.poll()
                if code is None:
                    continue
                ran = now - slot.started
                slot.failures = 1 if ran >= self._policy.healthy_after_seconds else slot.failures + 1
                delay = self._policy.delay(slot.failures)
                slot.restart_at = now + delay
                self._log(
                    f"kontho: {name} (pid {worker.pid}) exited with code {code} after {ran:.0f} s; "
                    f"restarting it in {delay:.0f} s ({slot.failures} exit(s) in a row)"
                )
            elif now >= slot.restart_at:
                restarted = self._stack.restart_worker(index)
                slot.started, slot.restart_at = now, None
                self.restarts += 1
                self._log(f"kontho: {name} restarted (pid {restarted.pid})")
