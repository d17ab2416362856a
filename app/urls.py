"""Links: absolute ones for emails and the CLI, and redirect targets that stay on this site."""

from urllib.parse import urlsplit

from flask import current_app


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
