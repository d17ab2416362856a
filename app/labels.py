"""What staff read for the data the site records: Stripe's event types and the audit log's actions,
each with a label in the page's language, in one place (the statuses' labels are in templating).

The values themselves stay as stored (Stripe's `invoice.paid`, our `staff role`); pages show the
label, and a value without one shows as stored, so a new one is visible rather than hidden — and
tests/test_labels.py fails until it has a label.
"""

from flask_babel import lazy_gettext as _l

from .models import SignupSource

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
    # Stored, not applied: Stripe sends them too.
    "customer.created": _l("Customer created"),
    "charge.succeeded": _l("Charge succeeded"),
    "charge.failed": _l("Charge failed"),
    "charge.updated": _l("Charge changed"),
    "invoice.created": _l("Invoice created"),
    "invoice.finalized": _l("Invoice finalised"),
    "invoice.updated": _l("Invoice changed"),
    "invoice.payment_succeeded": _l("Invoice payment succeeded"),
    "invoice.upcoming": _l("Invoice coming"),
    "invoice_payment.paid": _l("Invoice payment recorded"),
    "payment_intent.created": _l("Payment started"),
    "payment_intent.requires_action": _l("Payment waits for the bank"),
    "payment_intent.canceled": _l("Payment cancelled"),
    "payment_method.attached": _l("Card saved"),
    "setup_intent.created": _l("Card update started"),
    "setup_intent.succeeded": _l("Card update succeeded"),
    "setup_intent.setup_failed": _l("Card update failed"),
    "test_helpers.test_clock.advancing": _l("Test clock moving"),
    "test_helpers.test_clock.ready": _l("Test clock moved"),
}

# Why a membership changed (the `cause` of membership.apply), besides the event types above.
CAUSE_LABELS = {
    "subscription started": _l("Subscription started on our payment page"),
    "return from payment": _l("Back from the payment page"),
    "amount changed by the member": _l("Amount changed by the member"),
    "cancelled by the member": _l("Cancelled by the member"),
    "resumed by the member": _l("Resumed by the member"),
    "open invoice paid on our page": _l("Open invoice paid on our page"),
    "open invoice paid with a new card": _l("Open invoice paid with a new card"),
    "reconciliation": _l("Reconciled with Stripe"),
    "charge event": _l("A charge changed"),
    "complimentary membership granted by staff": _l("Complimentary membership granted by staff"),
    "complimentary membership revoked by staff": _l("Complimentary membership revoked by staff"),
    "complimentary membership granted from the command line": _l(
        "Complimentary membership granted from the command line"
    ),
    "complimentary membership ended": _l("Complimentary membership ended"),
}

# How an account came to be.
SIGNUP_SOURCE_LABELS = {
    SignupSource.REGISTER: _l("Registered"),
    SignupSource.SUPPORT_FORM: _l("On the support form"),
    SignupSource.STAFF: _l("Made by staff"),
}

# The keys of audit entries' details.
DETAIL_LABELS = {
    "until": _l("Until"),
    "role": _l("Role"),
    "previous": _l("Before"),
    "charge": _l("Charge"),
    "type": _l("Event type"),
    "filters": _l("Filters"),
    "message_id": _l("Message"),
    "activate": _l("Made active"),
    "subscription": _l("Subscription"),
    "refunded": _l("Refunded"),
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


def cause_label(cause: str) -> str:
    """Why a membership changed: an event type's label, a known cause's, else as recorded."""
    label = CAUSE_LABELS.get(cause) or EVENT_LABELS.get(cause)
    return str(label) if label is not None else cause


def signup_source_label(source: SignupSource | str) -> str:
    return str(SIGNUP_SOURCE_LABELS[SignupSource(source)])


def detail_label(key: str) -> str:
    label = DETAIL_LABELS.get(key)
    return str(label) if label is not None else key


def audit_label(action: str) -> str:
    label = AUDIT_LABELS.get(action)
    return str(label) if label is not None else action
