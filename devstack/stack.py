"""Starts and stops the local stack: moto, provisioning, the API and N workers, each its own process."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType, TracebackType
from typing import IO

from devstack.motoserver import MotoServer, free_port, port_is_free, wait_for_http
from devstack.provision import Resources, provision
from kontho.settings import Settings
from kontho.tenants import LOCAL_KEY

LOCAL_API_KEY = LOCAL_KEY  # the development tenant's key (kontho/tenants.py)
# moto accepts any credentials; these make sure boto3 never reaches for real ones.
_LOCAL_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "kontho-local", "AWS_SECRET_ACCESS_KEY": "kontho-local"}


class LocalStack:
    def __init__(self, settings: Settings, logs_to_files: bool = True) -> None:
        self.settings = settings
        self.state_dir = settings.local_state_dir
        self.api_url = f"http://127.0.0.1:{settings.api_port}"
        self._logs_to_files = logs_to_files
        self._moto = MotoServer(settings.local_aws_port, self._log_path("moto"))
        self._api: subprocess.Popen[bytes] | None = None
        self._workers: list[subprocess.Popen[bytes]] = []
        # Every process the stack started, listed the moment it exists (see _signals_held).
        self._children: list[tuple[str, subprocess.Popen[bytes]]] = []
        self.metrics_ports: list[int] = []
        """Each worker's Prometheus port, in the order the workers started."""
        self._log_files: list[IO[bytes]] = []
        self.resources: Resources | None = None

    @property
    def env_file(self) -> Path:
        return self.state_dir / "local.env"

    def _log_path(self, name: str) -> Path | None:
        if not self._logs_to_files:
            return None
        (self.state_dir / "logs").mkdir(parents=True, exist_ok=True)
        return self.state_dir / "logs" / f"{name}.log"

    def worker_env(self) -> dict[str, str]:
        """What a process needs to join this stack: the endpoint, the names, throwaway credentials."""
        if self.resources is None:
            raise RuntimeError("the stack is not started")
        return {
            "KONTHO_AWS_ENDPOINT_URL": self._moto.endpoint,
            "KONTHO_AWS_REGION": self.settings.aws_region,
            "KONTHO_BUCKET": self.resources.bucket,
            "KONTHO_QUEUE_URL": self.resources.queue_url,
            "KONTHO_QUEUE_NAME": self.settings.queue_name,
            "KONTHO_DLQ_NAME": self.settings.dlq_name,
            "KONTHO_MAX_RECEIVE_COUNT": str(self.settings.max_receive_count),
            "KONTHO_API_PORT": str(self.settings.api_port),
            # Webhook receivers on this machine are what local development tests against.
            "KONTHO_WEBHOOK_ALLOW_PRIVATE": "true",
            "AWS_DEFAULT_REGION": self.settings.aws_region,
            **_LOCAL_CREDENTIALS,
            # The stack's own catalog, so the API, its workers and one that joins offer the same voices.
            **({"KONTHO_VOICES_FILE": str(self.settings.voices_file)} if self.settings.voices_file else {}),
        }

    def start(self) -> LocalStack:
        if not port_is_free(self.settings.api_port):
            raise RuntimeError(f"port {self.settings.api_port} is in use; set KONTHO_API_PORT to a free port")
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self._moto.start()
        local = self.settings.model_copy(update={"aws_endpoint_url": self._moto.endpoint})
        os.environ.update(_LOCAL_CREDENTIALS)
        self.resources = provision(local)
        self.env_file.write_text("".join(f"{k}={v}\n" for k, v in self.worker_env().items()))
        self._api = self._spawn("api", [sys.executable, "-m", "api"])
        wait_for_http(f"{self.api_url}/readyz", timeout=60, process=self._api)
        for _ in range(self.settings.local_workers):
            self.add_worker()
        return self

    def add_worker(self) -> subprocess.Popen[bytes]:
        worker, port = self._start_worker(len(self._workers))
        self.metrics_ports.append(port)
        self._workers.append(worker)
        return worker

    def restart_worker(self, index: int) -> subprocess.Popen[bytes]:
        """Start worker ``index`` again after it exited: same log, a fresh metrics port."""
        if self._workers[index].poll() is None:
            raise RuntimeError(f"worker {index + 1} is still running")
        worker, port = self._start_worker(index)
        self._workers[index], self.metrics_ports[index] = worker, port
        return worker

    def _start_worker(self, index: int) -> tuple[subprocess.Popen[bytes], int]:
        # Workers share one host here: each gets a metrics port of its own.
        port = free_port()
        worker = self._spawn(
            f"worker-{index + 1}", [sys.executable, "-m", "worker"], {"KONTHO_WORKER_METRICS_PORT": str(port)}
        )
        return worker, port

    @property
    def workers(self) -> list[subprocess.Popen[bytes]]:
        return list(self._workers)

    def worker_pids(self) -> list[int]:
        return [w.pid for w in self._workers]

    def kill_worker(self, index: int = 0) -> None:
        """SIGKILL a worker, as a lost node or the OOM killer would: no drain, no last word."""
        worker = self._workers[index]
        worker.kill()
        worker.wait()

    def _spawn(
        self, name: str, argv: list[str], extra_env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        env = {**os.environ, **self.worker_env(), **(extra_env or {})}
        log_path = self._log_path(name)
        log = log_path.open("ab") if log_path else None
        if log is not None:
            self._log_files.append(log)
        with _signals_held():
            process = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT if log else None)
            self._children.append((name, process))
        return process

    def check_api_alive(self) -> None:
        if self._api is not None and self._api.poll() is not None:
            raise RuntimeError(f"the api process exited with code {self._api.returncode}")

    def check_alive(self) -> None:
        for name, process in [
            ("api", self._api),
            *((f"worker {i + 1}", w) for i, w in enumerate(self._workers)),
        ]:
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"the {name} process exited with code {process.returncode}")

    def stop(self) -> None:
        # Workers first, so none is mid-request when the API or moto goes away.
        started = [process for name, process in self._children if name != "api"]
        started += [process for name, process in self._children if name == "api"]
        for process in started:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in started:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._moto.stop()
        for log in self._log_files:
            log.close()

    def __enter__(self) -> LocalStack:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Ctrl-C or SIGTERM between a child's fork and its listing would leave it running where ``stop``
    cannot see it (a `kill` right after the API answers lands exactly there): hold both signals until the
    child is listed, then deliver the first one. The child's own signal mask is left alone."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []

    def hold(signum: int, frame: FrameType | None) -> None:
        caught.append(signum)

    previous = {number: signal.signal(number, hold) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        if caught:
            signal.raise_signal(caught[0])
