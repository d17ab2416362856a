"""The staff pages at a million supporters on PostgreSQL (`python -m bench staff`, `make bench-staff`;
`make bench` runs it after the article targets).

The database (BENCH_STAFF_DATABASE_URL, default `bench_staff` on 127.0.0.1:5432 as postgres) is made
when missing, migrated, and seeded once with BENCH_STAFF_SUPPORTERS accounts (default 1,000,000) by
set-based SQL (bench/staff_seed.py) and its figures' summaries made; a marker row keeps the seed's
version and size and the migrations (bench/staff_db.py), and a database that matches is used as it
is. Each page is requested in-process by a staff member signed in with
their password and two-factor code, as in production, the app's cache emptied before every request
so that no figure comes from an earlier one: BENCH_STAFF_REQUESTS timed requests each (default 15)
after BENCH_STAFF_WARMUP untimed (default 3). The baseline, hello, is timed the same way in the same
run. The CSV export is a download whose time grows with its rows: it is timed whole and reported
with them, without a target.
"""

import os
import statistics
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pyotp
from sqlalchemy import text

from . import BenchError
from .results import percentile
from .staff_db import Seeded, ensure_database, flask, prepare, record_migrations

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_staff"
TARGET_MS = 300
STAFF = "bench-staff@example.org"
PASSWORD = "bench password 42"  # noqa: S105 - a throwaway account in the benchmark's own database
SECRET = "BENCHSTAFFTOTPSECRETBASE32AAAAAA"  # noqa: S105 - its authenticator, the same throwaway


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    value = int(raw) if raw.isdigit() else (default if not raw else 0)
    if value < 1:
        raise BenchError(f"{name} must be a whole number >= 1, not {raw!r}")
    return value


def pages(sample: dict) -> dict[str, str]:
    """What staff open, with real rows of the seeded data in the addresses."""
    since = (datetime.now(UTC) - timedelta(days=90)).date().isoformat()
    return {
        "overview": "/en/staff/",
        "overview, Arabic": "/ar/staff/",
        "chart: MRR": "/en/staff/charts/mrr.svg",
        "chart: cash collected": "/en/staff/charts/cash.svg",
        "chart: new and churned": "/en/staff/charts/movements.svg",
        "chart: retention": "/en/staff/charts/retention.svg",
        "supporters, page 1": "/en/staff/supporters",
        "supporters, page 200": "/en/staff/supporters?page=200",
        "supporters, active by amount": "/en/staff/supporters?status=active&sort=amount",
        "supporters, not a member": "/en/staff/supporters?status=none",
        "supporters, past due, Arabic": "/en/staff/supporters?status=past_due&language=ar",
        "supporters, yearly, since 90 days": f"/en/staff/supporters?interval=year&since={since}",
        "supporters, by email": "/en/staff/supporters?sort=email",
        "search: whole email": f"/en/staff/supporters?q={quote(sample['email'])}",
        "search: part of a name": "/en/staff/supporters?q=khoury",
        "search: Stripe customer": f"/en/staff/supporters?q={sample['customer']}",
        "supporter, three years of history": f"/en/staff/supporters/{sample['supporter']}",
        "webhooks, page 1": "/en/staff/webhooks",
        "webhooks, invoice.paid": "/en/staff/webhooks?type=invoice.paid",
        "webhooks, failed": "/en/staff/webhooks?state=failed",
        "webhooks, page 100": "/en/staff/webhooks?page=100",
        "webhook event": f"/en/staff/webhooks/{sample['event']}",
        "audit log": "/en/staff/audit",
        "audit log, older": f"/en/staff/audit?before={sample['audit']}",
        "outbox": "/en/staff/outbox",
        "prompts": "/en/staff/prompts",
    }


# Downloads, timed whole: their time grows with the rows they hold, so they have no target.
EXPORTS = {"supporters CSV, past due": "/en/staff/supporters.csv?status=past_due"}


