"""What /healthz checks: the database and, when configured, Redis, each with a short deadline.

The database is asked over a fresh connection with its own connect and statement timeouts rather
than one from the pool: a pooled connection to a database that has stopped answering waits as long
as the operating system lets it, and a health check must answer while the workers are stuck.
"""

from flask import current_app
from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from config import database_options

from ..extensions import db

HEALTH_TIMEOUT = 2  # seconds, for each check


def _probe_engine():
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    engines = current_app.extensions.setdefault("health_engines", {})
    if url not in engines:
        options = database_options(url, HEALTH_TIMEOUT, HEALTH_TIMEOUT)
        options.pop("pool_timeout", None)
        engines[url] = create_engine(url, poolclass=NullPool, **options)
    return engines[url]


def database_ok() -> bool:
    if not current_app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        try:  # a local file: nothing to wait for, and SQLite has one writer at a time
            db.session.execute(text("SELECT 1"))
        except SQLAlchemyError:
            db.session.rollback()
            return False
        return True
    try:
        with _probe_engine().connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True


def redis_ok() -> bool | None:
    """None when no Redis is configured."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    import redis

    try:
        client = redis.Redis.from_url(
            url, socket_timeout=HEALTH_TIMEOUT, socket_connect_timeout=HEALTH_TIMEOUT
        )
        try:
            return bool(client.ping())
        finally:
            client.close()
    except redis.RedisError:
        return False
