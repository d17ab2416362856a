"""The deployed nginx site (deploy/nginx/enab.conf) in front of gunicorn (deploy/gunicorn.conf.py).

Debian's nginx runs the very site file production installs, filled in with local values, before
gunicorn with the deployed settings (one worker, so the in-process rate-limit counts are one
process's; TRUSTED_PROXIES=1, as behind one nginx) on a throwaway SQLite database with the sample
stories. One pair per module, always stopped. Readers reach nginx from different loopback
addresses (127.0.0.2, 127.0.0.3), which nginx appends to X-Forwarded-For.

Skipped, saying why, without nginx and its brotli modules (scripts/install-nginx.sh).
"""

import contextlib
import gzip
import http.client
import os
import re
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest

from bench import BenchError
from bench.nginx import Nginx, unavailable
from bench.prepare import ARTICLE_PATH, REPO_ROOT
from bench.servers import HOST, Gunicorn, free_port
from tests.server_env import FOREIGN_SETTINGS

pytestmark = [pytest.mark.nginx, pytest.mark.own_app]

BIN = Path(sys.executable).parent
GUNICORN_CONF = REPO_ROOT / "deploy" / "gunicorn.conf.py"
SIGN_IN_LIMIT = 3  # sign-in attempts a minute from one address (RATELIMIT_SIGN_IN_IP)
PASSWORD = "olive grove 1987"
CSRF_FIELD = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
ARTICLE_LINK = re.compile(r'href="(/en/articles/[a-z0-9-]+)"')


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")

    @property
    def cache(self) -> str | None:
        return self.headers.get("X-Cache-Status")


@dataclass
class Reader:
    """An HTTP client of the site through nginx, from one loopback address, keeping its cookies."""

    port: int
    source: str = HOST
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, method, path, form=None, headers=None, body=None) -> Answer:
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if form is not None:
            body = urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection(
            HOST, self.port, timeout=15, source_address=(self.source, 0)
        )
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            answer = Answer(response.status, response.headers, response.read())
        finally:
            conn.close()
        for header in answer.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return answer

    def get(self, path, **headers) -> Answer:
        return self.request("GET", path, headers=headers)

    def post_form(self, path, **fields) -> Answer:
        """Submit the form on `path` as a browser would: its CSRF token, then the fields."""
        page = self.get(path)
        token = CSRF_FIELD.search(page.text)
        assert token, f"no CSRF token on {path} ({page.status})"
        return self.request("POST", path, form={"csrf_token": token.group(1), **fields})


@dataclass
class Stack:
    port: int
    articles: list[str]

    def reader(self, source: str = HOST) -> Reader:
        return Reader(self.port, source)

    def article(self) -> str:
        """An article no test has asked for yet (so its first answer is the cache's MISS)."""
        return self.articles.pop()


def _server_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in FOREIGN_SETTINGS}
    env.update(
        APP_ENV="development",
        FLASK_APP="wsgi",
        DATABASE_URL=f"sqlite:///{tmp / 'site.sqlite'}",
        HUEY_SQLITE_PATH=str(tmp / "huey.sqlite"),
        SECRET_KEY=secrets.token_hex(32),
        STRIPE_EMULATOR_PORT=str(free_port()),  # nothing here pays
        TRUSTED_PROXIES="1",
        WEB_CONCURRENCY="1",
        RATELIMIT_SIGN_IN_IP=f"{SIGN_IN_LIMIT} per minute",
        GUNICORN_LOG_LEVEL="warning",
    )
    return env


def _flask(env: dict[str, str], *args: str) -> None:
    done = subprocess.run([str(BIN / "flask"), *args], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, check=False)  # fmt: skip
    if done.returncode != 0:
        pytest.fail(f"`flask {' '.join(args)}` failed:\n{(done.stdout + done.stderr)[-3000:]}")


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    """nginx with the deployed site before gunicorn with the deployed settings, both stopped after."""
    reason = unavailable()
    if reason:
        pytest.skip(reason)
    tmp = tmp_path_factory.mktemp("deploy")
    env = _server_env(tmp)
    _flask(env, "db", "upgrade")
    _flask(env, "content", "load-sample")
    with contextlib.ExitStack() as stop:
        site = stop.enter_context(Gunicorn("site", "wsgi:app", env, tmp, config=GUNICORN_CONF))
        try:
            site.wait_ready("/healthz")
            nginx = stop.enter_context(Nginx(tmp / "nginx", f"{HOST}:{site.port}"))
        except BenchError as exc:
            pytest.fail(f"{exc}\n-- gunicorn log:\n{site.log_tail()}")
        home = Reader(nginx.port).get("/en/")
        articles = sorted(set(ARTICLE_LINK.findall(home.text)) - {ARTICLE_PATH})
        assert len(articles) >= 3, home.text[:500]
        yield Stack(nginx.port, articles)


