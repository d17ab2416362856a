"""Debian's nginx with the deployed site, deploy/nginx/enab.conf, as an ordinary process.

The site file is the one production installs, filled in with local values (the checkout, the
gunicorn to proxy to, a free port, a cache directory of its own); around it, a small main
configuration with every path in a work directory, so nginx runs without root and leaves the
system's nginx alone. Used by `make bench` and tests/deploy/test_nginx.py.
"""

import os
import re
import signal
import subprocess
import time
from pathlib import Path

from . import BenchError
from .prepare import REPO_ROOT
from .servers import HOST, free_port, get

NGINX = os.environ.get("NGINX_PATH", "/usr/sbin/nginx")
SITE_TEMPLATE = REPO_ROOT / "deploy" / "nginx" / "enab.conf"
MODULES = Path("/usr/lib/nginx/modules")
BROTLI = ("ngx_http_brotli_filter_module.so", "ngx_http_brotli_static_module.so")
MIME_TYPES = Path("/etc/nginx/mime.types")
INSTALL = "run scripts/install-nginx.sh as root"
START_TIMEOUT, STOP_TIMEOUT = 10.0, 10.0
TEMP_PATHS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


def unavailable() -> str | None:
    """Why nginx with the site's modules cannot run here, or None when it can."""
    if not (os.path.isfile(NGINX) and os.access(NGINX, os.X_OK)):
        return f"nginx not found at {NGINX}: {INSTALL} (or set NGINX_PATH)"
    absent = [name for name in BROTLI if not (MODULES / name).is_file()]
    if absent:
        return f"nginx's brotli modules are missing ({', '.join(absent)}): {INSTALL}"
    if not MIME_TYPES.is_file():
        return f"{MIME_TYPES} is missing (Debian's nginx-common): {INSTALL}"
    return None


def render_site(values: dict[str, str]) -> str:
    """deploy/nginx/enab.conf with its ${ENAB_...} names filled in (every one must be given)."""
    text = SITE_TEMPLATE.read_text()
    for name, value in values.items():
        text = text.replace("${" + name + "}", value)
    left = sorted(set(re.findall(r"\$\{(ENAB_\w+)\}", text)))
    if left:
        raise BenchError(f"{SITE_TEMPLATE} needs values for {', '.join(left)}")
    return text


def _main_conf(workdir: Path, workers: int, access_log: bool) -> str:
    modules = "".join(f"load_module {MODULES / name};\n" for name in BROTLI)
    # Started as root (CI), the workers would otherwise become `nobody`, locked out of the work dir.
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp = "".join(f"    {kind}_temp_path {workdir / 'temp' / kind};\n" for kind in TEMP_PATHS)
    log = f"{workdir / 'access.log'}" if access_log else "off"
    return (
        f"{user}{modules}worker_processes {workers};\n"
        f"error_log {workdir / 'error.log'} warn;\n"
        f"pid {workdir / 'nginx.pid'};\n"
        "events { worker_connections 1024; }\n"
        "http {\n"
        f"    include {MIME_TYPES};\n"
        "    default_type application/octet-stream;\n"
        "    sendfile on;\n"
        "    tcp_nopush on;\n"
        f"    access_log {log};\n"
        f"{temp}"
        f"    include {workdir / 'enab.conf'};\n"
        "}\n"
    )


class Nginx:
    """nginx in front of gunicorn at `upstream`, serving this checkout; a context manager."""

    def __init__(
        self, workdir: Path, upstream: str, workers: int = 1, access_log: bool = True
    ) -> None:
        self.workdir = workdir
        self.upstream = upstream
        self.workers = workers
        self.access_log = access_log
        self.port = free_port()
        self.conf = workdir / "nginx.conf"
        self.proc: subprocess.Popen | None = None

    def url(self, path: str) -> str:
        return f"http://{HOST}:{self.port}{path}"

    def _command(self, *extra: str) -> list[str]:
        return [NGINX, "-p", str(self.workdir), "-c", str(self.conf),
                "-e", str(self.workdir / "error.log"), *extra]  # fmt: skip

    def write_config(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        (self.workdir / "temp").mkdir(exist_ok=True)
        site = render_site(
            {
                "ENAB_ROOT": str(REPO_ROOT),
                "ENAB_UPSTREAM": self.upstream,
                "ENAB_LISTEN": f"{HOST}:{self.port}",
                "ENAB_SERVER_NAME": "localhost",
                "ENAB_CACHE_DIR": str(self.workdir / "cache"),
            }
        )
        (self.workdir / "enab.conf").write_text(site)
        self.conf.write_text(_main_conf(self.workdir, self.workers, self.access_log))

    def __enter__(self) -> "Nginx":
        self.write_config()
        checked = subprocess.run(
            self._command("-t", "-q"), capture_output=True, text=True, check=False, timeout=30
        )
        if checked.returncode != 0:
            raise BenchError(f"nginx refused {self.conf}:\n{checked.stderr.strip()}")
        self.proc = subprocess.Popen(
            self._command("-g", "daemon off;"),
            cwd=self.workdir,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,  # nginx writes to error.log (-e) from the start
            start_new_session=True,
        )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def log_tail(self, limit: int = 3000) -> str:
        try:
            return (self.workdir / "error.log").read_text(errors="replace")[-limit:].strip()
        except OSError:
            return ""

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.proc is None or self.proc.poll() is not None:
                raise BenchError(f"nginx exited:\n{self.log_tail()}")
            try:
                get(self.port, "/static/css/site.css", timeout=2.0)
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise BenchError(
                        f"nginx did not answer on port {self.port} within {START_TIMEOUT:.0f} s:\n"
                        f"{self.log_tail()}"
                    ) from None
                time.sleep(0.1)

    def stop(self) -> None:
        """Graceful shutdown (SIGQUIT), then kill the whole process group if it lingers."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGQUIT)
        try:
            proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                proc.kill()
            proc.wait(STOP_TIMEOUT)
