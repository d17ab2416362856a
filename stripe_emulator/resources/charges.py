"""Charges: what a card does when charged, the charge objects, retrieve and list
(https://docs.stripe.com/api/charges, https://docs.stripe.com/testing)."""

from typing import Any

from ..fixtures import build
from ..render import includable, page
from ..routing import Request, route
from ..store import Store
from . import cards
from .common import where

# https://docs.stripe.com/testing#declined-payments and https://docs.stripe.com/declines/codes
DECLINES = {
    "declined": ("card_declined", "generic_decline", "Your card was declined."),
    "charges_fail": ("card_declined", "generic_decline", "Your card was declined."),
    "insufficient_funds": (
        "card_declined",
        "insufficient_funds",
        "Your card has insufficient funds.",
    ),
    "live": (
        "card_declined",
        "test_mode_live_card",
        "Your card was declined. Your request was in test mode, but used a non test (live) card.",
    ),
}
AUTHENTICATION_REQUIRED = (
    "authentication_required",
    "authentication_required",
    "Your card was declined. This transaction requires authentication.",
)
# Since 2022-11-15 a charge carries `refunds` only when expanded
# (https://docs.stripe.com/changelog/2022-11-15/deprecates-charges-auto-expand), and then its 10
# most recent refunds; GET /v1/charges/:id/refunds pages through the rest (Stripe's API
# reference of that endpoint, the SDK's Charge.list_refunds: "the 10 most recent refunds are
# always available by default on the charge object").
REFUNDS_SHOWN = 10


def outcome(
    pm: dict[str, Any], purpose: str, off_session: bool, authenticated: bool
) -> tuple[str, tuple[str, str, str] | None]:
    """What using the card `pm` does: ("succeeded" | "requires_action" | "declined", decline).

    `purpose` "payment" or "setup". https://docs.stripe.com/testing#authentication-and-setup:
    3184 asks for 3-D Secure on every payment, off-session ones included; 3155 on a first
    on-session payment or setup, not off-session once set up for off-session use; 0341 sets up
    fine but every charge fails.
    """
    rule = cards.rule(pm)
    if purpose == "setup":
        if rule in ("declined", "insufficient_funds", "live"):
            return "declined", DECLINES[rule]
        if rule in ("authenticate_always", "authenticate_unless_set_up") and not authenticated:
            return "requires_action", None
        return "succeeded", None
    if rule in DECLINES:
        return "declined", DECLINES[rule]
    if not authenticated and (
        rule == "authenticate_always"
        or (
            rule == "authenticate_unless_set_up" and not (off_session and pm["_set_up_off_session"])
        )
    ):
        return "requires_action", None
    return "succeeded", None


def _card_details(pm: dict[str, Any], amount: int, authenticated: bool) -> dict[str, Any]:
    card = pm["card"]
    return {
        "card": {
            "amount_authorized": amount,
            "brand": card["brand"],
            "checks": dict(card["checks"]),
            "country": card["country"],
            "exp_month": card["exp_month"],
            "exp_year": card["exp_year"],
            "extended_authorization": {"status": "disabled"},
            "fingerprint": card["fingerprint"],
            "funding": card["funding"],
            "incremental_authorization": {"status": "unavailable"},
            "installments": None,
            "last4": card["last4"],
            "mandate": None,
            "multicapture": {"status": "unavailable"},
            "network": card["brand"],
            "network_token": {"used": False},
            "overcapture": {"maximum_amount_capturable": amount, "status": "unavailable"},
            "three_d_secure": {
                "authentication_flow": "challenge",
                "electronic_commerce_indicator": "05",
                "exemption_indicator": None,
                "result": "authenticated",
                "result_reason": None,
                "transaction_id": None,
                "version": "2.2.0",
            }
            if authenticated
            else None,
            "wallet": None,
            "authorization_code": "123456",
            "regulated_status": "unregulated",
            "network_transaction_id": "1234567890123456",
            "transaction_link_id": None,
        },
        "type": "card",
    }


