from flask import jsonify

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
