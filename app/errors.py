"""Friendly error pages in the reader's language (they never touch the database)."""

from contextlib import suppress

from flask import Flask, render_template
from flask.globals import request_ctx
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from .extensions import db


def init_app(app: Flask) -> None:
    @app.errorhandler(404)
    def not_found(error):
        return render_template("errors/404.html"), 404

    @app.errorhandler(429)
    def too_many_requests(error):
        if getattr(error, "response", None) is not None:  # a limit's own page (its on_breach)
            return error.response
        return render_template("errors/429.html"), 429

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
