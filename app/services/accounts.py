"""Accounts: registration, sign-in, passwords, emailed links, email change and deletion."""

import gzip
import hashlib
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import OutboxMessage, Role, SignInCode, SignupSource, User
from ..urls import external_url
from .mail import render_email, send_email

PASSWORD_MIN, PASSWORD_MAX = 8, 128
LINK_MAX_AGE = 3600  # an hour, for the links a reader asks for: password reset, email change
# A link to choose a first password, sent unasked (an account made for the reader by the support
# or gift form, staff or an offline payment), may wait in the inbox for days before it is read.
SET_LINK_DAYS = 7
PASSWORD_LINK_MAX_AGES = {"reset": LINK_MAX_AGE, "set": SET_LINK_DAYS * 24 * 3600}
CONFIRM_MAX_AGE = 7 * 24 * 3600
COMMON_PASSWORDS = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt.gz"


class AccountError(ValueError):
    """A request that cannot be done as asked; the message is shown to the reader."""


class EmailTaken(AccountError):
    pass


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def _hash_method() -> str:
    return current_app.config["PASSWORD_HASH_METHOD"]


def _dummy_hash() -> str:
    """Checked when no account matches, so sign-in takes as long whether or not the email is known."""
    return _dummy_hash_for(_hash_method())


@cache
def _dummy_hash_for(method: str) -> str:
    return generate_password_hash("not a real password", method=method)


@cache
def _common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle if line.strip())


def password_problem(password: str, email: str = "") -> str | None:
    """Why a password is refused (a key for the form's message), or None."""
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        return "length"
    lowered = password.lower()
    if lowered in _common_passwords() or lowered == normalize_email(email):
        return "common"
    return None


def find_user(email: str) -> User | None:
    return db.session.scalar(
        select(User).where(User.email == normalize_email(email), User.deleted_at.is_(None))
    )


def create_user(
    email: str, password: str | None, lang: str, role: Role = Role.READER,
    source: SignupSource = SignupSource.REGISTER,
) -> User:  # fmt: skip
    """A new account; raises EmailTaken when the address is in use (and ValueError without one:
    the forms ask for it, so this is a caller's mistake, never an account with no address)."""
    email = normalize_email(email)
    if not email:
        raise ValueError("an account needs an email address")
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise EmailTaken(email)
    user = User(email=email, language=lang, role=role, signup_source=source)
    user.password_hash = (
        generate_password_hash(password, method=_hash_method()) if password else None
    )
    db.session.add(user)
    db.session.flush()
    return user


