"""`make bench`: the article page against a hello-world Flask app, both under gunicorn, and
through the deployed nginx site beside a static file from the same nginx.

Run it with `python -m bench`; see `bench/__main__.py` for the settings it reads from the environment.
"""


class BenchError(RuntimeError):
    """The benchmark cannot run (setup, server or load tool failure); the message says why."""
