"""The capacity model's simulation: KEDA's replica formula, the HPA's rate limits, and a worker fleet
serving a Poisson stream of jobs second by second. ``infra/capacity.py`` runs it and reports."""

from __future__ import annotations

import math
import random
from collections import deque
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Assumptions:
    gpu_x_realtime: float = 100.0
    """Audio seconds synthesized per wall second on one GPU (ASSUMED: no GPU run is recorded yet)."""
    encode_x_realtime: float = 146.0
    """Audio seconds the worker's CPU side (mastering and MP3 encoders on all its cores) finishes per wall
    second; it runs behind synthesis (bench/results/longform.json when present)."""
    job_overhead_seconds: float = 5.0
    """Per job: S3 reads and writes, queue calls, planning (ASSUMED)."""
    chars_per_audio_second: float = 14.0
    """Speaking rate (the benchmarks' fixed rate, about 14 characters a second)."""
    median_job_chars: float = 20_000.0
    """Median job: a chapter or a podcast episode (ASSUMED)."""
    job_chars_sigma: float = 1.0
    """Log-normal spread of job sizes (ASSUMED): p95 is about 5x the median."""
    node_provision_seconds: float = 90.0
    """A GPU node joining the cluster (ASSUMED, Karpenter on EC2)."""
    image_pull_seconds: float = 120.0
    """Pulling the multi-gigabyte worker image on a fresh node (ASSUMED)."""
    model_load_seconds: float = 30.0
    """Fetching a 1 GB model from S3 and loading it onto the GPU (ASSUMED)."""
    gpu_usd_per_hour: float = 0.9776
    """PRICE ASSUMPTION: g6.2xlarge (1x NVIDIA L4, 8 vCPU for the encoders) on-demand, us-east-1 list price
    as published in 2025."""
    polling_interval_seconds: int = 15
    queue_length: int = 1
    activation_queue_length: int = 0
    min_replicas: int = 0
    max_replicas: int = 1000
    cooldown_seconds: int = 600
    scale_down_stabilization_seconds: int = 300
    scale_down_period_seconds: int = 60
    scale_down_percent: int = 10

    @property
    def startup_seconds(self) -> float:
        return self.node_provision_seconds + self.image_pull_seconds + self.model_load_seconds

    def service_seconds(self, audio_seconds: float) -> float:
        # The encoders follow synthesis as it writes, so the slower of the two sets the pace.
        return audio_seconds / min(self.gpu_x_realtime, self.encode_x_realtime) + self.job_overhead_seconds

    @property
    def mean_job_audio_seconds(self) -> float:
        mean_chars = self.median_job_chars * math.exp(self.job_chars_sigma**2 / 2)
        return mean_chars / self.chars_per_audio_second


def keda_desired_replicas(visible: int, in_flight: int, current_target: int, a: Assumptions) -> int:
    """KEDA's aws-sqs-queue answer: ceil((visible + in flight) / queueLength), clamped to [min, max].

    At or below the activation value the scaler is inactive and the target is minReplicaCount (KEDA then
    goes to zero once the cooldown has passed; the caller handles that delay).
    """
    messages = visible + in_flight
    if messages <= a.activation_queue_length:
        return a.min_replicas
    desired = math.ceil(messages / a.queue_length)
    del current_target  # the formula does not depend on the current count; the HPA's limits do
    return max(a.min_replicas, min(a.max_replicas, max(desired, 1)))


def hpa_scale_up_limit(current: int) -> int:
    """The HPA's default scale-up policy: at most double, or add 4, per 15 s, whichever is more."""
    return max(2 * current, current + 4)


@dataclass
class Job:
    arrived: float
    audio_seconds: float
    chars: float
    work_seconds: float
    remaining: float = 0.0
    started: float | None = None

    def __post_init__(self) -> None:
        self.remaining = self.work_seconds


@dataclass
class Worker:
    ready_at: float
    billed_from: float
    job: Job | None = None
    busy_seconds: float = 0.0


@dataclass
class Result:
    listeners: int
    jobs_arrived: int
    jobs_done: int
    work_in_seconds: float
    work_done_seconds: float
    work_left_seconds: float
    waits: list[float]
    replicas: list[int]
    queued: list[int]
    busy_seconds: float
    billed_seconds: float
    audio_seconds_done: float
    chars_done: float
    cost_usd: float
    times: list[float] = field(default_factory=list)


