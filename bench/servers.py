"""Start gunicorn on a free local port, wait until it answers, and always stop it."""

import http.client
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from . import BenchError
from .prepare import REPO_ROOT, tool

HOST = "127.0.0.1"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def get(port: int, path: str, timeout: float = 10.0) -> tuple[int, bytes]:
    """One GET on a fresh connection: (status, body)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


class Gunicorn:
    """`gunicorn APP` with two sync workers, or with the settings of a gunicorn config file
    (deploy/gunicorn.conf.py, told its port through GUNICORN_BIND); use as a context manager."""

    def __init__(
        self, name: str, app: str, env: dict[str, str], log_dir: Path, config: Path | None = None
    ) -> None:
        self.name = name
        self.app = app
        self.port = free_port()
        self.env = env if config is None else {**env, "GUNICORN_BIND": f"{HOST}:{self.port}"}
        self.config = config
        self.log_path = log_dir / f"gunicorn-{name}.log"
        self.proc: subprocess.Popen | None = None

    def url(self, path: str) -> str:
        return f"http://{HOST}:{self.port}{path}"

    def __enter__(self) -> "Gunicorn":
        command = [
            tool("gunicorn"),
            self.app,
            "--workers", "2",
            "--worker-class", "sync",
            "--bind", f"{HOST}:{self.port}",
            "--log-level", "warning",
            "--graceful-timeout", "5",
        ]  # fmt: skip
        if self.config is not None:
            command = [tool("gunicorn"), "--config", str(self.config), self.app]
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                command,
                cwd=REPO_ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own group: Ctrl-C reaches us, and we stop it
            )
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def log_tail(self, limit: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-limit:].strip()
        except OSError:
            return ""

    def wait_ready(self, path: str = "/") -> None:
        """Poll until the server answers any HTTP response, or fail with its log."""
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.proc is None or self.proc.poll() is not None:
                code = None if self.proc is None else self.proc.returncode
                raise BenchError(f"gunicorn {self.app} exited ({code}):\n{self.log_tail()}")
            try:
                get(self.port, path, timeout=2.0)
                return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise BenchError(
                    f"gunicorn {self.app} did not answer on port {self.port} within "
                    f"{START_TIMEOUT:.0f} s:\n{self.log_tail()}"
                )
            time.sleep(0.2)

    def stop(self) -> None:
        """Terminate (graceful), then kill the whole process group if it lingers."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            try:  # the master and its workers: the group this Popen started
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                proc.kill()
            proc.wait(STOP_TIMEOUT)