def test_a_signed_out_article_is_served_from_nginx_cache_the_second_time(stack):
    """A cookie-free article is a MISS, then a HIT with the same page, kept as the app's
    Cache-Control says."""
    reader = stack.reader()
    first = reader.get(ARTICLE_PATH)
    second = reader.get(ARTICLE_PATH)
    assert first.status == second.status == 200
    assert first.headers["Cache-Control"].startswith("public, max-age=")
    assert (first.cache, second.cache) == ("MISS", "HIT")
    assert second.body == first.body
    assert not reader.cookies


def test_answers_without_an_expiry_are_never_cached(stack):
    """The health check has no Cache-Control: nginx asks the app every time."""
    reader = stack.reader()
    assert [reader.get("/healthz").cache for _ in range(2)] == ["MISS", "MISS"]


def test_signed_in_readers_are_never_served_from_or_stored_in_the_cache(stack):
    """Two signed-in readers each get their own account page, never from the cache; their
    article pages are not stored for anyone, and a cached page is not given to them."""
    emails = [f"nginx-{n}-{secrets.token_hex(4)}@example.org" for n in (1, 2)]
    readers = [stack.reader(), stack.reader()]
    for reader, email in zip(readers, emails, strict=True):
        registered = reader.post_form("/en/register", email=email, password=PASSWORD)
        assert registered.status == 302, registered.text[:500]
        assert "session" in reader.cookies
    for _ in range(2):
        for reader, email, other in zip(readers, emails, emails[::-1], strict=True):
            account = reader.get("/en/account")
            assert account.status == 200
            assert email in account.text and other not in account.text
            assert account.cache == "BYPASS"
            assert account.headers["Cache-Control"] == "private, no-store"
    article = stack.article()
    for reader in readers:
        signed_in = reader.get(article)
        assert signed_in.status == 200 and signed_in.cache == "BYPASS"
    signed_out = stack.reader()
    assert [signed_out.get(article).cache for _ in range(2)] == ["MISS", "HIT"]
    for reader in readers:
        assert reader.get(article).cache == "BYPASS"
    remembered = stack.reader()
    remembered.cookies["remember_token"] = "someone's"
    assert remembered.get(article).cache == "BYPASS"


def test_the_rate_limiter_counts_each_client_address_nginx_forwards(stack):
    """Behind nginx, the sign-in limit is per reader's address (X-Forwarded-For), not nginx's:
    one address reaching the limit leaves another free, and a forged header does not help."""
    first, second = stack.reader("127.0.0.2"), stack.reader("127.0.0.3")

    def sign_in(reader: Reader, **headers) -> int:
        page = reader.get("/en/login")
        token = CSRF_FIELD.search(page.text)
        assert token, page.text[:500]
        form = {"csrf_token": token.group(1), "password": "not the password",
                "email": f"nobody-{secrets.token_hex(4)}@example.org"}  # fmt: skip
        return reader.request("POST", "/en/login", form=form, headers=headers).status

    assert [sign_in(first) for _ in range(SIGN_IN_LIMIT)] == [200] * SIGN_IN_LIMIT
    assert sign_in(first) == 429
    assert sign_in(first, **{"X-Forwarded-For": "203.0.113.7"}) == 429
    assert sign_in(second) == 200


def test_static_files_are_served_by_nginx_compressed_and_long_lived_when_versioned(stack):
    """CSS comes from the checkout through nginx, gzip- or brotli-encoded; a versioned URL may be
    kept for a year, an unversioned one briefly."""
    reader = stack.reader()
    on_disk = (REPO_ROOT / "app" / "static" / "css" / "site.css").read_bytes()
    zipped = reader.get("/static/css/site.css", **{"Accept-Encoding": "gzip"})
    assert zipped.status == 200
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.body) == on_disk
    assert zipped.headers["Cache-Control"] == "public, max-age=600"
    assert zipped.cache is None  # nginx's own file, not the app's
    brotli = reader.get("/static/css/site.css?v=1", **{"Accept-Encoding": "br, gzip"})
    assert brotli.headers["Content-Encoding"] == "br"
    assert len(brotli.body) < len(on_disk) / 2
    assert brotli.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    page = reader.get(ARTICLE_PATH, **{"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip"
    assert b"</html>" in gzip.decompress(page.body)


def test_a_body_larger_than_any_webhook_is_refused_by_nginx(stack):
    """client_max_body_size matches WEBHOOK_MAX_BYTES: a larger POST never reaches the app."""
    too_big = b"{" + b" " * (600 * 1024) + b"}"
    answer = stack.reader().request(
        "POST", "/stripe/webhook", body=too_big, headers={"Content-Type": "application/json"}
    )
    assert answer.status == 413
