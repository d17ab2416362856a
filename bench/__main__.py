"""`python -m bench` (`make bench`): the article page against a hello-world app.

Both run under gunicorn (2 sync workers) on local ports, on a throwaway SQLite database with the
sample content; the article is measured signed out and as a signed-in member (bench/member.py:
the session cookie of a member registered on that gunicorn, sent with every request). With Debian's nginx installed (scripts/install-nginx.sh), the deployed nginx site
(deploy/nginx/enab.conf, 2 worker processes) stands in front of the article's gunicorn, and two
more targets join: the article through nginx (its micro-cache answering) and a static file from
the same nginx, the ceiling any page through it can reach. Each target gets a warm-up, then they
alternate for BENCH_ROUNDS rounds (default 3) of BENCH_SECONDS seconds (default 5). The load tool
is wrk when on PATH, else a Python fallback; BENCH_TOOL=wrk|python forces one. BENCH_WARMUP sets
the warm-up seconds (default 2).

Then the staff pages at a million supporters on PostgreSQL (bench/dashboard.py); `python -m bench
staff` (`make bench-staff`) runs only that part.

Missing the targets is reported, not failed: the exit code is non-zero only when it cannot run.
"""

import contextlib
import os
import signal
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import BenchError
from .dashboard import run_staff
from .loadgen import PythonLoad
from .member import check_member_page, sign_in_member
from .nginx import Nginx, unavailable
from .prepare import ARTICLE_PATH, prepare_database
from .results import Result, machine, summarize, table
from .servers import HOST, Gunicorn, get
from .wrk import Wrk, find

STATIC_PATH = "/static/css/site.css"


def _positive_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise BenchError(f"{name} must be a whole number >= 1, not {raw!r}")
    return value


@dataclass(frozen=True)
class Settings:
    rounds: int
    seconds: int
    warmup: int
    tool: str

    @classmethod
    def from_env(cls) -> "Settings":
        tool = os.environ.get("BENCH_TOOL", "").strip().lower() or "auto"
        if tool not in ("auto", "wrk", "python"):
            raise BenchError(f"BENCH_TOOL must be wrk or python, not {tool!r}")
        return cls(
            rounds=_positive_int("BENCH_ROUNDS", 3),
            seconds=_positive_int("BENCH_SECONDS", 5),
            warmup=_positive_int("BENCH_WARMUP", 2),
            tool=tool,
        )


def choose_tool(wanted: str) -> Wrk | PythonLoad:
    if wanted == "python":
        return PythonLoad("BENCH_TOOL=python")
    path = find()
    if path:
        return Wrk(path)
    if wanted == "wrk":
        raise BenchError("BENCH_TOOL=wrk but wrk is not on PATH (apt-get install wrk)")
    return PythonLoad("wrk not found on PATH")


def expect_ok(server: Gunicorn | Nginx, path: str) -> None:
    status, body = get(server.port, path)
    if status != 200:
        raise BenchError(
            f"{server.url(path)} answered {status}, expected 200; the page begins:\n"
            f"{body[:500].decode(errors='replace')}\n-- its log:\n{server.log_tail()}"
        )


def measure(
    settings: Settings, tool: Wrk | PythonLoad, urls: dict[str, str], headers: dict[str, dict]
) -> dict:
    """Each target's rounds; `headers` holds what some targets send with every request."""
    for name, url in urls.items():
        print(f"warm-up {name} ({settings.warmup} s)", flush=True)
        tool.run(url, settings.warmup, headers.get(name))
    results: dict[str, list[Result]] = {name: [] for name in urls}
    for number in range(1, settings.rounds + 1):
        for name, url in urls.items():
            result = tool.run(url, settings.seconds, headers.get(name))
            results[name].append(result)
            print(f"round {number}/{settings.rounds} {name:<16}{result.line()}", flush=True)
    return results


def run(settings: Settings) -> None:
    tool = choose_tool(settings.tool)
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-")))
        print(f"preparing a SQLite database with the sample content in {tmp}", flush=True)
        env = prepare_database(tmp)
        site = stack.enter_context(Gunicorn("article", "wsgi:app", env, tmp))
        hello = stack.enter_context(Gunicorn("hello", "bench.hello:app", dict(os.environ), tmp))
        site.wait_ready(ARTICLE_PATH)
        hello.wait_ready("/")
        expect_ok(site, ARTICLE_PATH)
        expect_ok(hello, "/")
        cookie = sign_in_member(site.port, env)
        check_member_page(site.port, ARTICLE_PATH, cookie)
        urls = {
            "hello": hello.url("/"),
            "article": site.url(ARTICLE_PATH),
            "member article": site.url(ARTICLE_PATH),
        }
        headers = {"member article": {"Cookie": cookie}}
        print(f"serving hello on {urls['hello']} and the article on port {site.port}", flush=True)
        missing = unavailable()
        if missing:
            print(f"nginx targets skipped: {missing}", flush=True)
        else:
            proxy = stack.enter_context(Nginx(tmp / "nginx", f"{HOST}:{site.port}", workers=2))
            expect_ok(proxy, ARTICLE_PATH)
            expect_ok(proxy, STATIC_PATH)
            urls["nginx article"] = proxy.url(ARTICLE_PATH)
            urls["nginx static"] = proxy.url(STATIC_PATH)
            print(f"serving deploy/nginx/enab.conf on port {proxy.port}", flush=True)
        results = measure(settings, tool, urls, headers)
    print()
    print(
        f"load tool: {tool.description}, {settings.rounds} round"
        f"{'s' if settings.rounds > 1 else ''} x {settings.seconds} s, "
        f"alternating (after {settings.warmup} s warm-up each)"
    )
    print(machine())
    print(table({name: summarize(rounds) for name, rounds in results.items()}))
    run_staff()


def _terminated(signum, _frame) -> None:
    raise KeyboardInterrupt  # unwind, so the servers are stopped on the way out


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGTERM, _terminated)
    if argv not in ([], ["staff"]):
        print("usage: python -m bench [staff]", file=sys.stderr)
        return 2
    try:
        if argv:
            run_staff()
        else:
            run(Settings.from_env())
    except BenchError as exc:
        print(f"bench: cannot run: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
