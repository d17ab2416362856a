"""The offline sandbox provider's own records (never used with real Stripe keys)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .content import utcnow


class SandboxObject(db.Model):
    """One Stripe-shaped object (customer, subscription, invoice, payment_intent, charge, event...)."""

    __tablename__ = "sandbox_objects"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    customer_id: Mapped[str | None] = mapped_column(String(64), index=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    data: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
