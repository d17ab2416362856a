"""`flask db upgrade` on PostgreSQL: the requests' statement timeout does not apply to migrations."""

import os

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from app import create_app
from app.extensions import db
from config import TestingConfig

DATABASE = "test_migration_timeout"
SLOW = "SELECT pg_sleep(1.5); "  # longer than the one-second timeout the app is given


@pytest.fixture
def fresh_database():
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip("the statement timeout is PostgreSQL's")
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {DATABASE}"))
    yield make_url(url).set(database=DATABASE).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
    admin.dispose()


@pytest.mark.own_app
def test_a_migration_step_may_take_longer_than_a_request_may(fresh_database):
    """With DATABASE_STATEMENT_TIMEOUT at one second, a step of the first migration made to take
    1.5 s still runs (the UPDATE of every payment took longer than 15 s at a million supporters),
    while a request's statement on the same app is still cut off."""
    config = TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = fresh_database
    config.DATABASE_STATEMENT_TIMEOUT = 1
    app = create_app(config)
    slowed: list[str] = []

    def slow_first_table(_conn, _cursor, statement, parameters, _context, _many):
        if not slowed and statement.lstrip().upper().startswith("CREATE TABLE"):
            slowed.append(statement)
            return SLOW + statement, parameters
        return statement, parameters

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", slow_first_table, retval=True)
        try:
            upgrade(revision="0001")
        finally:
            event.remove(db.engine, "before_cursor_execute", slow_first_table)
        assert slowed, "no CREATE TABLE was run"
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == (
                "0001"
            )
            with pytest.raises(Exception, match="statement timeout"):
                connection.execute(text("SELECT pg_sleep(1.5)"))
        db.engine.dispose()
