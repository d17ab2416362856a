"""Friendly error pages in the reader's language (they never touch the database)."""

from contextlib import suppress

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException

from .extensions import db


def init_app(app: Flask) -> None:
    @app.errorhandler(404)
    def not_found(error):
        return render_template("errors/404.html"), 404

    @app.errorhandler(429)
    def too_many_requests(error):
        return render_template("errors/429.html"), 429

    @app.errorhandler(500)
    def server_error(error):
        with suppress(Exception):  # the page must render even when the database is gone
            db.session.rollback()
        return render_template("errors/500.html"), 500

    @app.errorhandler(HTTPException)
    def other_http_error(error):
        return render_template("errors/http.html", error=error), error.code
