"""Redirect targets that stay on this site."""

from urllib.parse import urlsplit


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
