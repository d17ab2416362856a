"""`flask worker` as production runs it: two consumers, each with its scheduler, on one queue and
one database, run each periodic job once per period."""

import os
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FLASK = Path(sys.executable).parent / "flask"

pytestmark = pytest.mark.own_app


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(
        APP_ENV="development",
        FLASK_APP="wsgi",
        DATABASE_URL=f"sqlite:///{tmp_path / 'app.sqlite'}",
        HUEY_SQLITE_PATH=str(tmp_path / "huey.sqlite"),
        SECRET_KEY="worker-test",
    )
    return env


def _runs(tmp_path: Path) -> list[tuple[str, str, str | None]]:
    with sqlite3.connect(tmp_path / "app.sqlite") as db:
        return db.execute("SELECT job, period, result FROM job_runs ORDER BY id").fetchall()


def test_two_schedulers_run_a_periodic_job_once_per_period(tmp_path):
    env = _env(tmp_path)
    subprocess.run([str(FLASK), "db", "upgrade"], cwd=REPO, env=env, check=True,
                   capture_output=True)  # fmt: skip
    # Both consumers enqueue the jobs due in the minute they start (every minute: the counter
    # flush); start them well inside one minute so both copies run in it.
    if datetime.now(UTC).second > 40:
        time.sleep(62 - datetime.now(UTC).second)
    logs = [tmp_path / f"worker-{n}.log" for n in (1, 2)]
    files = [log.open("w") for log in logs]
    workers = [
        subprocess.Popen(
            [str(FLASK), "worker", "--workers", "2"],
            cwd=REPO,
            env=env,
            stdout=file,
            stderr=subprocess.STDOUT,
        )
        for file in files
    ]
    try:
        deadline = time.monotonic() + 45
        while time.monotonic() < deadline:
            text = "".join(log.read_text() for log in logs)
            if text.count("flush-prompt-counts") >= 2 and "already ran; skipped" in text:
                break
            time.sleep(0.25)
    finally:
        for worker in workers:
            worker.terminate()
        for worker, file in zip(workers, files, strict=True):
            worker.wait(20)
            file.close()
    output = "".join(log.read_text() for log in logs)
    flushes = [run for run in _runs(tmp_path) if run[0] == "flush-prompt-counts"]
    assert len(flushes) == 1, output[-3000:]
    assert flushes[0][2] == "0"  # it ran (no Redis here: nothing to move)
    assert output.count("flush-prompt-counts for") == 1, output[-3000:]  # the other copy skipped
