"""What staff see of gift memberships: how many were given and redeemed, where the others stand,
and the money they brought, apart from MRR (a gift is paid once and gives a complimentary
membership, which counts nothing in MRR)."""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Gift, GiftState, Payment, PaymentKind, PaymentStatus

COLLECTED = (PaymentStatus.PAID, PaymentStatus.REFUNDED, PaymentStatus.DISPUTED)


@dataclass
class GiftFigures:
    by_state: dict[GiftState, int] = field(default_factory=dict)
    # Per currency: money kept (paid less refunded), all time and since `since`.
    revenue: dict[str, int] = field(default_factory=dict)
    revenue_since: dict[str, int] = field(default_factory=dict)

    @property
    def given(self) -> int:
        """Paid for and not refunded: waiting for their date, emailed, or redeemed."""
        return sum(self.by_state.get(state, 0)
                   for state in (GiftState.PAID, GiftState.SENT, GiftState.REDEEMED))  # fmt: skip

    @property
    def redeemed(self) -> int:
        return self.by_state.get(GiftState.REDEEMED, 0)


def gift_figures(since: datetime) -> GiftFigures:
    figures = GiftFigures()
    rows = db.session.execute(select(Gift.state, func.count(Gift.id)).group_by(Gift.state))
    figures.by_state = {GiftState(state): int(count) for state, count in rows}
    figures.revenue = gift_revenue()
    figures.revenue_since = gift_revenue(since)
    return figures


def gift_revenue(since: datetime | None = None) -> dict[str, int]:
    """Gift money kept per currency (paid less refunded), by when it was paid."""
    query = select(Payment.currency, func.sum(Payment.amount - Payment.amount_refunded)).where(
        Payment.kind == PaymentKind.GIFT, Payment.status.in_(COLLECTED)
    )
    if since is not None:
        query = query.where(Payment.paid_at >= since)
    rows = db.session.execute(query.group_by(Payment.currency))
    return {currency: int(total or 0) for currency, total in rows if total}


def recent_gifts(limit: int = 100) -> list[Gift]:
    """The newest gifts paid for (any state but waiting for payment), with giver and recipient."""
    return list(db.session.scalars(
        select(Gift).where(Gift.state != GiftState.PENDING_PAYMENT)
        .options(joinedload(Gift.giver), joinedload(Gift.redeemed_by))
        .order_by(Gift.created_at.desc(), Gift.id.desc()).limit(limit)
    ))  # fmt: skip
