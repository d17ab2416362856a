"""A signed-in member for the "member article" target: registered over HTTP on the app's gunicorn
(so its session cookie is the real one), made a member with `flask members grant`."""

import http.client
import re
import subprocess
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from . import BenchError
from .prepare import REPO_ROOT, tool
from .servers import HOST

EMAIL = "bench-member@example.org"
PASSWORD = "bench password 42"  # noqa: S105 - a throwaway account in the benchmark's own database
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def _request(port: int, method: str, path: str, cookie: str = "", body: str = ""):
    """One request on a fresh connection, without a User-Agent, as the load tools send theirs
    (strong session protection ties the session to the client's address and agent)."""
    headers = {"Cookie": cookie} if cookie else {}
    if body:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        conn.request(method, path, body=body or None, headers=headers)
        response = conn.getresponse()
        text = response.read().decode(errors="replace")
        jar = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or ():
            jar.load(header)
        sent = SimpleCookie(cookie)
        sent.update(jar)
        cookies = "; ".join(f"{name}={morsel.value}" for name, morsel in sent.items())
        return response.status, text, cookies
    finally:
        conn.close()


def sign_in_member(port: int, env: dict[str, str]) -> str:
    """Register the bench member, grant it a complimentary membership; return its Cookie header."""
    _, page, cookie = _request(port, "GET", "/en/register")
    found = TOKEN.search(page)
    if not found:
        raise BenchError("no CSRF token on /en/register")
    form = urlencode({"email": EMAIL, "password": PASSWORD, "csrf_token": found.group(1)})
    status, page, cookie = _request(port, "POST", "/en/register", cookie, form)
    if status != 302:
        raise BenchError(f"registering the bench member answered {status}:\n{page[:500]}")
    _request(port, "GET", "/en/account", cookie)  # shows the welcome flash, so no page repeats it
    status, _, cookie = _request(port, "GET", "/en/account", cookie)
    done = subprocess.run(
        [tool("flask"), "members", "grant", EMAIL, "--until", "2099-12-31"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if status != 200 or done.returncode != 0:
        raise BenchError(f"making the bench member failed:\n{done.stdout}{done.stderr}")
    return cookie


def check_member_page(port: int, path: str, cookie: str) -> None:
    """The page the target measures is a member's: signed in, without ads."""
    status, page, _ = _request(port, "GET", path, cookie)
    if status != 200 or "Sign out" not in page or "data-ad-slot" in page:
        raise BenchError(f"{path} with the member's cookie is not a member's page ({status})")
