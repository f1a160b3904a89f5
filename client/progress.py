"""Following jobs to their end: a bar per job, labelled by its file, with the phase it is in.

A job's record says how far it is (chunks done of total, the chapter, audio so far, an ETA), and the phase
follows from it: a running job with no chunks planned is planning; with chunks left, rendering; with every
chunk rendered and still running, encoding and uploading (for a long book that takes minutes, which is why
the bar says so instead of sitting at 100 %). On a terminal the bars redraw in place; elsewhere (a log, CI)
a line is written each time a job enters a new phase.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn
from rich.table import Column

from client.display import duration
from client.http import TERMINAL, KonthoClient

POLL_SECONDS = 1.0


class StillRunning(Exception):
    """Jobs that had not ended by the deadline."""

    def __init__(self, job_ids: list[str], timeout: float) -> None:
        super().__init__(f"still not done after {timeout:.0f} s: {', '.join(job_ids)}")
        self.job_ids = job_ids


def phase(job: dict[str, Any]) -> str:
    """queued, planning, rendering, encoding and uploading, or how it ended."""
    status, p = job["status"], job["progress"]
    if status != "running":
        return str(status)
    if p["total"] == 0:
        return "planning"
    if p["done"] < p["total"]:
        return "rendering"
    return "encoding and uploading"


@dataclass(frozen=True)
class BarState:
    """What one job's bar shows; ``total`` None makes the bar pulse (no measurable fraction)."""

    completed: float
    total: float | None
    percent: str
    phase: str
    eta: str


def bar_state(job: dict[str, Any]) -> BarState:
    p, now = job["progress"], phase(job)
    if now == "rendering" and p["chapters"] > 1:
        now = f"rendering chapter {p['chapter']}/{p['chapters']}"
    if job["status"] == "running" and (p["total"] == 0 or p["done"] >= p["total"]):
        return BarState(0, None, "", now, "")
    eta = f"ETA {duration(p['eta_seconds'])}" if now.startswith("rendering") and p.get("eta_seconds") else ""
    return BarState(p["percent"], 100, f"{p['percent']:3.0f}%", now, eta)


def _bars(console: Console) -> Progress:
    return Progress(
        TextColumn(
            "{task.description}", table_column=Column(no_wrap=True, overflow="ellipsis", max_width=28)
        ),
        BarColumn(bar_width=20),
        TextColumn("{task.fields[percent]:>4}"),
        TextColumn("{task.fields[phase]}", table_column=Column(no_wrap=True, overflow="ellipsis")),
        TextColumn("{task.fields[eta]}", table_column=Column(no_wrap=True)),
        console=console,
        transient=True,
    )


def follow(
    client: KonthoClient, labels: dict[str, str], timeout: float, console: Console
) -> list[dict[str, Any]]:
    """Poll every job in ``labels`` (id → what to call it) until all have ended, in that order.

    Raises ``StillRunning`` after ``timeout`` seconds.
    """
    finished: dict[str, dict[str, Any]] = {}
    last_phase: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    live = console.is_terminal
    with _bars(console) as bars:
        tasks: dict[str, TaskID] = {
            job_id: bars.add_task(label, total=100, percent="", phase="", eta="", visible=live)
            for job_id, label in labels.items()
        }
        while True:
            for job_id in labels.keys() - finished.keys():
                job = client.job(job_id)
                state = bar_state(job)
                bars.update(
                    tasks[job_id],
                    completed=state.completed,
                    total=state.total,
                    percent=state.percent,
                    phase=state.phase,
                    eta=state.eta,
                )
                if job["status"] in TERMINAL:
                    finished[job_id] = job
                elif not live and last_phase.get(job_id) != state.phase:
                    console.print(f"{labels[job_id]}: {state.phase}", highlight=False)
                last_phase[job_id] = state.phase
            if len(finished) == len(labels):
                return [finished[job_id] for job_id in labels]
            if time.monotonic() > deadline:
                raise StillRunning([j for j in labels if j not in finished], timeout)
            time.sleep(POLL_SECONDS)