def register(email: str, password: str, lang: str) -> User:
    """Create a reader account and mail the link that confirms the address."""
    user = create_user(email, password, lang)
    send_email(user.email, "confirm_email", lang, link=confirm_email_link(user))
    db.session.commit()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The account for these credentials, or None (in the same time either way)."""
    user = find_user(email)
    stored = user.password_hash if user and user.password_hash else _dummy_hash()
    if check_password_hash(stored, password) and user is not None and user.password_hash:
        return user
    return None


def set_password(user: User, password: str) -> None:
    """Change the password and refuse every older session and remember cookie."""
    user.password_hash = generate_password_hash(password, method=_hash_method())
    user.session_version += 1
    db.session.commit()


def sign_out_everywhere(user: User) -> None:
    user.session_version += 1
    db.session.commit()


def set_language(user: User, lang: str) -> None:
    user.language = lang
    db.session.commit()


def set_reading_mode(user: User, mode) -> None:
    user.reading_mode = mode
    db.session.commit()


# Signed links ------------------------------------------------------------------------------------


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"accounts.{purpose}")


def _read(purpose: str, token: str, max_age: int) -> dict | None:
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired):
        return None
    return data if isinstance(data, dict) else None


def confirm_email_link(user: User) -> str:
    token = _serializer("confirm").dumps({"uid": user.id, "email": user.email})
    return external_url("accounts.confirm_email", lang=user.language, token=token)


def confirm_email(token: str) -> User | None:
    data = _read("confirm", token, CONFIRM_MAX_AGE)
    user = db.session.get(User, data["uid"]) if data else None
    if user is None or user.email != data["email"] or not user.is_active:
        return None
    if user.email_confirmed_at is None:
        user.email_confirmed_at = datetime.now(UTC)
        db.session.commit()
    return user


def password_link(user: User, purpose: str = "reset") -> str:
    """A single-use link to choose a password: a "reset" the reader asked for works for an hour, a
    "set" sent unasked (a first password) for SET_LINK_DAYS days (PASSWORD_LINK_MAX_AGES). It
    names the account's password as it is (`_password_mark`) and its address: setting a password
    spends it, and so does a change of address; signing out everywhere does not (the link is in
    the address's own mailbox, and a first sign-in by code signs other browsers out)."""
    token = _serializer("reset").dumps(
        {"uid": user.id, "h": _password_mark(user), "e": user.email, "p": purpose}
    )
    return external_url("accounts.reset_password", lang=user.language, token=token)


def set_password_email(user: User) -> dict:
    """What the "set_password" email is rendered with: the link, and the days it works."""
    return {"link": password_link(user, "set"), "days": SET_LINK_DAYS}


def request_password_reset(email: str, lang: str) -> None:
    """Mail a reset link when the email is known; otherwise do the same work and send nothing."""
    user = find_user(email)
    if user is None:
        render_email("reset_password", lang, link=external_url("readers.home", lang=lang))
        return
    send_email(user.email, "reset_password", user.language, link=password_link(user))
    db.session.commit()


def send_set_password_link(user: User, asked: bool = False) -> None:
    """For accounts made for someone (staff, or a gift by email), or `asked` by a reader whose
    account has none yet: a link to choose a password."""
    send_email(user.email, "set_password", user.language, asked=asked, **set_password_email(user))
    db.session.commit()


def user_for_reset(token: str) -> User | None:
    """The account a password link (either purpose, within its own lifetime) is for, while it
    is unused. A link without a purpose (made before links had one) counts as a reset."""
    data = _read("reset", token, PASSWORD_LINK_MAX_AGES["set"])
    if data is not None and data.get("p") != "set":  # a reset, or a link older than purposes
        data = _read("reset", token, PASSWORD_LINK_MAX_AGES["reset"])
    user = db.session.get(User, data["uid"]) if data else None
    if user is None or not user.is_active:
        return None
    if "h" in data:
        unused = data["h"] == _password_mark(user) and data.get("e") == user.email
    else:  # a link made before links named the password: the session version it was made at
        unused = user.session_version == data.get("v")
    return user if unused else None


def _password_mark(user: User) -> str:
    """A short digest of the stored password hash ("" for none): what a password link names, so
    that setting any password spends it. Never the hash itself (the link is in an email)."""
    if not user.password_hash:
        return ""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def reset_password(token: str, password: str) -> User | None:
    user = user_for_reset(token)
    if user is not None:
        set_password(user, password)
        if user.email_confirmed_at is None:  # the link proved the address
            user.email_confirmed_at = datetime.now(UTC)
            db.session.commit()
    return user


def request_email_change(user: User, new_email: str) -> None:
    """Mail a confirmation link to the new address; nothing changes until it is followed."""
    new_email = normalize_email(new_email)
    if db.session.scalar(select(User.id).where(User.email == new_email)):
        raise EmailTaken(new_email)
    token = _serializer("email").dumps(
        {"uid": user.id, "new": new_email, "v": user.session_version}
    )
    link = external_url("accounts.confirm_email_change", lang=user.language, token=token)
    send_email(new_email, "change_email", user.language, link=link)
    db.session.commit()


def change_email(token: str) -> User | None:
    data = _read("email", token, LINK_MAX_AGE)
    user = db.session.get(User, data["uid"]) if data else None
    if user is None or not user.is_active or user.session_version != data["v"]:
        return None
    if db.session.scalar(select(User.id).where(User.email == data["new"])):
        raise EmailTaken(data["new"])
    user.email = data["new"]
    user.email_confirmed_at = datetime.now(UTC)
    db.session.commit()
    return user


def delete_account(user: User) -> None:
    """Remove personal data; membership and payment records stay, anonymised, for the books."""
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.to == user.email))
    db.session.execute(delete(SignInCode).where(SignInCode.email == user.email))
    user.email = f"deleted-{user.id}@deleted.invalid"
    user.password_hash = None
    user.email_confirmed_at = None
    user.deleted_at = datetime.now(UTC)
    user.session_version += 1
    db.session.commit()
