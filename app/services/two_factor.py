"""Two-factor sign-in for staff: TOTP codes (RFC 6238, from any authenticator app) and one-time
recovery codes, with enrolment and reset."""

import hashlib
import hmac
import secrets
import time
from datetime import UTC, datetime
from typing import cast

import pyotp
import segno
from flask import current_app
from sqlalchemy import CursorResult, delete, func, or_, select, update

from ..extensions import db
from ..models import RecoveryCode, Role, User
from . import audit

ISSUER = "Enab Baladi"
RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # nothing to mistake: no 0/o, 1/l/i
RECOVERY_LENGTH = 10
DRIFT_STEPS = 1  # the code of the step before or after is good too: phone clocks drift
# Codes typed on an Arabic keyboard come in Arabic-Indic (or Persian) digits.
DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "0123456789" * 2)


class TwoFactorError(ValueError):
    """A request refused by the rules (the view names the reason to the person)."""


def required_by_setting(user: User) -> bool:
    """Staff and admins must enrol whenever STAFF_TWO_FACTOR is on (production's default)."""
    return user.is_staff and bool(current_app.config.get("STAFF_TWO_FACTOR"))


def required_for(user: User) -> bool:
    """Whether signing in as `user` takes a code: always once enrolled, and as the setting says."""
    return user.totp_secret is not None or required_by_setting(user)


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str, title: str) -> str:
    """The QR code of `uri` as inline SVG (dark on white, whatever the page's colours), an image
    named by `title` for screen readers."""
    svg = segno.make(uri, error="m").svg_inline(scale=5, dark="#000", light="#fff", title=title)
    return str(svg).replace("<svg ", '<svg role="img" ', 1)


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def normalize(code: str) -> str:
    return "".join((code or "").translate(DIGITS).lower().split()).replace("-", "")


def _is_totp(code: str) -> bool:
    return len(code) == 6 and code.isascii() and code.isdigit()


def _matching_step(secret: str, code: str, after: int | None, now: float | None) -> int | None:
    """The time-step whose code is `code` (within the drift allowed), if later than `after`."""
    totp = pyotp.TOTP(secret)
    current = totp.timecode(datetime.fromtimestamp(now if now is not None else time.time(), UTC))
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if (after is None or step > after) and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _claim_step(user: User, step: int) -> bool:
    """Record `step` as used, unless it or a later one already is (a code is good once, even
    when two requests bring it at the same moment)."""
    result = cast(
        CursorResult,
        db.session.execute(
            update(User)
            .where(User.id == user.id)
            .where(or_(User.totp_last_step.is_(None), User.totp_last_step < step))
            .values(totp_last_step=step, totp_failures=0)
        ),
    )
    return result.rowcount == 1


def _hash(user: User, code: str) -> str:
    return hashlib.sha256(f"{user.key}:{code}".encode()).hexdigest()


def _use_recovery_code(user: User, code: str) -> bool:
    found = db.session.scalar(
        select(RecoveryCode.id).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _hash(user, code),
            RecoveryCode.used_at.is_(None),
        )
    )
    if found is None:
        return False
    result = cast(
        CursorResult,
        db.session.execute(
            update(RecoveryCode)
            .where(RecoveryCode.id == found, RecoveryCode.used_at.is_(None))
            .values(used_at=datetime.now(UTC))
        ),
    )
    return result.rowcount == 1


def recovery_codes_left(user: User) -> int:
    return (
        db.session.scalar(
            select(func.count()).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        )
        or 0
    )


def check(user: User, code: str, now: float | None = None) -> str | None:
    """Check a code given at sign-in: "totp" for the app's current code (each good once),
    "recovery" for an unused recovery code (then used up, and audited), None otherwise (counted
    as a failed try on the account)."""
    code = normalize(code)
    outcome = None
    if user.totp_secret and _is_totp(code):
        step = _matching_step(user.totp_secret, code, user.totp_last_step, now)
        if step is not None and _claim_step(user, step):
            outcome = "totp"
    elif user.totp_secret and code and _use_recovery_code(user, code):
        user.totp_failures = 0
        audit.record(user, "two-factor recovery code used", user.email, subject=user,
                     left=recovery_codes_left(user))  # fmt: skip
        outcome = "recovery"
    if outcome is None:
        user.totp_failures = User.totp_failures + 1
    db.session.commit()
    return outcome


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
        for _ in range(RECOVERY_CODES)
    ]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash(user, code)) for code in codes)
    half = RECOVERY_LENGTH // 2
    return [f"{code[:half]}-{code[half:]}" for code in codes]


def enrol(user: User, secret: str, code: str, now: float | None = None) -> list[str] | None:
    """Turn two-factor sign-in on with `secret` once the person's app shows `code` for it.
    Returns the recovery codes, to be shown once (only their hashes are kept), or None when the
    code is wrong (a failed try)."""
    if user.totp_secret is not None:
        raise TwoFactorError("already enrolled")
    code = normalize(code)
    step = _matching_step(secret, code, None, now) if _is_totp(code) else None
    if step is None:
        user.totp_failures = User.totp_failures + 1
        db.session.commit()
        return None
    user.totp_secret, user.totp_last_step, user.totp_failures = secret, step, 0
    codes = _new_recovery_codes(user)
    audit.record(user, "two-factor enrolled", user.email, subject=user)
    db.session.commit()
    return codes


def _reset(actor: User | None, user: User) -> None:
    user.totp_secret, user.totp_last_step, user.totp_failures = None, None, 0
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    user.session_version += 1  # signed out everywhere: the next sign-in enrols again
    audit.record(actor, "two-factor reset", user.email, subject=user)
    db.session.commit()


def reset_for(actor: User, user: User) -> None:
    """An admin turns off another account's two-factor sign-in (a lost phone): audited, and the
    account is signed out everywhere. Nobody resets their own this way."""
    if actor.role != Role.ADMIN:
        raise TwoFactorError("admins only")
    if actor.id == user.id:
        raise TwoFactorError("not your own")
    _reset(actor, user)


def reset_own(user: User, code: str, now: float | None = None) -> bool:
    """Turn off one's own two-factor sign-in, proven with a current or recovery code."""
    if user.totp_secret is None or check(user, code, now) is None:
        return False
    _reset(user, user)
    return True


def reset_from_shell(user: User) -> None:
    """`flask users reset-two-factor`: for the last admin locked out (shell access is trusted)."""
    _reset(None, user)
