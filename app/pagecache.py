"""The signed-out page cache.

Pages marked `@cacheable` are served to readers without a session from the app cache (in-process, or
Redis when configured), keyed by a content version that every content or prompt change bumps. They set
no cookie and carry `Cache-Control: public` and an `ETag`, so a CDN or browser may keep them too.
"""

import time
from functools import wraps

from flask import Flask, Response, current_app, g, request, session

from .extensions import cache

VERSION_KEY = "content-version"
REMEMBER_COOKIE = "remember_token"


def cacheable(view):
    """Mark a view's signed-out GET responses as cacheable."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        g.page_cacheable = True
        return view(*args, **kwargs)

    wrapper.page_cacheable = True
    return wrapper


def has_session() -> bool:
    cookies = request.cookies
    return current_app.config["SESSION_COOKIE_NAME"] in cookies or REMEMBER_COOKIE in cookies


def content_version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        version = str(time.time_ns())
        cache.set(VERSION_KEY, version, timeout=0)
    return version


def bump_content_version() -> None:
    """Invalidate every cached page (call after any content or prompt change)."""
    cache.set(VERSION_KEY, str(time.time_ns()), timeout=0)


def _key() -> str:
    return f"page:{content_version()}:{request.full_path}"


def _finish(response: Response) -> Response:
    max_age = current_app.config["PAGE_CACHE_SECONDS"]
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.headers["Vary"] = "Cookie"
    response.add_etag()
    return response.make_conditional(request)


def init_app(app: Flask) -> None:
    @app.before_request
    def serve_cached_page():
        if request.method != "GET" or has_session():
            return None
        view = app.view_functions.get(request.endpoint or "")
        if not getattr(view, "page_cacheable", False):
            return None
        stored = cache.get(_key())
        if stored is None:
            return None
        g.page_cache_hit = True
        body, mimetype = stored
        return _finish(Response(body, mimetype=mimetype))

    @app.after_request
    def store_page(response: Response) -> Response:
        if g.get("page_cache_hit") or not g.get("page_cacheable"):
            return response
        personal = has_session() or session.modified or "Set-Cookie" in response.headers
        if personal or response.status_code != 200:
            response.headers.setdefault("Cache-Control", "private, no-store")
            return response
        timeout = app.config["PAGE_CACHE_SECONDS"]
        cache.set(_key(), (response.get_data(), response.mimetype), timeout=timeout)
        return _finish(response)
