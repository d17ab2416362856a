"""`wsgi:app` for the browser tests' gunicorn, running one request at a time.

The server runs on SQLite, where two requests writing at once (the prompt beacon and the support
page's click count) make one of them fail with "database is locked"; so the app must see one
request at a time, as under a single sync worker. But Chromium opens HTTP/1.1 connections ahead
of need and leaves some unused (a request it opened one for took a kept-alive connection that had
just become free), and a server with a single connection slot sits on such a connection: a sync
worker until its 30 s timeout kills it, a one-thread gthread worker for 5 s, serving nobody else
meanwhile (the Stripe emulator's webhooks included). So gunicorn runs several threads to wait on
connections, and this lock lets one request at a time into the app.
"""

import threading

from wsgi import app as _app

_one_at_a_time = threading.Lock()


def app(environ, start_response):
    """The app's answer, made and read in full while holding the lock (then sent)."""
    with _one_at_a_time:
        answer = _app(environ, start_response)
        try:
            body = b"".join(answer)
        finally:
            close = getattr(answer, "close", None)
            if close is not None:
                close()
    return [body]
