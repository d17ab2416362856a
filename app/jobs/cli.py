"""`flask worker`: Huey's consumer for this app, and `--once` to run what is queued and stop."""

import logging

import click
from flask import current_app
from flask.cli import with_appcontext

from .queue import queue_of, run_queued


@click.command("worker")
@click.option("-w", "--workers", default=2, show_default=True, help="Worker threads.")
@click.option("-n", "--no-periodic", is_flag=True,
              help="Do not schedule periodic jobs (every host but one runs this way).")  # fmt: skip
@click.option("--once", is_flag=True, help="Run the jobs queued now, then exit.")
@with_appcontext
def worker_command(workers: int, no_periodic: bool, once: bool) -> None:
    """Run queued jobs (mail, ...) and, unless -n, schedule the periodic ones."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    app = current_app._get_current_object()
    if once:
        click.echo(f"{run_queued(app)} jobs run.")
        return
    consumer = queue_of(app).huey.create_consumer(
        workers=workers, periodic=not no_periodic, worker_type="thread", check_worker_health=True
    )
    consumer.run()
