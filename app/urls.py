"""Links: absolute ones for emails and the CLI, and redirect targets that stay on this site."""

from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for


def external_url(endpoint: str, **values) -> str:
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context(base_url=current_app.config["SITE_URL"]):
        return url_for(endpoint, _external=True, **values)


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
