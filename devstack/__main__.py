"""``python -m devstack run|serve``: the local stack for ``make run`` and ``make serve``."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from client.http import KonthoClient
from devstack.stack import LOCAL_API_KEY, LocalStack
from kontho.settings import Settings

SAMPLE = Path(__file__).parent / "samples" / "nodir-gan.txt"


def _progress_line(job: dict[str, Any]) -> str:
    p = job["progress"]
    width = 30
    bar = "#" * int(width * p["percent"] / 100)
    return f"  [{bar:-<{width}}] {p['percent']:5.1f}%  {p['done']}/{p['total']} chunks  {job['status']}"


class ProgressPrinter:
    """One updating line on a terminal; a new line per change anywhere else (CI logs, pipes)."""

    def __init__(self, started: float) -> None:
        self._started = started
        self._last = ""
        self._tty = sys.stdout.isatty()

    def __call__(self, job: dict[str, Any]) -> None:
        line = _progress_line(job)
        if self._tty:
            print(f"\r{line}  {time.monotonic() - self._started:6.1f} s", end="", flush=True)
        elif line != self._last:
            print(f"{line}  {time.monotonic() - self._started:6.1f} s", flush=True)
        self._last = line

    def close(self) -> None:
        if self._tty:
            print()


def run(settings: Settings, text_path: Path, audio_format: str) -> int:
    text = text_path.read_text(encoding="utf-8")
    print(
        f"kontho: starting the local stack (moto on :{settings.local_aws_port}, API on :{settings.api_port})"
    )
    with LocalStack(settings) as stack:
        if settings.local_workers < 1:
            print("kontho: KONTHO_LOCAL_WORKERS is 0, so nothing would render the job", file=sys.stderr)
            return 2
        client = KonthoClient(stack.api_url, api_key=LOCAL_API_KEY)
        started = time.monotonic()
        job = client.submit(text, format=audio_format, title=text_path.stem)
        print(f"kontho: submitted {text_path.name} ({len(text):,} characters) as job {job['id']}")

        printer = ProgressPrinter(started)

        def show(update: dict[str, Any]) -> None:
            stack.check_alive()
            printer(update)

        job = client.wait(job["id"], timeout=1800, on_update=show)
        printer.close()
        if job["status"] != "completed":
            print(f"kontho: job {job['status']}: {job['error']}", file=sys.stderr)
            print(f"kontho: logs are in {stack.state_dir / 'logs'}", file=sys.stderr)
            return 1
        audio = client.result(job["id"])["audio"]
        out = settings.local_out_dir / f"{text_path.stem}.{audio['format']}"
        client.download(audio["url"], out)
        wall = time.monotonic() - started
        print(f"kontho: wrote {out} ({audio['bytes']:,} bytes)")
        print(
            f"kontho: audio duration {audio['duration_seconds']:.1f} s; the job took {wall:.1f} s "
            f"({audio['duration_seconds'] / wall:.1f}x real time)"
        )
        client.close()
    return 0


def serve(settings: Settings) -> int:
    with LocalStack(settings, logs_to_files=False) as stack:
        print(f"\nkontho is serving. API: {stack.api_url}  (docs: {stack.api_url}/docs)")
        print(f"Send 'Authorization: Bearer {LOCAL_API_KEY}'. Workers running: {settings.local_workers}.")
        print(f"\nTo join another worker to this stack ({stack.env_file}):")
        for key, value in stack.worker_env().items():
            print(f"  {key}={value}")
        print(f"\n  set -a && . {stack.env_file} && set +a && .venv/bin/python -m worker\n")
        print("Ctrl-C stops everything.", flush=True)
        try:
            while True:
                stack.check_alive()
                time.sleep(1)
        except KeyboardInterrupt:
            print("\nkontho: stopping")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run_parser = sub.add_parser("run", help="start the stack, render one text, write it under out/, stop")
    run_parser.add_argument("--text", type=Path, default=SAMPLE, help="UTF-8 text file (default: the sample)")
    run_parser.add_argument("--format", default="mp3", choices=["mp3", "wav", "flac", "ogg"])
    sub.add_parser("serve", help="run the stack in the foreground until Ctrl-C")
    args = parser.parse_args(argv)
    settings = Settings()
    try:
        if args.command == "run":
            return run(settings, args.text, args.format)
        return serve(settings)
    except (RuntimeError, TimeoutError) as exc:
        print(f"\nkontho: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
