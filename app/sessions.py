"""Flask's signed cookie sessions, each cookie checked once per worker.

Opening a session verifies the cookie's signature and decodes it on every request: for a signed-in
reader's cached page, a fifth of its time. The signature is part of the cookie's value, so a value
once found genuine is the same session whenever it comes back; a worker keeps what it decoded from
each value it verified (a bounded number) and hands every request its own copy. Only the age check
is repeated, against the time the cookie was signed, as Flask does it (PERMANENT_SESSION_LIFETIME);
a value never seen, altered in any character, or too old goes through Flask's own verification.
"""

import copy
import time

from flask import Flask
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature

KEPT = 10_000  # cookie values a worker remembers (a few hundred bytes each)


class CheckedOnceSessions(SecureCookieSessionInterface):
    """`SecureCookieSessionInterface` that verifies each cookie value once (per app, per worker)."""

    def __init__(self) -> None:
        self._verified: dict[str, tuple[dict, int]] = {}  # value: (its contents, signed at)

    def open_session(self, app: Flask, request) -> SecureCookieSession | None:
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return super().open_session(app, request)
        max_age = int(app.permanent_session_lifetime.total_seconds())
        known = self._verified.get(value)
        if known is not None and 0 <= int(time.time()) - known[1] <= max_age:
            return self.session_class(copy.deepcopy(known[0]))
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if len(self._verified) >= KEPT:
            self._verified.clear()
        self._verified[value] = (copy.deepcopy(data), int(signed_at.timestamp()))
        return self.session_class(data)


def init_app(app: Flask) -> None:
    app.session_interface = CheckedOnceSessions()
