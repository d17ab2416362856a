"""Refunds: create, retrieve, list (https://docs.stripe.com/api/refunds)."""

import copy
from typing import Any

from ..errors import invalid, state_error
from ..fixtures import build
from ..forms import as_int, check_known, choice, merge_metadata
from ..render import page
from ..routing import Request, route
from ..store import Store
from .common import changes, money, where

CREATE = {"charge", "payment_intent", "amount", "reason", "metadata", "expand"}


def _charge_of(store: Store, params: dict[str, Any]) -> dict[str, Any]:
    if params.get("charge"):
        return store.get("charge", params["charge"], "charge")
    if params.get("payment_intent"):
        intent = store.get("payment_intent", params["payment_intent"], "payment_intent")
        charge = store.find("charge", intent["latest_charge"])
        if intent["status"] != "succeeded" or charge is None:
            raise state_error(
                f"This PaymentIntent ({intent['id']}) does not have a successful charge to refund.",
                param="payment_intent",
            )
        return charge
    raise invalid(
        "One of the following params should be provided for this request: payment_intent or "
        "charge.",
        code="parameter_missing",
    )


@route("POST", "/v1/refunds")
def create(store: Store, request: Request) -> dict[str, Any]:
    """A succeeded refund of `amount` (default: what is left) of a charge.

    https://docs.stripe.com/api/refunds/create: no more than the unrefunded amount, not on a
    disputed charge; the charge's amount_refunded and refunded follow (refund.created,
    charge.refunded).
    """
    params = request.params
    check_known(params, CREATE)
    charge = _charge_of(store, params)
    if charge["status"] != "succeeded":
        raise state_error(f"Charge {charge['id']} has failed; cannot issue a refund.")
    if charge["disputed"]:
        raise state_error(
            f"Charge {charge['id']} has been charged back; cannot issue a refund.",
            code="charge_disputed",
        )
    left = charge["amount_captured"] - charge["amount_refunded"]
    if left <= 0:
        raise state_error(
            f"Charge {charge['id']} has already been refunded.", code="charge_already_refunded"
        )
    amount = as_int(params, "amount")
    amount = left if amount is None else amount
    if amount <= 0:
        raise invalid("Invalid positive integer", param="amount")
    if amount > left:
        raise state_error(
            f"Refund amount ({money(amount, charge['currency'])}) is greater than unrefunded "
            f"amount on charge ({money(left, charge['currency'])})",
            param="amount",
        )
    refund = build(
        "refund",
        {
            "amount": amount,
            "balance_transaction": store.new_id("txn"),
            "charge": charge["id"],
            "created": store.now(charge["customer"]),
            "currency": charge["currency"],
            "destination_details": {"card": {"type": "refund"}, "type": "card"},
            "id": store.new_id("re"),
            "metadata": merge_metadata({}, params.get("metadata")),
            "object": "refund",
            "payment_intent": charge["payment_intent"],
            "reason": choice(
                params, "reason", ("duplicate", "fraudulent", "requested_by_customer"), None
            ),
            "receipt_number": None,
            "source_transfer_reversal": None,
            "status": "succeeded",
            "transfer_reversal": None,
            "customer": charge["customer"],
            "customer_account": None,
            "payment_method": charge["payment_method"],
        },
    )
    store.put("refund", refund)
    before = copy.deepcopy(charge)
    charge["amount_refunded"] += amount
    charge["refunded"] = charge["amount_refunded"] >= charge["amount_captured"]
    store.emit("refund.created", refund)
    store.emit("charge.refunded", charge, changes(before, charge))
    return store.public(refund)


@route("GET", "/v1/refunds/{refund_id}")
def retrieve(store: Store, request: Request, refund_id: str) -> dict[str, Any]:
    """The refund, or 404."""
    return store.public(store.get("refund", refund_id))


@route("GET", "/v1/refunds")
def list_refunds(store: Store, request: Request) -> dict[str, Any]:
    """Refunds, newest first, filtered by charge or payment_intent."""
    items = where(store.live("refund"), request.params, "charge", "payment_intent")
    return page(store, items, request.params, "/v1/refunds")
