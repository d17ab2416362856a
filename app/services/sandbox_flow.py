"""What the sandbox's test-card form and staff page do (development, tests and demos only)."""

from ..extensions import db
from ..payments import get_gateway
from ..payments.sandbox import Outcome, SandboxGateway
from . import ledger

ACTIONS = ("renew_paid", "renew_failed", "cancel", "refund")


class NotSandbox(RuntimeError):
    """The app runs with real Stripe keys: the sandbox does not exist."""


def sandbox() -> SandboxGateway:
    gateway = get_gateway()
    if not isinstance(gateway, SandboxGateway):
        raise NotSandbox("the payment sandbox is off when Stripe keys are set")
    return gateway


def pay_with_test_card(client_secret: str, card_number: str) -> Outcome:
    """Confirm a payment (or a card update) with one of Stripe's test cards, then deliver the events."""
    outcome = sandbox().confirm(client_secret, card_number)
    db.session.commit()
    ledger.deliver_pending()
    return outcome


def authenticate(client_secret: str, approve: bool) -> Outcome:
    outcome = sandbox().authenticate(client_secret, approve)
    db.session.commit()
    ledger.deliver_pending()
    return outcome


def advance_subscription(subscription_id: str, action: str) -> str:
    """Staff: renew (paid or failed), cancel now, or refund the latest payment."""
    gateway = sandbox()
    if action == "renew_paid":
        result = gateway.renew(subscription_id, succeed=True)
    elif action == "renew_failed":
        result = gateway.renew(subscription_id, succeed=False)
    elif action == "cancel":
        result = gateway.cancel_now(subscription_id)
    elif action == "refund":
        result = gateway.refund_latest(subscription_id) or "nothing to refund"
    else:
        raise ValueError(f"unknown sandbox action {action!r}")
    db.session.commit()
    ledger.deliver_pending()
    return result


def list_subscriptions() -> list[dict]:
    return sandbox().subscriptions()
