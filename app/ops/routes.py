from flask import current_app, jsonify, send_from_directory

from . import bp, health


@bp.get("/healthz")
def healthz():
    """Whether the app can do its work: 200 when the database (and Redis, when configured) answer
    within a couple of seconds, 503 naming what does not."""
    report = {"database": "ok" if health.database_ok() else "unreachable"}
    redis = health.redis_ok()
    if redis is not None:
        report["redis"] = "ok" if redis else "unreachable"
    healthy = "unreachable" not in report.values()
    return jsonify(status="ok" if healthy else "error", **report), 200 if healthy else 503


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page links; the file is in /static/."""
    response = send_from_directory(current_app.static_folder or "", "favicon.ico", max_age=86400)
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
