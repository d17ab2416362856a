"""Real-browser fixtures: the app under gunicorn on a throwaway SQLite database, and Debian's Chromium.

Independent of `tests/conftest.py`'s in-process app: the tests here are marked `own_app`, so its
per-test transaction stays out of the way, and the server has its own database, made with the
project's CLI (`flask db upgrade`, `flask content load-sample`) as `make bench` does. It runs in the
development configuration without Stripe, Redis or SMTP settings: the real Stripe SDK talking to the
Stripe emulator (`python -m stripe_emulator`, started here on a port of its own, delivering its
signed webhooks to the server over HTTP), the in-process cache, and emails in the outbox table. A
staff account is made with the CLI too (`flask users create-staff`).

The database is made once a session; each test module gets a server, a copy of that database
and an emulator of its own. Every browser here comes from 127.0.0.1, and the app's per-address
limits (10 payments started and 10 registrations an hour) would otherwise cap the whole suite;
per module they leave room, and a module runs alone as it runs in the suite.

Without Playwright or Chromium every test here is skipped, naming the reason. Screenshots and the
servers' logs (`gunicorn.log`, `stripe-emulator.log`, each module's run after the other) go to
`test-artifacts/browser/`.
"""

import contextlib
import os
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.server_env import FOREIGN_SETTINGS

from .steps import WEBHOOK_SECRET, sign_in

REPO_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent  # the virtualenv's bin/, not resolved past its symlink
ARTIFACTS = REPO_ROOT / "test-artifacts" / "browser"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Headless, and quiet on the network: without these Chromium keeps calling Google's services.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDE, NARROW, HEIGHT = 1280, 360, 800
HOST = "127.0.0.1"
START_TIMEOUT, STOP_TIMEOUT = 30.0, 10.0
SERVER_THREADS = 8  # to wait on connections: Chromium opens up to 6 to one host per context


COLLEAGUE_EMAIL = "colleague@example.org"
STAFF_EMAIL, STAFF_PASSWORD = "staff@example.org", "staff password 42"
# Run with the server's environment: `accounts.set_password` on the account `create-staff` made.
SET_PASSWORD = """
import sys
from app import create_app
from app.services import accounts
with create_app().app_context():
    accounts.set_password(accounts.find_user(sys.argv[1]), sys.argv[2])
"""


@dataclass
class Site:
    """The running app: its base URL and the environment it runs with (its SECRET_KEY, database)."""

    url: str
    env: dict[str, str]


@dataclass
class Account:
    """An account's sign-in details."""

    email: str
    password: str


def _server_env(database: Path, emulator_port: int, port: int | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in FOREIGN_SETTINGS}
    env.update(
        APP_ENV="development",
        DATABASE_URL=f"sqlite:///{database}",
        HUEY_SQLITE_PATH=str(database.with_suffix(".huey.sqlite")),
        # Links and Stripe's return addresses are built from it.
        SITE_URL=f"http://{HOST}:{port}" if port else "http://127.0.0.1:5000",
        SECRET_KEY=secrets.token_hex(32),
        FLASK_APP="wsgi",
        STRIPE_EMULATOR_PORT=str(emulator_port),
    )
    return env


def _flask(env: dict[str, str], *args: str) -> None:
    _run(env, str(BIN / "flask"), *args)


def _run(env: dict[str, str], *command: str) -> None:
    done = subprocess.run(
        command,
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        output = (done.stdout + done.stderr).strip()[-3000:]
        shown = " ".join([Path(command[0]).name, *command[1:]])[:200]
        pytest.fail(f"`{shown}` failed (exit {done.returncode}):\n{output}")


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """Debian's Chromium driven by Playwright (its own browser downloads are never used)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright is not installed: .venv/bin/pip install playwright")
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(f"Chromium not found at {CHROMIUM}: run scripts/install-browser.sh as root")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _wait_until_answering(proc: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if proc.poll() is not None:
            pytest.fail(f"{log.stem} exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own local server
                return
        except OSError:
            if time.monotonic() > deadline:
                pytest.fail(f"{log.stem} did not answer {url} within {START_TIMEOUT:.0f} s")
            time.sleep(0.2)


def _stop(proc: subprocess.Popen) -> None:
    """Terminate a server (gunicorn: gracefully), then kill its process group if it lingers."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(STOP_TIMEOUT)


_LOGS_BEGUN: set[Path] = set()


def _start(command: list[str], env: dict[str, str], log: Path, title: str) -> subprocess.Popen:
    """Start `command` in a process group of its own, its output going to `log` (emptied by the
    session's first server, then appended to under a `title` line)."""
    mode = "ab" if log in _LOGS_BEGUN else "wb"
    _LOGS_BEGUN.add(log)
    with log.open(mode) as out:
        out.write(f"==== {title} ====\n".encode())
        out.flush()
        return subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped with its children
        )


@pytest.fixture(scope="session")
def database_template(tmp_path_factory) -> Path:
    """The server's database, made once with the project's CLI: the migrations, the sample stories
    and a staff account with a password. Each module's server starts from a copy of it."""
    database = tmp_path_factory.mktemp("browser-template") / "browser.sqlite"
    env = _server_env(database, _free_port())
    _flask(env, "db", "upgrade")
    _flask(env, "content", "load-sample")
    _flask(env, "users", "create-staff", STAFF_EMAIL, "--admin")  # admins see every staff page
    _run(env, sys.executable, "-c", SET_PASSWORD, STAFF_EMAIL, STAFF_PASSWORD)
    _flask(env, "users", "create-staff", COLLEAGUE_EMAIL)  # so the team page has someone to remove
    return database


