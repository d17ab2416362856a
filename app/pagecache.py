"""The signed-out page cache.

Pages marked `@cacheable` are stored, once rendered for a reader without a session, in the app cache
(in-process, or Redis when configured) under a content version that every content or prompt change
bumps. A small WSGI layer in front of Flask answers later requests for them straight from the cache,
before sessions, CSRF or routing run; requests carrying a session or remember cookie always reach
Flask. Stored pages set no cookie and carry `Cache-Control: public` and an `ETag`, so a CDN or a
browser may keep them too.

Being answered before Flask, those pages were never rate-limited; for readers with a session, who
reach Flask, the limiter skips them too (none has a limit of its own: a test keeps it so), instead
of working out on every page that there is nothing to count.
"""

import time
from functools import wraps

from flask import Flask, Response, current_app, g, request, session
from werkzeug.http import parse_cookie, quote_etag, unquote_etag

from .extensions import cache, limiter

VERSION_KEY = "content-version"
REMEMBER_COOKIE = "remember_token"
_NOT_MODIFIED_DROP = {"content-length", "content-type"}


def cacheable(view):
    """Mark a view's signed-out GET responses as cacheable."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        g.page_cacheable = True
        return view(*args, **kwargs)

    wrapper.page_cacheable = True  # type: ignore[attr-defined]
    return wrapper


@limiter.request_filter
def is_cacheable_page() -> bool:
    """This request is a GET (or HEAD) of a `@cacheable` page."""
    if request.method not in ("GET", "HEAD"):
        return False
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "page_cacheable", False)


def has_session() -> bool:
    return _personal_cookies(current_app, request.cookies)


def _personal_cookies(app: Flask, cookies) -> bool:
    return app.config["SESSION_COOKIE_NAME"] in cookies or REMEMBER_COOKIE in cookies


def content_version() -> str:
    return _version(cache.cache)


def _version(backend) -> str:
    version = backend.get(VERSION_KEY)
    if version is None:
        version = str(time.time_ns())
        backend.set(VERSION_KEY, version, timeout=0)
    return version


def bump_content_version() -> None:
    """Invalidate every cached page (call after any content or prompt change)."""
    cache.set(VERSION_KEY, str(time.time_ns()), timeout=0)


def _key(version: str, environ) -> str:
    return f"page:{version}:{environ.get('PATH_INFO', '')}?{environ.get('QUERY_STRING', '')}"


class CachedPages:
    """WSGI middleware serving stored signed-out pages without entering Flask."""

    def __init__(self, app: Flask, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if environ["REQUEST_METHOD"] in ("GET", "HEAD"):
            cookies = environ.get("HTTP_COOKIE")
            if not cookies or not _personal_cookies(self.app, parse_cookie(cookies)):
                backend = self.app.extensions["cache"][cache]
                stored = backend.get(_key(_version(backend), environ))
                if stored is not None:
                    return self._answer(stored, environ, start_response)
        return self.wsgi_app(environ, start_response)

    @staticmethod
    def _answer(stored, environ, start_response):
        body, headers, etag = stored
        wanted = environ.get("HTTP_IF_NONE_MATCH")
        if wanted and etag in {unquote_etag(tag.strip())[0] for tag in wanted.split(",")}:
            start_response("304 Not Modified",
                           [h for h in headers if h[0].lower() not in _NOT_MODIFIED_DROP])  # fmt: skip
            return [b""]
        start_response("200 OK", headers)
        return [b""] if environ["REQUEST_METHOD"] == "HEAD" else [body]


def init_app(app: Flask) -> None:
    app.wsgi_app = CachedPages(app, app.wsgi_app)

    @app.after_request
    def store_page(response: Response) -> Response:
        if not g.get("page_cacheable"):
            return response
        personal = has_session() or session.modified or "Set-Cookie" in response.headers
        if personal or response.status_code != 200 or request.method != "GET":
            response.headers["Cache-Control"] = "private, no-store"
            return response
        response.headers["Cache-Control"] = f"public, max-age={app.config['PAGE_CACHE_SECONDS']}"
        response.vary.add("Cookie")
        response.add_etag()
        etag = response.get_etag()[0]
        response.headers["ETag"] = quote_etag(etag)
        cache.set(
            _key(content_version(), request.environ),
            (response.get_data(), list(response.headers.items()), etag),
            timeout=app.config["PAGE_CACHE_SECONDS"],
        )
        return response.make_conditional(request)
