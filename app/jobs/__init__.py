"""The job queue (Huey): work done outside requests, and the scheduled jobs.

- `queue`: jobs are declared once with `@job` or `@periodic`; each app gets its own Huey with
  them, stored in Redis (REDIS_URL), a SQLite file (development) or memory (tests); `enqueue`
  sends a job once the current transaction commits.
- `schedule`: what runs by itself (reconcile, expiries, counter flush, webhook retries), each run
  claimed for its period, so several schedulers still run it once.
- `cli`: `flask worker`, Huey's consumer with the app's context.
"""