def simulate(listeners: int, hours: float, a: Assumptions, seed: int = 7) -> Result:
    """Second-by-second simulation of one tier, from zero workers."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible simulation, not security
    arrival_rate = listeners / a.mean_job_audio_seconds  # jobs per second
    queue: deque[Job] = deque()
    workers: list[Worker] = []
    retired_busy = retired_billed = 0.0
    target = 0
    last_active = -math.inf
    history: deque[tuple[float, int]] = deque()  # (time, desired) for the scale-down stabilization window
    last_scale_down = -math.inf
    result = Result(listeners, 0, 0, 0.0, 0.0, 0.0, [], [], [], 0.0, 0.0, 0.0, 0.0, 0.0)
    steps = int(hours * 3600)
    for second in range(steps):
        now = float(second)
        for _ in range(_poisson(rng, arrival_rate)):
            chars = min(
                2_000_000.0, max(500.0, rng.lognormvariate(math.log(a.median_job_chars), a.job_chars_sigma))
            )
            audio = chars / a.chars_per_audio_second
            job = Job(now, audio, chars, a.service_seconds(audio))
            queue.append(job)
            result.jobs_arrived += 1
            result.work_in_seconds += job.work_seconds

        # Idle ready workers take the oldest waiting job; every busy worker does one second of work.
        for worker in workers:
            if worker.job is None and worker.ready_at <= now and queue:
                job = queue.popleft()
                if job.started is None:  # a released job resuming is not a new wait
                    result.waits.append(now - job.arrived)
                    job.started = now
                worker.job = job
            if worker.job is not None:
                step = min(1.0, worker.job.remaining)
                worker.job.remaining -= step
                worker.busy_seconds += step
                result.work_done_seconds += step
                if worker.job.remaining <= 1e-9:
                    result.jobs_done += 1
                    result.audio_seconds_done += worker.job.audio_seconds
                    result.chars_done += worker.job.chars
                    worker.job = None

        in_flight = sum(1 for w in workers if w.job is not None)
        if second % a.polling_interval_seconds == 0:
            desired = keda_desired_replicas(len(queue), in_flight, target, a)
            if desired > a.min_replicas:
                last_active = now
            elif now - last_active < a.cooldown_seconds:
                desired = max(desired, min(target, 1))  # KEDA keeps one replica until the cooldown ends
            history.append((now, desired))
            while history and history[0][0] < now - a.scale_down_stabilization_seconds:
                history.popleft()
            if desired > target:
                target = min(desired, hpa_scale_up_limit(target))
            else:
                stabilized = max(d for _, d in history)
                if stabilized < target and now - last_scale_down >= a.scale_down_period_seconds:
                    step = max(1, math.ceil(target * a.scale_down_percent / 100))
                    target = max(stabilized, target - step)
                    last_scale_down = now
                elif stabilized < target and target == 1 and stabilized == 0:
                    target = 0

        while len(workers) < target:
            workers.append(Worker(ready_at=now + a.startup_seconds, billed_from=now))
        while len(workers) > target:
            # The HPA picks a pod; idle ones first here. A busy one would drain and its job resume elsewhere.
            idle = [w for w in workers if w.job is None]
            victim = idle[-1] if idle else workers[-1]
            if victim.job is not None:
                queue.appendleft(victim.job)  # released: resumes from its checkpoints on another worker
                victim.job = None
            retired_busy += victim.busy_seconds
            retired_billed += now - victim.billed_from
            workers.remove(victim)

        result.replicas.append(len(workers))
        result.queued.append(len(queue))
        result.times.append(now)

    end = float(steps)
    result.busy_seconds = retired_busy + sum(w.busy_seconds for w in workers)
    result.billed_seconds = retired_billed + sum(end - w.billed_from for w in workers)
    result.work_left_seconds = sum(j.remaining for j in queue) + sum(
        w.job.remaining for w in workers if w.job is not None
    )
    result.cost_usd = result.billed_seconds / 3600 * a.gpu_usd_per_hour
    return result


def _poisson(rng: random.Random, mean: float) -> int:
    # Knuth's method is fine for the small per-second means here (below ~10).
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count
