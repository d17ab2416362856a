"""Signing in without a password: a 6-digit code by email, good for 10 minutes and 5 tries, and in
the same email a link to a page that signs in with one button. Nothing signs in on the link's GET,
which mail scanners make (Outlook's Safe Links used up Ghost's magic links that way).

Only an HMAC of a code is kept (keyed with SECRET_KEY, bound to the address) and it is compared in
constant time. An address has one code at a time: asking again replaces it. A code is spent once
used or after its fifth wrong try. Whether an account uses an address never shows: an address
without one gets a row too, holding a hash no code matches, and an email that offers to create an
account (as Ghost does), so the pages and the tries answer alike either way.
"""

import enum
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..extensions import db
from ..i18n import text_direction
from ..models import AccountEmail, SignInCode, User
from ..urls import external_url
from ..utc import aware
from . import accounts
from .mail import send_email
from .two_factor import DIGITS

LIFETIME = timedelta(minutes=10)
TRIES = 5
LENGTH = 6
KEPT = timedelta(days=1)  # a spent or expired code's row lingers this long, then goes


class Problem(enum.StrEnum):
    """Why a code did not sign anyone in (the view names it to the reader)."""

    WRONG = "wrong"  # not the code: tries are left
    MALFORMED = "malformed"  # not 6 digits, so no code at all: no try is spent
    EXPIRED = "expired"  # past its 10 minutes, used already, replaced, or never asked for
    TOO_MANY_TRIES = "too_many_tries"  # the fifth wrong try spent it


@dataclass(frozen=True)
class Checked:
    """The outcome of a code: the account it signs in, or the problem and the tries left."""

    user: User | None = None
    problem: Problem | None = None
    tries_left: int = 0


@dataclass(frozen=True)
class Link:
    """What an emailed sign-in link names: the address, its code, and where to go after."""

    email: str
    code: str
    next_url: str


def now() -> datetime:
    """The clock every rule here reads (the tests move it on)."""
    return datetime.now(UTC)


def _digest(email: str, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"sign-in-code:{email}:{code}".encode(), hashlib.sha256).hexdigest()


def normalize_code(code: str) -> str:
    """The code as typed, in ASCII digits: Arabic-Indic digits, spaces and dashes allowed."""
    return "".join((code or "").translate(DIGITS).split()).replace("-", "")


def is_well_formed(code: str) -> bool:
    """Whether `code`, once normalized, could be a code at all: exactly 6 digits. Anything else
    is a slip of the keyboard, not a guess, and is refused before it costs a try."""
    normalized = normalize_code(code)
    return len(normalized) == LENGTH and normalized.isascii() and normalized.isdigit()


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="accounts.sign-in-code")


def link_url(email: str, code: str, lang: str, next_url: str = "") -> str:
    token = _serializer().dumps({"e": email, "c": code, "n": next_url})
    return external_url("accounts.code_link", lang=lang, token=token)


