"""Reader, staff and admin accounts."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import DateTime, Enum, String, true
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .content import utcnow


class Role(enum.StrEnum):
    READER = "reader"
    STAFF = "staff"
    ADMIN = "admin"


class SignupSource(enum.StrEnum):
    """How an account came to be: registered, made by paying on the support form (a reader who
    gave without an account), made by staff (the team page or the command line), or imported
    with its Stripe subscription (`flask stripe import-subscribers`). Stored as a string: a new
    value needs no migration."""

    REGISTER = "register"
    SUPPORT_FORM = "support_form"
    STAFF = "staff"
    IMPORT = "import"
    GIFT = "gift"  # made when the recipient of a gift membership redeemed it


class ReadingMode(enum.StrEnum):
    """How a member reads an article that has a translation."""

    SINGLE = "single"
    SIDE_BY_SIDE = "side_by_side"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Our stable public id: idempotency keys sent to the payment provider derive from it.
    key: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: uuid.uuid4().hex)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]),
        default=Role.READER,
    )
    language: Mapped[str] = mapped_column(String(8), default="en")
    signup_source: Mapped[SignupSource] = mapped_column(
        Enum(SignupSource, native_enum=False, length=16,
             values_callable=lambda e: [m.value for m in e]),
        default=SignupSource.REGISTER,
        server_default="register",
    )  # fmt: skip
    reading_mode: Mapped[ReadingMode] = mapped_column(
        Enum(
            ReadingMode,
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=ReadingMode.SINGLE,
    )
    email_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Bumped by sign-out and password changes: every older session or remember cookie is refused.
    session_version: Mapped[int] = mapped_column(default=1)
    stripe_customer_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    # Two-factor sign-in (staff): the TOTP secret once enrolled, the last time-step accepted (so a
    # code is good once) and failed code tries since the last good one.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None]
    totp_failures: Mapped[int] = mapped_column(default=0)
    # Email preferences: only the receipt for each monthly payment can be turned off (payment
    # problems and renewal notices are always sent).
    receipts_monthly: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.deleted_at is None

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.STAFF, Role.ADMIN)
