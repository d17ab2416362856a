"""The `wrk` load tool: run it and parse its `--latency` report."""

import re
import shutil
import subprocess

from . import BenchError
from .results import Result

THREADS = 2
CONNECTIONS = 16
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
NUMBER_UNIT = r"([\d.]+)\s*(us|ms|s|m|h)\b"


def find() -> str | None:
    return shutil.which("wrk")


def to_ms(value: str, unit: str) -> float:
    return float(value) * UNITS_MS[unit]


def version(path: str) -> str:
    """`wrk -v` prints e.g. 'wrk debian/4.1.0-3+b2 [epoll] ...' (and exits non-zero)."""
    done = subprocess.run([path, "-v"], capture_output=True, text=True, check=False, timeout=10)
    found = re.search(r"(\d+\.\d+(?:\.\d+)?)", done.stdout + done.stderr)
    return found.group(1) if found else "(unknown version)"


def parse(output: str) -> Result:
    """Requests/sec, the 50% and 99% latency lines, the request count and any errors."""
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    p50 = re.search(r"^\s*50(?:\.0+)?%\s+" + NUMBER_UNIT, output, re.M)
    p99 = re.search(r"^\s*99(?:\.0+)?%\s+" + NUMBER_UNIT, output, re.M)
    if not (rps and p50 and p99):
        raise BenchError(f"could not parse wrk's output:\n{output.strip()}")
    total = re.search(r"^\s*(\d+) requests in", output, re.M)
    errors = 0
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if non_2xx:
        errors += int(non_2xx.group(1))
    sockets = re.search(r"Socket errors:(.*)", output)
    if sockets:
        # "connect 0, read 0, write 0, timeout 0": a sync worker's closes are not counted here
        errors += sum(int(n) for n in re.findall(r"(?:connect|write|timeout) (\d+)", sockets[1]))
    return Result(
        rps=float(rps.group(1)),
        p50_ms=to_ms(*p50.groups()),
        p99_ms=to_ms(*p99.groups()),
        requests=int(total.group(1)) if total else 0,
        errors=errors,
    )


class Wrk:
    def __init__(self, path: str) -> None:
        self.path = path
        self.description = f"wrk {version(path)} ({THREADS} threads, {CONNECTIONS} connections)"

    def run(self, url: str, seconds: int, headers: dict[str, str] | None = None) -> Result:
        command = [
            self.path,
            f"-t{THREADS}",
            f"-c{CONNECTIONS}",
            f"-d{seconds}s",
            "--timeout", "10s",
            "--latency",
            *(arg for name, value in (headers or {}).items() for arg in ("-H", f"{name}: {value}")),
            url,
        ]  # fmt: skip
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, check=False, timeout=seconds + 60
            )
        except subprocess.TimeoutExpired as exc:
            raise BenchError(f"wrk did not finish: {' '.join(command)}") from exc
        if done.returncode != 0:
            raise BenchError(f"wrk failed (exit {done.returncode}):\n{done.stdout}{done.stderr}")
        return parse(done.stdout)
