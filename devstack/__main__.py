"""``python -m devstack run|serve``: the local stack for ``make run`` and ``make serve``."""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

from client.http import KonthoClient
from client.names import artifact_name, safe_stem
from devstack.stack import LOCAL_API_KEY, LocalStack
from devstack.supervisor import WorkerSupervisor
from kontho.jobspec import AudioFormat
from kontho.settings import Settings

SAMPLE = Path(__file__).parent / "samples" / "nodir-gan.txt"


def _kontho(stack: LocalStack, *args: str, capture: bool = False) -> subprocess.CompletedProcess[str]:
    """The ``kontho`` command, as a user would type it, pointed at this stack."""
    env = {**os.environ, "KONTHO_URL": stack.api_url, "KONTHO_API_KEY": LOCAL_API_KEY}
    print(f"$ kontho {' '.join(args)}", flush=True)
    done = subprocess.run(
        [sys.executable, "-m", "client.cli", *args], env=env, text=True, capture_output=capture, check=False
    )
    if capture:
        print(done.stdout, end="", flush=True)
        print(done.stderr, end="", file=sys.stderr, flush=True)
    return done


def run(settings: Settings, text_path: Path, audio_format: str) -> int:
    """The demo: start the stack, then drive it with the kontho command, as a user would."""
    text = text_path.read_text(encoding="utf-8")
    print(
        f"kontho: starting the local stack (moto on :{settings.local_aws_port}, API on :{settings.api_port})"
    )
    with LocalStack(settings) as stack:
        if settings.local_workers < 1:
            print("kontho: KONTHO_LOCAL_WORKERS is 0, so nothing would render the job", file=sys.stderr)
            return 2
        started = time.monotonic()
        submitted = _kontho(stack, "submit", str(text_path), "--format", audio_format, capture=True)
        if submitted.returncode != 0 or not submitted.stdout.strip():
            return 1
        job_id = submitted.stdout.split()[0]
        print(f"kontho: submitted {text_path.name} ({len(text):,} characters) as job {job_id}")
        waited = _kontho(stack, "wait", job_id)
        stack.check_alive()
        if waited.returncode != 0:
            print(f"kontho: logs are in {stack.state_dir / 'logs'}", file=sys.stderr)
            return 1
        wall = time.monotonic() - started
        if _kontho(stack, "download", job_id, "-o", str(settings.local_out_dir)).returncode != 0:
            return 1
        _kontho(stack, "usage")
        with KonthoClient(stack.api_url, api_key=LOCAL_API_KEY) as client:
            title = client.job(job_id)["title"]
            audio = client.result(job_id)["audio"]
        name = artifact_name({"kind": "audio", "format": audio["format"]}, safe_stem(title, fallback=job_id))
        out = settings.local_out_dir / job_id / name
        print(f"kontho: wrote {out} ({audio['bytes']:,} bytes)")
        print(
            f"kontho: audio duration {audio['duration_seconds']:.1f} s; the job took {wall:.1f} s "
            f"({audio['duration_seconds'] / wall:.1f}x real time)"
        )
    # The stack stops with this command; the console needs one that keeps running.
    print(
        f"kontho: to listen and read along in the web console, run `make serve` and open "
        f"http://127.0.0.1:{settings.api_port}/ (API key {LOCAL_API_KEY})"
    )
    return 0


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def serve(settings: Settings) -> int:
    """The stack in the foreground until Ctrl-C; a worker that dies is restarted (devstack/supervisor.py)."""
    with LocalStack(settings, logs_to_files=False) as stack:
        print(f"\nkontho is serving. Console (kontho studio): {stack.api_url}/")
        print(f"API: {stack.api_url}/v1  (docs: {stack.api_url}/docs)")
        print(f"Send 'Authorization: Bearer {LOCAL_API_KEY}'. Workers running: {settings.local_workers}.")
        print("\nTo use the kontho command with this stack, paste:")
        print(f"  export KONTHO_URL={shlex.quote(stack.api_url)} KONTHO_API_KEY={shlex.quote(LOCAL_API_KEY)}")
        print(f"\nTo join another worker to this stack ({stack.env_file}):")
        for key, value in stack.worker_env().items():
            print(f"  {key}={value}")
        print(f"\n  set -a && . {stack.env_file} && set +a && .venv/bin/python -m worker\n")
        print("Ctrl-C stops everything. A worker that dies is started again.", flush=True)
        supervisor = WorkerSupervisor(stack, log=_stderr)
        try:
            while True:
                supervisor.check()
                time.sleep(1)
        except KeyboardInterrupt:
            print("\nkontho: stopping")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m devstack", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run_parser = sub.add_parser("run", help="start the stack, render one text, write it under out/, stop")
    run_parser.add_argument("--text", type=Path, default=SAMPLE, help="UTF-8 text file (default: the sample)")
    run_parser.add_argument("--format", default="mp3", choices=[f.value for f in AudioFormat])
    sub.add_parser("serve", help="run the stack in the foreground until Ctrl-C")
    return parser


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings()
    # `kill` (SIGTERM) stops the stack as Ctrl-C does: the API, workers and moto server go with it.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        if args.command == "run":
            return run(settings, args.text, args.format)
        return serve(settings)
    except (RuntimeError, TimeoutError) as exc:
        print(f"\nkontho: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        # Stopped before the stack was up (or while `run` waited): it has been taken down already.
        print("\nkontho: stopped", file=sys.stderr)
        return 0 if args.command == "serve" else 130


if __name__ == "__main__":
    sys.exit(main())
