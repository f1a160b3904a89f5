"""Capacity model: how many GPU workers KEDA runs for a given demand, how long jobs wait, what audio costs.

``python -m infra.capacity`` (or ``make capacity``) simulates three demand tiers second by second and writes
``infra/capacity.md`` (a table) and ``infra/capacity.png`` (replicas and queue over time).

What a tier means: N listeners at once, each listening in real time to audio nobody else asked for, so
N hours of audio are demanded every hour. Jobs arrive as a Poisson stream whose sizes (characters) follow
a log-normal distribution; characters become seconds of audio at a fixed speaking rate.

A job's service time on one worker is synthesis (audio seconds / the GPU's real-time factor) plus encoding
(audio seconds / the encoder's real-time factor) plus a fixed overhead (S3 reads and writes, queue calls).
KEDA's aws-sqs-queue scaler asks for ceil((visible + in flight) / queueLength) replicas every polling
interval, clamped to [min, max]; the HPA behind it scales up by at most max(double, +4) per 15 s and down
by max(1 pod, 10%) per 60 s after a 300 s stabilization window, and to zero only after the cooldown.
A new worker serves after node provisioning, image pull and model load.

Every figure the model takes is a measurement only where the output says so; the rest are assumptions,
printed as such. No GPU measurement exists yet in bench/results: the GPU real-time factor is an assumption
until ``python -m bench.engine --device cuda`` records one (then pass --gpu-x-realtime).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"

TIERS = (50, 500, 5000)
"""Concurrent listeners: each consumes one second of audio per second."""

HOSTED_TTS_USD_PER_MILLION_CHARS = (15.0, 16.0)
"""List prices of common hosted neural TTS tiers (2025), for comparison only."""


@dataclass(frozen=True)
class Assumptions:
    gpu_x_realtime: float = 100.0
    """Audio seconds synthesized per wall second on one GPU (ASSUMED: no GPU run is recorded yet)."""
    encode_x_realtime: float = 146.0
    """Audio seconds encoded to MP3 per wall second (bench/results/longform.json when present)."""
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
    gpu_usd_per_hour: float = 0.8048
    """PRICE ASSUMPTION: g6.xlarge (1x NVIDIA L4) on-demand, us-east-1 list price as published in 2025."""
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
        return (
            audio_seconds / self.gpu_x_realtime
            + audio_seconds / self.encode_x_realtime
            + self.job_overhead_seconds
        )

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


def measured_encode_x_realtime() -> float | None:
    """MP3 encoding speed from the recorded long-form benchmark (CPU, espeak-ng job: encode time alone)."""
    path = RESULTS / "longform.json"
    if not path.exists():
        return None
    run = json.loads(path.read_text())["runs"]["8x"]
    return float(run["audio_seconds"]) / float(run["encode_seconds"])


def measured_gpu_x_realtime() -> float | None:
    """The GPU real-time factor, once bench.engine has recorded a CUDA run."""
    path = RESULTS / "engine-cuda.json"
    if not path.exists():
        return None
    return float(json.loads(path.read_text())["kontho"]["x_realtime"])


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def summarize(r: Result) -> dict[str, float]:
    audio_hours = r.audio_seconds_done / 3600
    return {
        "replicas_p50": statistics.median(r.replicas),
        "replicas_max": max(r.replicas),
        "wait_p50_s": percentile(r.waits, 0.50),
        "wait_p95_s": percentile(r.waits, 0.95),
        "gpu_utilization": r.busy_seconds / r.billed_seconds if r.billed_seconds else 0.0,
        "usd_per_audio_hour": r.cost_usd / audio_hours if audio_hours else math.inf,
        "usd_per_million_chars": r.cost_usd / (r.chars_done / 1e6) if r.chars_done else math.inf,
    }


def markdown(results: list[Result], a: Assumptions, sources: dict[str, str], hours: float) -> str:
    lines = [
        "# Capacity model",
        "",
        f"Generated by `python -m infra.capacity` ({hours:g} simulated hours per tier, from zero workers).",
        "A tier of N listeners demands N hours of audio per hour: each listener hears, in real time, audio",
        "rendered for them alone (no sharing of renders between listeners: the worst case).",
        "",
        "| listeners | jobs/h | replicas p50 | replicas max | wait p50 | wait p95 | GPU util "
        "| $/audio h | $/M chars |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        s = summarize(r)
        lines.append(
            f"| {r.listeners:,} | {r.jobs_arrived / hours:,.0f} "
            f"| {s['replicas_p50']:.0f} | {s['replicas_max']:.0f} "
            f"| {s['wait_p50_s']:.0f} s | {s['wait_p95_s']:.0f} s | {s['gpu_utilization']:.0%} "
            f"| ${s['usd_per_audio_hour']:.3f} | ${s['usd_per_million_chars']:.2f} |"
        )
    low, high = HOSTED_TTS_USD_PER_MILLION_CHARS
    lines += [
        "",
        f"Hosted neural TTS APIs list at about ${low:.0f}–{high:.0f} per million characters "
        "(2025 list prices).",
        "",
        "## Inputs",
        "",
        "| input | value | source |",
        "| --- | --- | --- |",
    ]
    for name, value in vars(a).items():
        lines.append(f"| `{name}` | {value} | {sources.get(name, 'default')} |")
    lines += [
        "",
        f"Worker start-up: {a.startup_seconds:.0f} s (node + image pull + model load).",
        "Replace every ASSUMED figure with a measurement when one exists; the GPU real-time factor first.",
        "",
    ]
    return "\n".join(lines)


def plot(results: list[Result], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(len(results), 1, figsize=(10, 3.2 * len(results)), sharex=True)
    for axis, r in zip(axes, results, strict=True):
        hours = [t / 3600 for t in r.times]
        axis.plot(hours, r.replicas, label="worker replicas", color="tab:blue")
        axis.plot(hours, r.queued, label="jobs waiting", color="tab:orange", alpha=0.7)
        axis.set_title(f"{r.listeners:,} concurrent listeners")
        axis.set_ylabel("count")
        axis.legend(loc="upper right")
        axis.grid(alpha=0.3)
    axes[-1].set_xlabel("hours")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def main(argv: list[str] | None = None) -> int:
    defaults = Assumptions()
    parser = argparse.ArgumentParser(prog="python -m infra.capacity", description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=6.0, help="simulated hours per tier")
    gpu_help = (
        f"audio s per wall s on one GPU (default: engine-cuda.json, else ASSUMED {defaults.gpu_x_realtime:g})"
    )
    parser.add_argument("--gpu-x-realtime", type=float, help=gpu_help)
    parser.add_argument("--gpu-usd-per-hour", type=float, default=defaults.gpu_usd_per_hour)
    parser.add_argument("--startup-seconds", type=float, help="worker start-up, overriding its three parts")
    parser.add_argument("--max-replicas", type=int, default=defaults.max_replicas)
    parser.add_argument("--out", type=Path, default=REPO / "infra", help="folder for capacity.md and .png")
    args = parser.parse_args(argv)

    sources = {name: "ASSUMED" for name in vars(defaults)}
    scaling = (
        "min_replicas",
        "max_replicas",
        "polling",
        "queue_length",
        "activation",
        "cooldown",
        "scale_down",
    )
    sources.update(
        {name: "KEDA ScaledObject / HPA (infra/k8s)" for name in vars(defaults) if name.startswith(scaling)}
    )
    sources["chars_per_audio_second"] = "benchmarks' fixed speaking rate (bench/README.md)"
    sources["gpu_usd_per_hour"] = "PRICE ASSUMPTION: g6.xlarge on-demand, us-east-1, 2025 list"
    changes: dict[str, float | int] = {
        "max_replicas": args.max_replicas,
        "gpu_usd_per_hour": args.gpu_usd_per_hour,
    }
    if args.gpu_usd_per_hour != defaults.gpu_usd_per_hour:
        sources["gpu_usd_per_hour"] = "command line"
    gpu = args.gpu_x_realtime or measured_gpu_x_realtime()
    if gpu is not None:
        changes["gpu_x_realtime"] = gpu
        sources["gpu_x_realtime"] = (
            "command line" if args.gpu_x_realtime else "MEASURED: bench/results/engine-cuda.json"
        )
    else:
        sources["gpu_x_realtime"] = "ASSUMED: no GPU run in bench/results yet"
    encode = measured_encode_x_realtime()
    if encode is not None:
        changes["encode_x_realtime"] = round(encode, 1)
        sources["encode_x_realtime"] = "MEASURED: bench/results/longform.json (2-core CPU, MP3)"
    if args.startup_seconds is not None:
        changes.update(
            node_provision_seconds=args.startup_seconds, image_pull_seconds=0, model_load_seconds=0
        )
        sources["node_provision_seconds"] = "command line (whole start-up)"
    assumptions = Assumptions(**changes)  # type: ignore[arg-type]

    results = [simulate(n, args.hours, assumptions) for n in TIERS]
    args.out.mkdir(parents=True, exist_ok=True)
    table = markdown(results, assumptions, sources, args.hours)
    (args.out / "capacity.md").write_text(table, encoding="utf-8")
    plot(results, args.out / "capacity.png")
    print(table)
    print(f"wrote {args.out / 'capacity.md'} and {args.out / 'capacity.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