def _copy_database(source: Path, target: Path) -> None:
    """Copy an SQLite database with SQLite's own backup (safe whatever its journal mode)."""
    with (
        contextlib.closing(sqlite3.connect(source)) as src,
        contextlib.closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst)


@pytest.fixture(scope="module")
def site(request, tmp_path_factory, database_template) -> Iterator[Site]:
    """`gunicorn wsgi:app` (one request at a time) on a free local port, with the sample stories,
    paying through the Stripe emulator on another; one pair per test module, both always stopped."""
    title = request.module.__name__
    database = tmp_path_factory.mktemp("browser") / "browser.sqlite"
    _copy_database(database_template, database)
    port, emulator_port = _free_port(), _free_port()
    env = _server_env(database, emulator_port, port)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    emulator = _start(
        [sys.executable, "-m", "stripe_emulator", "--host", HOST, "--port", str(emulator_port),
         "--webhook-url", f"http://{HOST}:{port}/stripe/webhook",
         "--webhook-secret", WEBHOOK_SECRET, "--public-url", f"http://{HOST}:{emulator_port}"],
        env, ARTIFACTS / "stripe-emulator.log", title,
    )  # fmt: skip
    log = ARTIFACTS / "gunicorn.log"
    # One process, and `wsgi:app` behind a lock (one_at_a_time.py): on SQLite the app must see one
    # request at a time, while several threads wait on the connections Chromium opens and leaves.
    command = [str(BIN / "gunicorn"), "tests.browser.one_at_a_time:app", "--workers", "1",
               "--worker-class", "gthread", "--threads", str(SERVER_THREADS),
               "--bind", f"{HOST}:{port}", "--log-level", "warning",
               "--graceful-timeout", "5"]  # fmt: skip
    try:
        proc = _start(command, env, log, title)
        try:
            _wait_until_answering(emulator, f"http://{HOST}:{emulator_port}/healthz",
                                  ARTIFACTS / "stripe-emulator.log")  # fmt: skip
            _wait_until_answering(proc, f"http://{HOST}:{port}/healthz", log)
            yield Site(url=f"http://{HOST}:{port}", env=env)
        finally:
            _stop(emulator)  # first: no webhooks retried at a server going away
            _stop(proc)
    finally:
        _stop(emulator)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """`test-artifacts/browser/`, emptied of the previous run's screenshots."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*/"):
        shutil.rmtree(old)
    return ARTIFACTS


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Remember each phase's report on the test item, so fixtures can tell a failed test."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def staff(database_template) -> Account:
    """The staff account every server's database has, made with the project's CLI
    (`flask users create-staff`), with a password."""
    return Account(STAFF_EMAIL, STAFF_PASSWORD)


def new_context(browser, site: Site):
    """A fresh browser context (no cookies) at 1280x800, on the site."""
    context = browser.new_context(
        base_url=site.url,
        viewport={"width": WIDE, "height": HEIGHT},
        locale="en-GB",
        reduced_motion="reduce",
    )
    context.set_default_timeout(10_000)
    return context


@contextlib.contextmanager
def _page_for_the_test(request, browser, site, artifacts, name: str):
    context = new_context(browser, site)
    page = context.new_page()
    try:
        yield page
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            folder = artifacts / request.node.name
            folder.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(Exception):  # best effort: the browser may be what failed
                page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    finally:
        context.close()


@pytest.fixture
def page(request, browser, site, artifacts):
    """A fresh browser context (no cookies) at 1280x800; a screenshot is saved if the test fails."""
    with _page_for_the_test(request, browser, site, artifacts, "failure") as page:
        yield page


@pytest.fixture(scope="module")
def staff_context(browser, site, staff):
    """One context signed in as staff, shared: sign-in is rate-limited (5 a minute per account)."""
    context = new_context(browser, site)
    page = context.new_page()
    sign_in(page, "en", staff)
    page.close()
    yield context
    context.close()


@pytest.fixture
def staff_page(request, browser, site, artifacts):
    """A second fresh context, for a member of staff beside the reader (not signed in yet)."""
    with _page_for_the_test(request, browser, site, artifacts, "staff-failure") as page:
        yield page


class Shots:
    """Numbered screenshots of one test's steps, at 1280 px and 360 px wide."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0

    def __call__(self, page, step: str, focus=None) -> dict[int, Path]:
        """Screenshot the viewport at both widths (scrolled to `focus`, a locator, if given)."""
        self.count += 1
        self.folder.mkdir(parents=True, exist_ok=True)
        files = {}
        for width in (WIDE, NARROW):
            page.set_viewport_size({"width": width, "height": HEIGHT})
            if focus is not None:
                focus.scroll_into_view_if_needed()
            path = self.folder / f"{self.count:02d}-{step}-{width}.png"
            page.screenshot(path=str(path))
            files[width] = path
        page.set_viewport_size({"width": WIDE, "height": HEIGHT})
        return files


@pytest.fixture
def shots(request, artifacts) -> Shots:
    """Screenshots into `test-artifacts/browser/<test name>/`."""
    return Shots(artifacts / request.node.name)


def pytest_configure(config):
    """Declare the `browser` marker here too, so `--strict-markers` accepts it wherever it is run."""
    config.addinivalue_line("markers", "browser: drives a real browser (Chromium via Playwright)")