def read_link(token: str) -> Link | None:
    """The link's contents if we signed it (whether its code still works is `is_current`)."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in "ecn"):
        return None
    return Link(data["e"], data["c"], data["n"])


def email_for(
    email: str, lang: str, code: str | None, next_url: str = ""
) -> tuple[AccountEmail, dict]:
    """The email answering a request for a code, and what it is rendered with: the code and its
    link, or (`code` None: no account uses the address) the offer to create an account."""
    context = {
        "dir": text_direction(lang),
        "home_url": external_url("readers.home", lang=lang),
        "account_url": external_url("accounts.account", lang=lang),
        "minutes": int(LIFETIME.total_seconds() // 60),
    }
    if code is None:
        register_url = external_url("accounts.register", lang=lang)
        return AccountEmail.SIGN_IN_NO_ACCOUNT, {**context, "register_url": register_url}
    link = link_url(email, code, lang, next_url)
    return AccountEmail.SIGN_IN_CODE, {**context, "code": code, "link": link}


def request_code(email: str, lang: str, next_url: str = "") -> None:
    """Give `email` a new code (replacing any other) and email it, with its link, in `lang`, the
    language of the page it was asked from. An address without an account gets the same row
    (matching no code) and an email offering to create an account instead."""
    email = accounts.normalize_email(email)
    moment = now()
    db.session.execute(delete(SignInCode).where(SignInCode.expires_at < moment - KEPT))
    user = accounts.find_user(email)
    code = f"{secrets.randbelow(10**LENGTH):0{LENGTH}d}"
    # Unknown address: the hash of something no 6-digit code can be.
    stored = _digest(email, code if user is not None else secrets.token_hex(16))
    values = {"code_hash": stored, "wrong_tries": 0, "expires_at": moment + LIFETIME,
              "used_at": None, "created_at": moment}  # fmt: skip
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(
        insert(SignInCode)
        .values(email=email, **values)
        .on_conflict_do_update(index_elements=["email"], set_=values)
    )
    kind, context = email_for(email, lang, code if user is not None else None, next_url)
    send_email(email, kind.value, lang, **context)
    db.session.commit()


def _current(email: str, lock: bool = False) -> SignInCode | None:
    """The address's code while it can still be tried: not used, not spent, not expired."""
    query = select(SignInCode).where(SignInCode.email == email)
    row = db.session.scalar(query.with_for_update() if lock else query)
    if row is None or row.used_at is not None or aware(row.expires_at) <= now():
        return None
    return row


def is_current(link: Link) -> bool:
    """Whether the link's code is still the address's, unused and in time (nothing is written)."""
    row = _current(link.email)
    if row is None or row.wrong_tries >= TRIES:
        return False
    return hmac.compare_digest(row.code_hash, _digest(link.email, link.code))


def check_code(email: str, code: str, from_link: bool = False) -> Checked:
    """Sign in with the address's code: the account when it matches (the code is spent, and the
    address counts as confirmed; a first proof of a passwordless account's address signs every
    other browser out of it), else why not. A wrong code uses up one of its 5 tries; one that
    is not 6 digits uses none (nor does a link's code that no longer matches: a newer code was
    asked for, and only we make links)."""
    matched = _match(email, code, from_link)
    if isinstance(matched, Checked):
        return matched
    row, user = matched
    row.used_at = now()
    if user.email_confirmed_at is None:
        user.email_confirmed_at = row.used_at
        if user.password_hash is None:
            # Made by a form from an address nobody had proved (the support form signs its payer
            # in): whoever typed it is signed out now that the owner has proved it.
            accounts.sign_out_everywhere(user)
    db.session.commit()
    return Checked(user=user)


def prove_code(email: str, code: str) -> Checked:
    """A signed-in reader confirms an action with the address's code, as `check_code` judges it
    (a wrong one uses a try), but a right one is not spent: the action may fail on Stripe's side
    and be tried again with the same code, within its 10 minutes. Nothing else is written."""
    matched = _match(email, code)
    if isinstance(matched, Checked):
        return matched
    db.session.rollback()  # the row's lock
    return Checked(user=matched[1])


def _match(email: str, code: str, from_link: bool = False) -> tuple[SignInCode, User] | Checked:
    """The address's current code row (locked) and account when `code` is it, else why not (a
    wrong try already counted and committed)."""
    if not is_well_formed(code):
        return Checked(problem=Problem.MALFORMED)
    email, code = accounts.normalize_email(email), normalize_code(code)
    row = _current(email, lock=True)
    if row is None or row.wrong_tries >= TRIES:
        db.session.rollback()
        return Checked(problem=Problem.EXPIRED if row is None else Problem.TOO_MANY_TRIES)
    if hmac.compare_digest(row.code_hash, _digest(email, code)):
        user = accounts.find_user(email)
        if user is not None:
            return row, user
    if from_link:
        db.session.rollback()
        return Checked(problem=Problem.EXPIRED)
    row.wrong_tries += 1
    left = TRIES - row.wrong_tries
    db.session.commit()
    return Checked(problem=Problem.WRONG if left else Problem.TOO_MANY_TRIES, tries_left=left)
