"""Friendly error pages in the reader's language (they never touch the database)."""

import time
from contextlib import suppress

from flask import Flask, render_template
from flask.globals import request_ctx
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from .extensions import db, limiter


def limit_wait_seconds() -> int | None:
    """Seconds until the rate limit this request broke lets it through again, when one did."""
    breached = limiter.current_limit
    if breached is None or not breached.breached:
        return None
    try:
        reset_at = breached.reset_at
    except Exception:  # the limits' storage stopped answering: the page still renders
        return None
    return max(1, reset_at - int(time.time()))


def wait_in_words(seconds: int) -> tuple[str, int]:
    """A wait as the page says it, roughly: ("minutes", n) up to an hour and a half, else
    ("hours", n)."""
    minutes = max(1, round(seconds / 60))
    if minutes <= 90:
        return "minutes", minutes
    return "hours", round(minutes / 60)


def init_app(app: Flask) -> None:
    @app.errorhandler(404)
    def not_found(error):
        return render_template("errors/404.html"), 404

    @app.errorhandler(429)
    def too_many_requests(error):
        """The limit's own page (its on_breach) or ours, saying roughly how long to wait, with
        `Retry-After` in seconds."""
        seconds = limit_wait_seconds()
        headers = {"Retry-After": str(seconds)} if seconds else {}
        if getattr(error, "response", None) is not None:
            error.response.headers.update(headers)
            return error.response
        unit, amount = wait_in_words(seconds) if seconds else (None, None)
        return render_template("errors/429.html", unit=unit, amount=amount), 429, headers

    @app.errorhandler(OperationalError)
    @app.errorhandler(PoolTimeout)
    def database_unavailable(error):
        """The database refused, timed out or cancelled a statement that ran too long: a page in
        the reader's language, and 503 so that balancers and crawlers come back later."""
        app.logger.error("database unavailable: %s", error)
        with suppress(Exception):
            db.session.rollback()
        return render_template("errors/503.html"), 503, {"Retry-After": "30"}

    @app.errorhandler(500)
    def server_error(error):
        with suppress(Exception):  # the page must render even when the database is gone
            db.session.rollback()
        return render_template("errors/500.html"), 500

    @app.errorhandler(HTTPException)
    def other_http_error(error):
        if request_ctx.url_adapter is None:
            # The request could not be matched to this site at all (a Host not in TRUSTED_HOSTS):
            # no page of ours can be built for it.
            return error.get_response()
        return render_template("errors/http.html", error=error), error.code
