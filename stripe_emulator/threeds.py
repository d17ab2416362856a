"""The emulator's own pages: the 3-D Secure test page, hosted invoices and receipts.

The 3-D Secure page stands in for the bank's challenge Stripe redirects to
(https://docs.stripe.com/testing#regulatory-cards): it completes or fails the pending
authentication, then sends the browser back to the return_url with Stripe's redirect query
(https://docs.stripe.com/payments/accept-a-payment?platform=web#web-post-payment).
"""

import html
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Request as HTTPRequest
from werkzeug.wrappers import Response

from .resources import billing, setup_intents
from .resources.intents import last_error
from .store import Store

TITLE = "Stripe emulator — 3-D Secure test page"


def _page(title: str, body: str, status: int = 200) -> Response:
    document = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}'
        f"</title></head><body><main><h1>{html.escape(title)}</h1>{body}</main></body></html>"
    )
    return Response(document, status=status, content_type="text/html; charset=utf-8")


def page(store: Store, http: HTTPRequest) -> Response:
    """The answer to GET/POST /_emulator/..."""
    parts = http.path.strip("/").split("/")
    if len(parts) >= 3 and parts[1] == "3ds":
        return _three_d_secure(store, http, parts[2])
    if len(parts) >= 3 and parts[1] == "invoices":
        invoice = store.find("invoice", parts[2])
        if invoice is None:
            return _page("Invoice not found", "", 404)
        return _page(
            f"Invoice {invoice['number'] or invoice['id']}",
            f"<p>Status: {html.escape(invoice['status'])}</p>"
            f"<p>Amount due: {invoice['amount_due']} {html.escape(invoice['currency'])}</p>",
        )
    if len(parts) >= 3 and parts[1] == "receipts":
        charge = store.find("charge", parts[2])
        if charge is None:
            return _page("Receipt not found", "", 404)
        return _page(
            f"Receipt {charge['id']}",
            f"<p>{charge['amount']} {html.escape(charge['currency'])}</p>",
        )
    return _page("Not found", "", 404)


def _intent(store: Store, intent_id: str) -> tuple[str, dict[str, Any]] | None:
    kind = "setup_intent" if intent_id.startswith("seti_") else "payment_intent"
    found = store.find(kind, intent_id)
    return (kind, found) if found is not None else None


def _three_d_secure(store: Store, http: HTTPRequest, intent_id: str) -> Response:
    found = _intent(store, intent_id)
    secret = http.values.get("client_secret", "")
    if found is None or found[1]["client_secret"] != secret:
        return _page(TITLE, "<p>Unknown payment or wrong client secret.</p>", 404)
    kind, intent = found
    if intent["status"] != "requires_action" or intent["next_action"] is None:
        return _page(
            TITLE, f"<p>No authentication is pending for {html.escape(intent_id)}.</p>", 400
        )
    if http.method == "GET":
        hidden = f'<input type="hidden" name="client_secret" value="{html.escape(secret)}">'
        amount = (
            f"<p>Amount: {intent['amount']} {html.escape(intent['currency'])}</p>"
            if kind == "payment_intent"
            else "<p>Saving a card for later payments.</p>"
        )
        buttons = "".join(
            f'<form method="post" action="/_emulator/3ds/{html.escape(intent_id)}">{hidden}'
            f'<button type="submit" name="result" value="{value}">{label}</button></form>'
            for value, label in (
                ("complete", "Complete authentication"),
                ("fail", "Fail authentication"),
            )
        )
        return _page(TITLE, f"<p>Authenticate {html.escape(intent_id)}.</p>{amount}{buttons}")
    approve = http.form.get("result") == "complete"
    authenticate(store, kind, intent, approve)
    return_url = intent.get("_return_url")
    succeeded = intent["status"] in ("succeeded", "processing")
    if not return_url:
        return _page(TITLE, f"<p>Authentication {'complete' if succeeded else 'failed'}.</p>")
    prefix = "setup_intent" if kind == "setup_intent" else "payment_intent"
    query = urlencode(
        {
            prefix: intent["id"],
            f"{prefix}_client_secret": intent["client_secret"],
            "redirect_status": "succeeded" if succeeded else "failed",
        }
    )
    separator = "&" if "?" in return_url else "?"
    return Response(status=303, headers={"Location": f"{return_url}{separator}{query}"})


def authenticate(store: Store, kind: str, intent: dict[str, Any], approve: bool) -> None:
    """Complete (the intent proceeds as the card's rules say) or fail the pending 3-D Secure."""
    pm = store.get("payment_method", intent["payment_method"])
    if kind == "setup_intent":
        if approve:
            setup_intents.run(store, intent, pm, authenticated=True)
            return
        intent.update(
            status="requires_payment_method",
            next_action=None,
            last_setup_error=last_error(
                pm,
                "setup_intent_authentication_failure",
                "The latest attempt to set up the payment method has failed because "
                "authentication failed.",
                type="invalid_request_error",
            ),
        )
        store.emit("setup_intent.setup_failed", intent)
        return
    if approve:
        billing.attempt_intent(store, intent, pm, off_session=False, authenticated=True)
        return
    intent.update(
        status="requires_payment_method",
        next_action=None,
        last_payment_error=last_error(
            pm,
            "payment_intent_authentication_failure",
            "The provided PaymentMethod has failed authentication. You can provide "
            "payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent "
            "again.",
            type="invalid_request_error",
        ),
    )
    store.emit("payment_intent.payment_failed", intent)
    if intent["_invoice"] is not None:
        billing.intent_result(store, intent, "declined")