def _sample(connection) -> dict:
    """A long-standing member, an account to search for, an event and an audit entry."""
    supporter = connection.execute(text(
        "SELECT user_id FROM memberships WHERE status = 'active' ORDER BY id LIMIT 1"
    )).scalar()  # fmt: skip
    email, customer = connection.execute(text(
        "SELECT email, stripe_customer_id FROM users WHERE stripe_customer_id IS NOT NULL "
        "ORDER BY id OFFSET (SELECT count(*) / 2 FROM memberships) LIMIT 1"
    )).one()  # fmt: skip
    event = connection.execute(text(
        "SELECT id FROM webhook_events WHERE type = 'invoice.paid' ORDER BY received_at DESC LIMIT 1"
    )).scalar()  # fmt: skip
    audit = connection.execute(text("SELECT max(id) - 1000 FROM audit_log")).scalar()
    counts = {table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()  # noqa: S608
              for table in ("users", "memberships", "payments", "webhook_events")}  # fmt: skip
    return {"supporter": supporter, "email": email, "customer": customer, "event": event,
            "audit": audit, "counts": counts}  # fmt: skip


def _staff_member() -> None:
    """The bench's staff account, with its password and an enrolled authenticator."""
    from app.extensions import db
    from app.models import Role
    from app.services import accounts

    user = accounts.find_user(STAFF) or accounts.create_user(STAFF, PASSWORD, "en", role=Role.STAFF)
    user.role = Role.STAFF
    accounts.set_password(user, PASSWORD)
    user.totp_secret, user.totp_last_step, user.totp_failures = SECRET, None, 0
    db.session.commit()


def _csrf(page: str) -> str:
    marker = 'name="csrf_token" type="hidden" value="'
    start = page.find(marker)
    if start < 0:
        raise BenchError("no CSRF token on the sign-in page")
    start += len(marker)
    return page[start : page.index('"', start)]


def sign_in(client) -> None:
    """Password, then the authenticator's code, through the sign-in pages."""
    token = _csrf(client.get("/en/login").get_data(as_text=True))
    response = client.post(
        "/en/login", data={"email": STAFF, "password": PASSWORD, "csrf_token": token}
    )
    location = response.headers.get("Location", "")
    if "/sign-in/code" in location:
        token = _csrf(client.get(location).get_data(as_text=True))
        response = client.post(
            location, data={"code": pyotp.TOTP(SECRET).now(), "csrf_token": token}
        )
    if client.get("/en/staff/audit").status_code != 200:
        raise BenchError(f"signing the bench's staff member in failed ({response.status_code})")


class PageFailed(BenchError):
    """A page did not answer 200 (a statement timeout answers 503): reported in its row."""


def time_requests(client, path: str, requests: int, warmup: int, before=None) -> list[float]:
    """Milliseconds of each of `requests` GETs of `path` (body read), after `warmup` untimed ones,
    `before()` run ahead of each."""
    timings = []
    for attempt in range(warmup + requests):
        if before is not None:
            before()
        started = time.perf_counter()
        response = client.get(path)
        response.get_data()
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise PageFailed(f"answered {response.status_code} after {elapsed:.0f} ms")
        if attempt >= warmup:
            timings.append(elapsed)
    return sorted(timings)


def _hello_ms(requests: int) -> float:
    from .hello import app as hello

    return statistics.median(time_requests(hello.test_client(), "/", requests, 3))


def _emptier(app):
    """Empties the app's cache: no figure comes from an earlier request."""
    from app.extensions import cache

    def empty() -> None:
        with app.app_context():
            cache.clear()

    return empty


