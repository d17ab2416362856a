"""Links: absolute ones for emails and the CLI, redirect targets that stay on this site, and
static files' URLs that carry their content's version."""

import hashlib
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, current_app


def external_url(endpoint: str, **values) -> str:
    """An absolute link on SITE_URL, never on the request's Host header (which a client chooses):
    for emails, Stripe's return addresses and the CLI."""
    site = urlsplit(current_app.config["SITE_URL"])
    adapter = current_app.url_map.bind(
        site.netloc, script_name=site.path or "/", url_scheme=site.scheme or "https"
    )
    current_app.inject_url_defaults(endpoint, values)
    return adapter.build(endpoint, values, force_external=True)


def safe_next(target: str | None, fallback: str) -> str:
    """`target` when it is a same-site path, otherwise `fallback`."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return fallback
    if "\\" in target or any(ord(char) < 32 for char in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return fallback
    return target


@lru_cache(maxsize=512)
def _digest(path: str, mtime_ns: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def static_version(filename: str) -> str | None:
    """A short hash of a static file's content (None if there is no such file)."""
    path = Path(current_app.static_folder or "") / filename
    try:
        return _digest(str(path), path.stat().st_mtime_ns)
    except OSError:
        return None


def init_app(app: Flask) -> None:
    @app.url_defaults
    def version_static_files(endpoint: str, values: dict) -> None:
        """`?v=<content hash>` on every static URL: nginx (and any CDN) may keep a versioned file for
        a year, and a release that changes it changes its URL."""
        if endpoint == "static" and "filename" in values and "v" not in values:
            version = static_version(values["filename"])
            if version:
                values["v"] = version
