"""Disputes: the one Stripe opens on a 0259 charge, evidence, close
(https://docs.stripe.com/api/disputes, https://docs.stripe.com/testing#disputes)."""

import copy
from typing import Any

from ..errors import state_error
from ..fixtures import build, example
from ..forms import as_bool, merge_metadata
from ..render import page
from ..routing import Request, route
from ..store import Store, handler
from .common import changes, where

# https://docs.stripe.com/testing#evidence: the outcome the submitted text decides.
OUTCOMES = {"winning_evidence": "won", "losing_evidence": "lost"}
CLOSED = ("won", "lost", "warning_closed")
RESPONSE_WINDOW = 7 * 24 * 3600


@handler("open_dispute")
def open_dispute(store: Store, charge_id: str) -> None:
    """Open a fraudulent, needs_response dispute on the charge: charge.dispute.created."""
    charge = store.get("charge", charge_id)
    now = store.now(charge["customer"])
    card = charge["payment_method_details"]["card"]
    evidence: dict[str, Any] = dict.fromkeys(example("dispute")["evidence"])
    evidence["enhanced_evidence"] = {}
    dispute = build(
        "dispute",
        {
            "amount": charge["amount"],
            "balance_transactions": [],
            "charge": charge["id"],
            "created": now,
            "currency": charge["currency"],
            "evidence": evidence,
            "evidence_details": {
                "due_by": now + RESPONSE_WINDOW,
                "has_evidence": False,
                "past_due": False,
                "submission_count": 0,
                "enhanced_eligibility": {},
            },
            "id": store.new_id("dp"),
            "is_charge_refundable": False,
            "livemode": False,
            "metadata": {},
            "object": "dispute",
            "payment_intent": charge["payment_intent"],
            "payment_method_details": {
                "card": {
                    "brand": card["brand"],
                    "case_type": "chargeback",
                    "network_reason_code": "10.4",
                    "network": card["network"],
                },
                "type": "card",
            },
            "reason": "fraudulent",
            "status": "needs_response",
            "enhanced_eligibility_types": [],
        },
    )
    store.put("dispute", dispute)
    charge["disputed"] = True
    store.emit("charge.dispute.created", dispute)


@handler("close_dispute")
def close_dispute(store: Store, dispute_id: str, status: str) -> None:
    """The dispute decided (won or lost): charge.dispute.closed."""
    dispute = store.get("dispute", dispute_id)
    if dispute["status"] in CLOSED:
        return
    before = copy.deepcopy(dispute)
    dispute["status"] = status
    store.emit("charge.dispute.closed", dispute, changes(before, dispute))


@route("GET", "/v1/disputes/{dispute_id}")
def retrieve(store: Store, request: Request, dispute_id: str) -> dict[str, Any]:
    """The dispute, or 404."""
    return store.public(store.get("dispute", dispute_id))


@route("POST", "/v1/disputes/{dispute_id}")
def update(store: Store, request: Request, dispute_id: str) -> dict[str, Any]:
    """Evidence submitted: under_review (charge.dispute.updated); the test texts
    winning_evidence / losing_evidence then win or lose it asynchronously."""
    params = request.params
    dispute = store.get("dispute", dispute_id)
    if dispute["status"] in CLOSED:
        raise state_error("This dispute is already closed.")
    before = copy.deepcopy(dispute)
    evidence = params.get("evidence") if isinstance(params.get("evidence"), dict) else {}
    for key, value in evidence.items():
        if key in dispute["evidence"]:
            dispute["evidence"][key] = value or None
    dispute["metadata"] = merge_metadata(dispute["metadata"], params.get("metadata"))
    if evidence:
        dispute["evidence_details"]["has_evidence"] = True
    if evidence and as_bool(params, "submit", True):
        dispute["evidence_details"]["submission_count"] += 1
        dispute["status"] = "under_review"
    store.emit("charge.dispute.updated", dispute, changes(before, dispute))
    outcome = OUTCOMES.get(str(dispute["evidence"]["uncategorized_text"]))
    if outcome and dispute["status"] == "under_review":
        store.later(1.0, "close_dispute", dispute_id=dispute_id, status=outcome)
    return store.public(dispute)


@route("POST", "/v1/disputes/{dispute_id}/close")
def close(store: Store, request: Request, dispute_id: str) -> dict[str, Any]:
    """Accept the dispute: lost (charge.dispute.closed)."""
    dispute = store.get("dispute", dispute_id)
    if dispute["status"] in CLOSED:
        raise state_error("This dispute is already closed.")
    close_dispute(store, dispute_id, "lost")
    return store.public(dispute)


@route("GET", "/v1/disputes")
def list_disputes(store: Store, request: Request) -> dict[str, Any]:
    """Disputes, newest first, filtered by charge or payment_intent."""
    items = where(store.live("dispute"), request.params, "charge", "payment_intent")
    return page(store, items, request.params, "/v1/disputes")
