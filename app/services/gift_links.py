"""The link in a gift's email that redeems it: a random secret, kept by us only as its SHA-256,
so neither the database nor its backups can redeem a gift. The link opens a page whose one button
redeems (a link scanner's GET changes nothing); it never signs anyone in."""

import hashlib
import secrets

from sqlalchemy import select

from ..extensions import db
from ..models import Gift
from ..urls import external_url


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> tuple[str, str]:
    """A fresh secret for a link, and the digest to store."""
    secret = secrets.token_urlsafe(32)
    return secret, digest(secret)


def redeem_url(secret: str, lang: str) -> str:
    return external_url("billing.gift_redeem", lang=lang, token=secret)


def gift_for_secret(secret: str) -> Gift | None:
    """The gift a link names, whatever its state (the page says why it no longer redeems)."""
    if not secret or len(secret) > 100:
        return None
    return db.session.scalar(select(Gift).where(Gift.redeem_hash == digest(secret)))
