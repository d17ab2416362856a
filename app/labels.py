"""What staff read for the data the site records: Stripe's event types and the audit log's actions,
each with a label in the page's language, in one place (the statuses' labels are in templating).

The values themselves stay as stored (Stripe's `invoice.paid`, our `staff role`); pages show the
label, and a value without one shows as stored, so a new one is visible rather than hidden — and
tests/test_labels.py fails until it has a label.
"""

from flask_babel import lazy_gettext as _l

# Stripe's event types the ledger applies (services/billing_events.HANDLERS) or commonly receives.
EVENT_LABELS = {
    "customer.subscription.created": _l("Subscription created"),
    "customer.subscription.updated": _l("Subscription changed"),
    "customer.subscription.deleted": _l("Subscription ended"),
    "invoice.paid": _l("Invoice paid"),
    "invoice.payment_failed": _l("Invoice payment failed"),
    "invoice.payment_action_required": _l("Payment needs the bank's confirmation"),
    "payment_intent.succeeded": _l("One-time payment succeeded"),
    "payment_intent.payment_failed": _l("One-time payment failed"),
    "charge.refunded": _l("Charge refunded"),
    "charge.refund.updated": _l("Refund changed"),
    "refund.created": _l("Refund created"),
    "refund.updated": _l("Refund changed"),
    "charge.dispute.created": _l("Dispute opened"),
    "charge.dispute.updated": _l("Dispute changed"),
    "charge.dispute.closed": _l("Dispute closed"),
    "charge.dispute.funds_withdrawn": _l("Disputed funds withdrawn"),
    "charge.dispute.funds_reinstated": _l("Disputed funds reinstated"),
    "customer.updated": _l("Customer changed"),
    "customer.deleted": _l("Customer deleted"),
}

# The audit log's actions (services/audit.record callers).
AUDIT_LABELS = {
    "staff role": _l("Staff role given"),
    "staff removed": _l("Staff access removed"),
    "grant": _l("Complimentary membership granted"),
    "revoke": _l("Complimentary membership revoked"),
    "export": _l("Supporters exported"),
    "replay": _l("Webhook event applied again"),
    "prompt edit": _l("Prompt edited"),
    "resend set-password email": _l("Set-password email sent again"),
    "mail sent again": _l("Email sent again"),
    "two-factor enrolled": _l("Two-factor sign-in set up"),
    "two-factor recovery code used": _l("Recovery code used"),
    "two-factor reset": _l("Two-factor sign-in reset"),
    "second subscription found": _l("Second live subscription found"),
    "second subscription ended": _l("Second subscription cancelled and refunded"),
    "second subscription gone": _l("Second subscription ended by itself"),
    "test mode: advance": _l("Test mode: clock moved to the next renewal"),
    "test mode: refund": _l("Test mode: refund"),
    "test mode: win": _l("Test mode: dispute won"),
    "test mode: lose": _l("Test mode: dispute lost"),
    "test mode: close": _l("Test mode: dispute accepted"),
}


def event_label(event_type: str) -> str:
    label = EVENT_LABELS.get(event_type)
    return str(label) if label is not None else event_type


def audit_label(action: str) -> str:
    label = AUDIT_LABELS.get(action)
    return str(label) if label is not None else action
