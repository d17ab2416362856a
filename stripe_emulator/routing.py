"""The route table the resource modules fill, and the request a handler receives."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Request:
    """One API request, as a handler sees it.

    `publishable`: made with a pk_test_ key (stripe.js); such requests may only reach the
    routes marked public, and must prove the intent with its client secret.
    """

    method: str
    path: str
    params: dict[str, Any]
    api_key: str
    publishable: bool
    request_id: str
    idempotency_key: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Callable[..., Any]
    public: bool
    mutating: bool


ROUTES: list[Route] = []


def route(
    method: str, path: str, public: bool = False
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a handler for `method path` (`{name}` segments become keyword arguments).

    `public`: also open to publishable keys. A handler takes (store, request, **segments) and
    returns the answer's body, or (status, body).
    """
    pattern = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path) + "$")

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        ROUTES.append(Route(method, pattern, fn, public, method in ("POST", "DELETE")))
        return fn

    return register


def match(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The route for `method path` and its segments, or None."""
    for candidate in ROUTES:
        if candidate.method != method:
            continue
        found = candidate.pattern.match(path)
        if found:
            return candidate, found.groupdict()
    return None
