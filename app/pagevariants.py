"""Reader pages for readers with a session: the page's variant cached, the personal parts filled in.

A reader page depends on its content, its address and a little of its reader: the perks (ads and
the prompt or not, the language toggle, the badge, the failed-payment notice), signed in or not,
staff or not, the reading mode. Those make a few variants; what is the reader's own is the CSRF
token of every form (the sign-out form, the reading-mode form) and the flashed messages.
`render_variant` renders a page once per variant, with a marker where each personal part goes,
and keeps it in the app cache under the content version (as `pagecache` keeps signed-out pages);
every request then fills in only those parts (and the ask to give a little more, under a
member's article, `RAISE_ASK`). The variant is named by this request's perks and
account, read with the account itself (never cached), so a change of membership shows on the next
page.

While a variant renders, `current_user` is a `VariantReader`: it carries only what the variant's
key names, and a template asking it anything else (an email) fails at once instead of caching one
reader's page for others.
"""

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app, g, render_template, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from .auth import current_reader
from .extensions import cache
from .pagecache import content_version
from .services import raises
from .services.membership import perks_for

CSRF = "csrf"
FLASHES = "flashes"  # templates/partials/flashes.html
RAISE_ASK = "raise_ask"  # templates/partials/raise_ask.html


class PersonalData(RuntimeError):
    """A template asked a page variant's reader for something the variant is not keyed by."""


@dataclass(frozen=True)
class VariantReader:
    """What a page variant may show of its reader."""

    is_authenticated: bool
    is_staff: bool
    reading_mode: object

    @property
    def is_anonymous(self) -> bool:
        return not self.is_authenticated

    def __getattr__(self, name: str):
        raise PersonalData(f"current_user.{name} in a cached page variant")


def render_variant(template: str, context: Callable[[], dict]) -> str:
    """`template` for this request: its variant from the cache (rendered with `context()` when
    missing), with this reader's own parts filled in."""
    user = current_reader()
    reader = VariantReader(
        is_authenticated=user.is_authenticated,
        is_staff=bool(getattr(user, "is_staff", False)),
        reading_mode=getattr(user, "reading_mode", None),
    )
    key = (
        f"variant:{content_version()}:{request.path}?{request.query_string.decode()}"
        f":{perks_for(user)!r}:{reader!r}"
    )
    parts = cache.get(key)
    if parts is None:
        parts = _render_parts(template, reader, context())
        cache.set(key, parts, timeout=current_app.config["PAGE_CACHE_SECONDS"])
    return "".join(_fill(number, part) for number, part in enumerate(parts))


def _render_parts(template: str, reader: VariantReader, context: dict) -> tuple[str, ...]:
    """The page split at its personal parts: text, part name, text, ... (text at both ends). The
    markers carry a fresh random tag, so no article text can pass for one."""
    tag = secrets.token_hex(8)
    g.variant_tag = tag
    try:
        html = render_template(template, current_user=reader,
                               slot=lambda name: _marker(tag, name), **context)  # fmt: skip
    finally:
        g.pop("variant_tag", None)
    return tuple(re.split(f"\x00{tag}:(\\w+)\x00", html))


def _marker(tag: str, name: str) -> str:
    return f"\x00{tag}:{name}\x00"


def _fill(number: int, part: str) -> str:
    if number % 2 == 0:
        return part
    if part == CSRF:
        return session_csrf_token()
    if part == FLASHES and "_flashes" in session:
        return render_template("partials/flashes.html")
    if part == RAISE_ASK:
        ask = raises.ask_for(current_user)
        return render_template("partials/raise_ask.html", ask=ask) if ask else ""
    return ""


SIGNED_TOKENS_KEPT = 10_000  # per worker: about 2 MB


def session_csrf_token() -> str:
    """This session's signed CSRF token. Flask-WTF signs the session's token afresh on every page;
    while tokens never expire (WTF_CSRF_TIME_LIMIT None: the signature's time is never checked),
    a worker keeps the one it signed for each session's token instead, so that a page variant's
    token costs a lookup. A session with another token (a new sign-in) gets its own."""
    app = current_app._get_current_object()
    raw = session.get(app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    if app.config.get("WTF_CSRF_TIME_LIMIT") is not None or not isinstance(raw, str):
        return generate_csrf()
    signed_tokens = app.extensions.setdefault("signed_csrf_tokens", {})
    signed = signed_tokens.get(raw)
    if signed is None:
        if len(signed_tokens) >= SIGNED_TOKENS_KEPT:
            signed_tokens.clear()
        signed = signed_tokens[raw] = generate_csrf()
    return signed


def csrf_token() -> str:
    """`csrf_token()` in templates: this session's token, or its marker in a variant."""
    tag = g.get("variant_tag")
    return _marker(tag, CSRF) if tag else generate_csrf()


def init_app(app: Flask) -> None:
    # In place of Flask-WTF's (a global, and in every template's context), so that no token is
    # ever stored in a variant that other readers are served.
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.context_processor(lambda: {"csrf_token": csrf_token})