def run_staff() -> None:
    url = os.environ.get("BENCH_STAFF_DATABASE_URL", "").strip() or DEFAULT_URL
    supporters = _int("BENCH_STAFF_SUPPORTERS", 1_000_000)
    requests = _int("BENCH_STAFF_REQUESTS", 15)
    warmup = _int("BENCH_STAFF_WARMUP", 3)
    if not url.startswith("postgresql"):
        raise BenchError("BENCH_STAFF_DATABASE_URL must name a PostgreSQL database")
    print("\nstaff pages at scale", flush=True)
    if not ensure_database(url):
        print(f"  skipped: no PostgreSQL answers at {url} (set BENCH_STAFF_DATABASE_URL)")
        return
    # The CLI's statements may run long here (migrations and the first summaries at a million
    # rows); the pages below keep the app's statement timeout.
    env = {**os.environ, "APP_ENV": "development", "DATABASE_URL": url, "FLASK_APP": "wsgi",
           "STAFF_TWO_FACTOR": "1", "DATABASE_STATEMENT_TIMEOUT": "0"}  # fmt: skip
    env.pop("REDIS_URL", None)
    flask(env, "db", "upgrade")
    flask(env, "content", "load-sample", "--if-empty")
    record_migrations(url)
    seeded = prepare(url, supporters, env, report=lambda line: print(line, flush=True))
    os.environ.update(DATABASE_URL=url, STAFF_TWO_FACTOR="1")
    os.environ.pop("REDIS_URL", None)
    from app import create_app
    from app.extensions import db
    from app.services import summaries

    app = create_app("development")
    with app.app_context():
        started = time.perf_counter()
        done = summaries.refresh()  # what the worker does every five minutes
        db.session.commit()
        print(f"figures' summaries refreshed ({done}) in {time.perf_counter() - started:.1f} s")
        _staff_member()
        sample = _sample(db.session.connection())
        db.session.commit()
    client = app.test_client()
    sign_in(client)
    print(_heading(seeded, sample["counts"], requests, warmup))
    _measure(app, client, sample, requests, warmup)


def _measure(app, client, sample: dict, requests: int, warmup: int) -> None:
    """The table: each page's median and p90, and the median against hello's."""
    hello = _hello_ms(requests)
    print(f"{'page':36}{'median ms':>10}{'p90 ms':>9}{'x hello':>9}  target < {TARGET_MS} ms")
    print(f"{'hello (the baseline)':36}{hello:10.2f}")
    missed = []
    for name, path in pages(sample).items():
        try:
            timings = time_requests(client, path, requests, warmup, _emptier(app))
        except PageFailed as failed:
            missed.append(name)
            print(f"{name:36}  {failed}  NOT met", flush=True)
            continue
        median = statistics.median(timings)
        verdict = "met" if median < TARGET_MS else "NOT met"
        if median >= TARGET_MS:
            missed.append(name)
        print(f"{name:36}{median:10.1f}{percentile(timings, 90):9.1f}{median / hello:9.0f}  {verdict}",
              flush=True)  # fmt: skip
    print(f"every staff page under {TARGET_MS} ms median: "
          + ("met" if not missed else f"NOT met ({', '.join(missed)})"))  # fmt: skip
    for name, path in EXPORTS.items():
        rows = client.get(path).get_data(as_text=True).count("\n") - 1
        median = statistics.median(time_requests(client, path, 5, 1, _emptier(app)))
        print(
            f"{name}: {rows:,} rows in {median:.0f} ms median ({rows / median * 1000:,.0f} rows/s)"
        )


def _heading(seeded: Seeded, counts: dict, requests: int, warmup: int) -> str:
    how = "reused" if seeded.reused else "seeded now"
    return (
        f"{counts['users']:,} accounts, {counts['memberships']:,} memberships, "
        f"{counts['payments']:,} payments, {counts['webhook_events']:,} webhook events "
        f"(PostgreSQL; {how}: seeded {seeded.seeded_at:%Y-%m-%d} in {seeded.seconds:.0f} s)\n"
        f"in-process, signed in as staff with a code, app cache emptied before each request; "
        f"{requests} timed requests per page after {warmup} untimed; load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
