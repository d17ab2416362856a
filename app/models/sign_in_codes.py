"""One-time sign-in codes sent by email, kept as a keyed hash only."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .content import utcnow


class SignInCode(db.Model):
    """The one code an address may use now: asking again replaces it. Its HMAC (keyed with
    SECRET_KEY, bound to the address) is all we keep; it is spent when used or after its last
    wrong try. Addresses without an account get a row too, holding a hash no code matches, so the
    pages answer alike whether or not an account uses the address."""

    __tablename__ = "sign_in_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    wrong_tries: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