def new_charge(
    store: Store,
    intent: dict[str, Any],
    pm: dict[str, Any],
    decline: tuple[str, str, str] | None,
    authenticated: bool = False,
) -> dict[str, Any]:
    """The charge of `intent` on `pm`: succeeded, or failed with `decline` (code, decline code,
    message)."""
    paid = decline is None
    charge_id = store.new_id("ch")
    charge = build(
        "charge",
        {
            "amount": intent["amount"],
            "amount_captured": intent["amount"] if paid else 0,
            "amount_refunded": 0,
            "application": None,
            "application_fee": None,
            "application_fee_amount": None,
            "balance_transaction": store.new_id("txn") if paid else None,
            "billing_details": dict(
                pm["billing_details"], address=dict(pm["billing_details"]["address"])
            ),
            "calculated_statement_descriptor": "EMULATOR",
            "captured": paid,
            "created": store.now(intent["customer"]),
            "currency": intent["currency"],
            "customer": intent["customer"],
            "description": intent["description"],
            "disputed": False,
            "failure_balance_transaction": None,
            "failure_code": None if paid else decline[0],
            "failure_message": None if paid else decline[2],
            "fraud_details": {},
            "id": charge_id,
            "livemode": False,
            "metadata": dict(intent["metadata"]),
            "object": "charge",
            "on_behalf_of": None,
            "outcome": {
                "advice_code": None if paid else "try_again_later",
                "network_advice_code": None,
                "network_decline_code": None,
                "network_status": "approved_by_network" if paid else "declined_by_network",
                "reason": None if paid else decline[1],
                "seller_message": "Payment complete."
                if paid
                else "The bank did not return any further details with this decline.",
                "type": "authorized" if paid else "issuer_declined",
            },
            "paid": paid,
            "payment_intent": intent["id"],
            "payment_method": pm["id"],
            "payment_method_details": _card_details(pm, intent["amount"], authenticated),
            "receipt_email": None,
            "receipt_number": None,
            "receipt_url": f"{store.public_url}/_emulator/receipts/{charge_id}",
            "refunded": False,
            "review": None,
            "shipping": None,
            "source_transfer": None,
            "statement_descriptor": None,
            "statement_descriptor_suffix": None,
            "status": "succeeded" if paid else "failed",
            "transfer_data": None,
            "transfer_group": None,
            "source": None,
        },
        omit=("refunds",),
    )
    return store.put("charge", charge)


def _refunds(store: Store, charge_id: str) -> list[dict[str, Any]]:
    return [refund for refund in store.live("refund") if refund["charge"] == charge_id]


@includable("charge", "refunds")
def refunds_of(store: Store, charge: dict[str, Any]) -> dict[str, Any]:
    """charge.refunds (includable): the charge's 10 newest refunds, has_more beyond them, and
    the URL that pages through all of them (list_refunds below)."""
    items = _refunds(store, charge["id"])
    return page(store, items, {"limit": REFUNDS_SHOWN}, f"/v1/charges/{charge['id']}/refunds")


@route("GET", "/v1/charges/{charge_id}/refunds")
def list_refunds(store: Store, request: Request, charge_id: str) -> dict[str, Any]:
    """The charge's refunds, newest first, paged (limit, starting_after, ending_before)."""
    store.get("charge", charge_id)
    items = _refunds(store, charge_id)
    return page(store, items, request.params, f"/v1/charges/{charge_id}/refunds")


@route("GET", "/v1/charges/{charge_id}")
def retrieve(store: Store, request: Request, charge_id: str) -> dict[str, Any]:
    """The charge, or 404."""
    return store.public(store.get("charge", charge_id))


@route("GET", "/v1/charges")
def list_charges(store: Store, request: Request) -> dict[str, Any]:
    """Charges, newest first, filtered by customer or payment_intent."""
    items = where(store.live("charge"), request.params, "customer", "payment_intent")
    return page(store, items, request.params, "/v1/charges")
