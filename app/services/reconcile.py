"""Bring our records in step with the provider: re-fetch every subscription we hold, and feed the
provider's events of the last days that we never applied through the same ledger path."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import select

from ..currency import preset_amounts
from ..extensions import db
from ..models import Membership, WebhookEvent
from ..payments import get_gateway
from . import ledger, money
from .billing_events import HANDLERS


@dataclass
class Report:
    changed: list[str] = field(default_factory=list)
    events_applied: list[str] = field(default_factory=list)
    events_failed: list[str] = field(default_factory=list)


def reconcile(days: int = 30) -> Report:
    report = Report()
    _resync_subscriptions(report)
    _replay_missed_events(report, datetime.now(UTC) - timedelta(days=days))
    return report


def _resync_subscriptions(report: Report) -> None:
    memberships = db.session.scalars(
        select(Membership).where(Membership.subscription_id.is_not(None)).order_by(Membership.id)
    ).all()
    for membership in memberships:
        before = membership.status
        money.sync_subscription(membership.user, membership.subscription_id, "reconciliation")
        db.session.commit()
        if membership.status != before:
            report.changed.append(
                f"{membership.user.email}: {before.value} -> {membership.status.value} "
                f"({membership.subscription_id})"
            )


def _replay_missed_events(report: Report, since: datetime) -> None:
    for event in get_gateway().list_events(since, types=sorted(HANDLERS)):
        row = db.session.get(WebhookEvent, event["id"])
        if row is not None and row.state in ledger.DONE:
            continue
        ledger.record_event(event)
        outcome = ledger.apply_event(event["id"]).outcome
        (
            report.events_applied if outcome in ("applied", "parked") else report.events_failed
        ).append(f"{event['id']} {event['type']}: {outcome}")


def default_prices() -> list[tuple[str, int, str, str | None]]:
    """The catalogue `flask stripe setup` keeps: the prompt's monthly amounts, their annual sums,
    and one-time donations of the same amounts."""
    currency = current_app.config["SUPPORT_CURRENCY"]
    prices: list[tuple[str, int, str, str | None]] = []
    for amount in preset_amounts(currency):
        prices.append((f"membership_monthly_{amount}_{currency}", amount, currency, "month"))
        prices.append(
            (f"membership_annual_{amount * 12}_{currency}", amount * 12, currency, "year")
        )
        prices.append((f"donation_{amount}_{currency}", amount, currency, None))
    return prices
