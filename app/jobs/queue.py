"""Jobs declared once, a Huey per app to run them, and sending them only after a commit.

Huey binds tasks to one Huey instance when they are decorated; declaring them here and binding them
in `init_app` lets every app (a test's, the worker's, a web process's) have its own storage:
- Redis (REDIS_URL): production, shared by every host;
- a SQLite file (HUEY_SQLITE_PATH): `make run`, nothing to install;
- memory (TESTING): tests run what is queued with `run_queued`, through Huey's own execute, retries
  and schedule.

A job's body runs in the app's context (the worker's threads have none of their own). A job that
reads rows written by the request that queued it must not start before that transaction commits:
`enqueue` holds it until the session commits, and drops it if the session rolls back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask import Flask, current_app, has_app_context
from huey import Huey
from huey.api import crontab
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

__all__ = ["Job", "crontab", "enqueue", "init_app", "job", "periodic", "queue_of", "run_queued"]


@dataclass(frozen=True)
class Job:
    name: str
    func: Callable
    retries: int = 0
    retry_delay: int = 0
    retry_backoff: float = 1
    schedule: Callable | None = None  # a crontab: when the scheduler enqueues it
    wants_final: bool = False  # the body is told whether this is its last try


JOBS: dict[str, Job] = {}


def job(name: str, *, retries: int = 0, retry_delay: int = 0, retry_backoff: float = 1):
    """Declare a job run by the worker; a body with a `final` parameter learns whether a failure
    now is the last one (no retries left)."""

    def declare(func):
        wants_final = "final" in func.__code__.co_varnames[: func.__code__.co_argcount]
        JOBS[name] = Job(name, func, retries, retry_delay, retry_backoff, None, wants_final)
        return func

    return declare


def periodic(name: str, schedule: Callable):
    """Declare a job the scheduler enqueues on `schedule` (a Huey crontab)."""

    def declare(func):
        JOBS[name] = Job(name, func, schedule=schedule)
        return func

    return declare


@dataclass
class Queue:
    """One app's Huey and its task wrappers by job name."""

    huey: Huey
    tasks: dict[str, Callable] = field(default_factory=dict)


def _storage(config) -> tuple[type, dict]:
    if config.get("TESTING"):
        return MemoryStorage, {}
    if config.get("REDIS_URL"):
        return RedisStorage, {"url": config["REDIS_URL"]}
    return SqliteStorage, {"filename": config["HUEY_SQLITE_PATH"]}


def _bind(queue: Queue, app: Flask, declared: Job) -> None:
    def body(*args, task=None):
        final = task is None or not task.retries
        kwargs = {"final": final} if declared.wants_final else {}
        if has_app_context() and current_app._get_current_object() is app:
            return declared.func(*args, **kwargs)
        with app.app_context():
            return declared.func(*args, **kwargs)

    body.__name__ = declared.name.replace(".", "_")
    if declared.schedule is not None:
        wrapper = queue.huey.periodic_task(declared.schedule, name=declared.name, context=True)
    else:
        wrapper = queue.huey.task(
            retries=declared.retries,
            retry_delay=declared.retry_delay,
            retry_backoff=declared.retry_backoff,
            name=declared.name,
            context=True,
        )
    queue.tasks[declared.name] = wrapper(body)


def init_app(app: Flask) -> None:
    """Give `app` its Huey with every declared job (import the modules declaring them first)."""
    storage_class, storage_kwargs = _storage(app.config)
    huey = Huey("enab", results=False, utc=True, storage_class=storage_class, **storage_kwargs)
    queue = Queue(huey)
    for declared in JOBS.values():
        _bind(queue, app, declared)
    app.extensions["jobs"] = queue


def queue_of(app: Flask | None = None) -> Queue:
    return (app or current_app).extensions["jobs"]


def enqueue(session: Session, name: str, *args) -> None:
    """Queue job `name` once `session` commits (immediately if it has nothing to commit)."""
    if name not in JOBS:
        raise KeyError(f"no job named {name!r}")
    pending = session.info.setdefault("jobs_after_commit", [])
    pending.append((current_app._get_current_object(), name, args))


@event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    pending = session.info.pop("jobs_after_commit", [])
    for app, name, args in pending:
        try:
            queue_of(app).tasks[name](*args)
        except Exception:
            # The row the job is about is committed and marks it as not done: a scheduled sweep
            # finds it (see schedule.py), so a queue that is down delays the work, never loses it.
            log.exception("could not queue job %s%r", name, args)


@event.listens_for(Session, "after_soft_rollback")
def _drop_after_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop("jobs_after_commit", None)


def run_queued(app: Flask | None = None, *, now: datetime | None = None, limit: int = 1000) -> int:
    """Run what is queued, as a worker would, through Huey's execute (its retries and schedule
    included): jobs whose retry time has come by `now` are moved to the queue first. Returns how
    many ran. Tests and `flask worker --once` use it."""
    huey = queue_of(app).huey
    ran = 0
    while ran < limit:
        when = (now or datetime.now(UTC)).replace(tzinfo=None)  # Huey keeps naive UTC times
        for task in huey.read_schedule(when):
            huey.enqueue(task)
        task = huey.dequeue()
        if task is None:
            break
        huey.execute(task, when)
        ran += 1
    return ran
