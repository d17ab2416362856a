"""The staff pages at scale: server time of the overview and the first page of supporters, on
PostgreSQL with `flask demo seed` data (BENCH_DATABASE_URL; BENCH_SUPPORTERS, default 100,000)."""

import os
import re
import statistics
import subprocess
import time

from . import BenchError
from .prepare import REPO_ROOT, tool

TARGET_MS = 300
PAGES = {
    "overview": "/en/staff/",
    "overview, Arabic": "/ar/staff/",
    "MRR chart": "/en/staff/charts/mrr.svg",
    "supporters, page 1": "/en/staff/supporters",
    "supporters, active, by amount": "/en/staff/supporters?status=active&sort=amount",
}
STAFF = "bench-staff@example.org"
PASSWORD = "bench password 42"  # noqa: S105 - a throwaway account in the benchmark's own database


def run_dashboard() -> None:
    url = os.environ.get("BENCH_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        print("\nstaff pages at scale: skipped (set BENCH_DATABASE_URL to a PostgreSQL database, e.g. "
              "postgresql+psycopg://postgres@127.0.0.1:5432/enab_bench)")  # fmt: skip
        return
    wanted = int(os.environ.get("BENCH_SUPPORTERS", "100000"))
    env = {**os.environ, "APP_ENV": "development", "DATABASE_URL": url, "FLASK_APP": "wsgi"}
    env.pop("REDIS_URL", None)
    _flask(env, "db", "upgrade")
    os.environ["DATABASE_URL"] = url
    from app import create_app
    from app.extensions import cache, db
    from app.models import User
    from app.services import accounts

    app = create_app("development")
    with app.app_context():
        have = db.session.scalar(db.select(db.func.count(User.id)).where(User.email.like("demo-%")))
        if have < wanted:
            print(
                f"\nseeding {wanted - have} demo supporters into {url.rsplit('/', 1)[-1]} (once)...",
                flush=True,
            )
            _flask(env, "demo", "seed", "--supporters", str(wanted - have))
        staff = accounts.find_user(STAFF) or accounts.create_user(STAFF, PASSWORD, "en")
        staff.role = "staff"
        accounts.set_password(staff, PASSWORD)
        counts = {name: db.session.scalar(db.text(f"SELECT count(*) FROM {name}"))  # noqa: S608
                  for name in ("users", "payments", "webhook_events")}  # fmt: skip
    client = app.test_client()
    page = client.get("/en/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/en/login", data={"email": STAFF, "password": PASSWORD, "csrf_token": token})
    print(f"\nstaff pages at scale: {counts['users']:,} accounts, {counts['payments']:,} payments, "
          f"{counts['webhook_events']:,} webhook events (PostgreSQL); server time of 15 requests each, "
          f"app cache emptied before every request")  # fmt: skip
    print(f"{'page':32} {'median ms':>10} {'p90 ms':>8}  target < {TARGET_MS} ms")
    for name, path in PAGES.items():
        timings = []
        for attempt in range(18):
            with app.app_context():
                cache.clear()
            started = time.perf_counter()
            response = client.get(path)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise BenchError(f"{path} answered {response.status_code}")
            if attempt >= 3:
                timings.append(elapsed)
        timings.sort()
        median, p90 = statistics.median(timings), timings[int(len(timings) * 0.9) - 1]
        verdict = "met" if median < TARGET_MS else "NOT met"
        print(f"{name:32} {median:10.1f} {p90:8.1f}  {verdict}")


def _flask(env: dict, *args: str) -> None:
    result = subprocess.run([tool("flask"), *args], cwd=REPO_ROOT, env=env, check=False)
    if result.returncode != 0:
        raise BenchError(f"flask {' '.join(args)} failed")
