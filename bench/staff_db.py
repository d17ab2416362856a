"""The staff bench's PostgreSQL database: made if missing, migrated, seeded once
(bench/staff_seed.py) and its figures' summaries made (`flask figures refresh`, the worker's job).

A marker table records the seed's version and size and the migrations it was made under. The
database is used as it is when they match; seeded again when the seed differs; made again from
nothing when a migration it was made under has since changed (new migrations are just applied).
"""

import hashlib
import json
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from . import BenchError, staff_seed
from .prepare import REPO_ROOT, tool

MARKER = "bench_seed"  # the bench's own table, beside the app's: not part of the app's schema
MIGRATIONS = REPO_ROOT / "migrations" / "versions"


@dataclass(frozen=True)
class Seeded:
    supporters: int
    seeded_at: datetime
    seconds: float
    reused: bool


def migrations() -> dict[str, str]:
    """Each migration file's digest."""
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest()[:16]
            for path in sorted(MIGRATIONS.glob("*.py"))}  # fmt: skip


def _admin(url: str):
    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


def ensure_database(url: str) -> bool:
    """Make the database when the server is there and it is not (or made it under a migration
    that has changed since); False when no server answers."""
    name = make_url(url).database
    admin = _admin(url)
    try:
        with admin.connect() as connection:
            found = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            ).scalar()
            if found and _outdated(url):
                print(f"a migration changed since {name} was made: making it again", flush=True)
                connection.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
                found = None
            if not found:
                connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except OperationalError:
        return False
    finally:
        admin.dispose()
    return True


def _outdated(url: str) -> bool:
    """Whether a migration the database was made under has changed since."""
    marker = _marker(url)
    if marker is None:
        return False
    current = migrations()
    return any(current.get(name) != digest for name, digest in marker["migrations"].items())


def _marker(url: str) -> dict | None:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            if not connection.execute(text("SELECT to_regclass(:name)"), {"name": MARKER}).scalar():
                return None
            row = connection.execute(text(f"SELECT * FROM {MARKER}")).mappings().first()  # noqa: S608
            if row is None:
                return None
            # A marker from before migrations were recorded stands on unknown ones.
            made_under = json.loads(row["migrations"]) if "migrations" in row else {"?": "?"}
            return {**row, "migrations": made_under}
    finally:
        engine.dispose()


def record_migrations(url: str) -> None:
    """After an upgrade: the database now stands on every migration there is."""
    if _marker(url) is None:
        return
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text(f"UPDATE {MARKER} SET migrations = :migrations"),  # noqa: S608
                               {"migrations": json.dumps(migrations())})  # fmt: skip
    finally:
        engine.dispose()


def flask(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [tool("flask"), *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BenchError(f"`flask {' '.join(args)}` failed:\n{(done.stdout + done.stderr)[-3000:]}")
    return done.stdout.strip()


def _seed(engine, supporters: int, report) -> None:
    """The seed on two connections: the rows that depend on each other in turn, then the webhook
    events beside the emails, then the indexes and constraints shared between them."""
    first, second = engine.connect(), engine.connect()
    try:
        with first.begin():
            first.exec_driver_sql(f"DROP TABLE IF EXISTS {MARKER}")
            plan = staff_seed.begin(first, supporters)
            for step in (staff_seed.ACCOUNTS, staff_seed.MONEY):
                staff_seed.load(first, plan, step, report)
        _in_transaction(second, lambda: staff_seed.settings(second))
        _side_by_side(
            lambda: _in_transaction(first, lambda: staff_seed.load(first, plan, staff_seed.MAIL, report)),
            lambda: _in_transaction(second, lambda: staff_seed.load(second, plan, staff_seed.EVENTS, report)),
        )  # fmt: skip
        _in_transaction(first, lambda: staff_seed.load(first, plan, staff_seed.AUDIT, report))
        started = time.perf_counter()
        for statements in (plan.indexes, plan.foreign_keys):
            halves = statements[0::2], statements[1::2]
            _side_by_side(*(lambda part=part, connection=connection: _each(connection, part)
                            for connection, part in zip((first, second), halves, strict=True)))  # fmt: skip
        _in_transaction(first, lambda: staff_seed.finish(first))
        report(f"  indexes and constraints: {time.perf_counter() - started:.1f} s")
    finally:
        first.close()
        second.close()


def _in_transaction(connection, work) -> None:
    with connection.begin():
        work()


def _each(connection, statements: list[str]) -> None:
    for statement in statements:
        _in_transaction(
            connection, lambda statement=statement: connection.exec_driver_sql(statement)
        )


def _side_by_side(*works) -> None:
    """Run each in its own thread; raise the first failure."""
    with ThreadPoolExecutor(max_workers=len(works)) as pool:
        for future in [pool.submit(work) for work in works]:
            future.result()


def prepare(url: str, supporters: int, env: dict[str, str], report=print) -> Seeded:
    """The migrated database with `supporters` readers and their history and the figures'
    summaries made, seeded now unless the marker says this seed at this size is there."""
    marker = _marker(url)
    if marker and marker["version"] == staff_seed.VERSION and marker["supporters"] == supporters:
        return Seeded(supporters, marker["seeded_at"], marker["seconds"], reused=True)
    name = make_url(url).database
    report(f"seeding {supporters:,} supporters into {name} (once; seed {staff_seed.VERSION}):")
    started = time.perf_counter()
    engine = create_engine(url, pool_size=2)
    try:
        _seed(engine, supporters, report)
        step = time.perf_counter()
        # A bulk load leaves the planner's statistics behind, and the visibility map the
        # index-only scans need: what autovacuum would do over the next hours, done now (the
        # large tables whose pages are read whole are only analyzed).
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("SET maintenance_work_mem = '512MB'")
            for table in staff_seed.TABLES:
                how = (
                    "ANALYZE"
                    if table in ("webhook_events", "outbox", "notices")
                    else "VACUUM (ANALYZE)"
                )
                connection.exec_driver_sql(f"{how} {table}")
        report(f"  vacuum and analyze: {time.perf_counter() - step:.1f} s")
        step = time.perf_counter()
        done = flask(env, "figures", "refresh")  # what the worker does, the first time
        report(f"  the figures' summaries ({done}): {time.perf_counter() - step:.1f} s")
        seconds, seeded_at = time.perf_counter() - started, datetime.now(UTC)
        with engine.begin() as connection:
            connection.exec_driver_sql(
                f"CREATE TABLE {MARKER} (version text NOT NULL, supporters integer NOT NULL, "
                "seeded_at timestamptz NOT NULL, seconds real NOT NULL, migrations text NOT NULL)"
            )
            connection.execute(
                text(f"INSERT INTO {MARKER} VALUES (:version, :supporters, :at, :seconds, :migrations)"),  # noqa: S608
                {"version": staff_seed.VERSION, "supporters": supporters, "at": seeded_at,
                 "seconds": seconds, "migrations": json.dumps(migrations())},
            )  # fmt: skip
        report(f"  seeded in {seconds:.0f} s")
        return Seeded(supporters, seeded_at, seconds, reused=False)
    finally:
        engine.dispose()
