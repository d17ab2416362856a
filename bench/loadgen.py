"""The fallback load tool: threads driving `http.client` connections (keep-alive where the
server allows it; gunicorn's sync workers close after each response, so they reconnect).

It shares the CPU and the GIL with itself, so on a small machine it saturates before a fast
server does: it reads lower req/s than wrk and narrows the gap between the two targets.
"""

import http.client
import threading
import time
from urllib.parse import urlsplit

from . import BenchError
from .results import Result, percentile

CONNECTIONS = 16
TIMEOUT = 10.0


class _Worker(threading.Thread):
    def __init__(self, host: str, port: int, path: str, headers: dict[str, str],
                 start: threading.Barrier, end: float):  # fmt: skip
        super().__init__(daemon=True)
        self.host, self.port, self.path, self.headers = host, port, path, headers
        self.start_barrier = start
        self.end = end
        self.latencies: list[float] = []
        self.errors = 0
        self.finished = 0.0

    def run(self) -> None:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT)
        self.start_barrier.wait()
        clock = time.perf_counter
        try:
            while (began := clock()) < self.end:
                try:
                    conn.request("GET", self.path, headers=self.headers)
                    response = conn.getresponse()
                    response.read()
                except (OSError, http.client.HTTPException):
                    self.errors += 1
                    conn.close()  # the next request() opens a new connection
                    continue
                self.latencies.append(clock() - began)
                if response.status >= 400:
                    self.errors += 1
        finally:
            conn.close()
            self.finished = clock()


class PythonLoad:
    def __init__(self, reason: str) -> None:
        self.description = (
            f"python fallback, bench/loadgen.py ({CONNECTIONS} threads, {CONNECTIONS} "
            f"connections; {reason})"
        )

    def run(self, url: str, seconds: float, headers: dict[str, str] | None = None) -> Result:
        parts = urlsplit(url)
        if not parts.hostname or not parts.port:
            raise BenchError(f"need a host and port in {url!r}")
        path = parts.path or "/"
        # The deadline is set once every thread is ready, by the barrier's action.
        started = 0.0
        workers: list[_Worker] = []

        def go() -> None:
            nonlocal started
            started = time.perf_counter()
            for worker in workers:
                worker.end = started + seconds

        barrier = threading.Barrier(CONNECTIONS + 1, action=go)
        workers.extend(
            _Worker(parts.hostname, parts.port, path, headers or {}, barrier, 0.0)
            for _ in range(CONNECTIONS)
        )
        for worker in workers:
            worker.start()
        barrier.wait()
        for worker in workers:
            worker.join(seconds + TIMEOUT + 5)
        if any(worker.is_alive() for worker in workers):
            raise BenchError(f"load threads for {url} did not finish")
        latencies = sorted(lat for worker in workers for lat in worker.latencies)
        if not latencies:
            raise BenchError(f"no request to {url} completed")
        elapsed = max(worker.finished for worker in workers) - started
        return Result(
            rps=len(latencies) / elapsed,
            p50_ms=percentile(latencies, 50) * 1000,
            p99_ms=percentile(latencies, 99) * 1000,
            requests=len(latencies),
            errors=sum(worker.errors for worker in workers),
        )
