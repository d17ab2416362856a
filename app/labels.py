"""What staff read for the data the site records: Stripe's event types, the webhook ledger's
states, roles and the audit log's actions and details, each with a label in the page's language,
in one place (the payment, attempt and mail statuses' labels are in templating).

The values themselves stay as stored (Stripe's `invoice.paid`, our `staff role`); pages show the
label, and a value without one shows as stored, so a new one is visible rather than hidden — and
tests/test_labels.py fails until it has a label. How an audit entry's details read is in
app/audit_details.py, from the labels here.
"""

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from .models import (
    CancellationOutcome,
    CancellationReason,
    GiftState,
    MembershipStatus,
    OfflineMethod,
    PromptTestStatus,
    Role,
    SignupSource,
)

# Where a reader's membership stands.
STATUS_LABELS = {
    MembershipStatus.NONE: _l("Not a member"),
    # Waiting for the first payment: still on the payment page, its confirmation on the way, or
    # left unpaid (the reader closed the page), which Stripe cannot tell apart for a while.
    MembershipStatus.PENDING: _l("First payment not completed"),
    MembershipStatus.ACTIVE: _l("Active member"),
    MembershipStatus.ENDING: _l("Member until the end of the paid period"),
    MembershipStatus.PAST_DUE: _l("Payment failed: please update your card"),
    MembershipStatus.LAPSED: _l("Membership ended"),
    MembershipStatus.COMPLIMENTARY: _l("Complimentary member"),
    MembershipStatus.PAUSED: _l("Membership paused"),
    MembershipStatus.OFFLINE: _l("Member (paid by transfer or in person)"),
}

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
    "invoice.voided": _l("Invoice voided"),
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
    "test_helpers.test_clock.created": _l("Test clock created"),
    "test_helpers.test_clock.advancing": _l("Test clock moving"),
    "test_helpers.test_clock.ready": _l("Test clock moved"),
    "test_helpers.test_clock.deleted": _l("Test clock deleted"),
    "test_helpers.test_clock.internal_failure": _l("Test clock failed at Stripe"),
}

# Where a stored webhook event stands (services/ledger.py), and what applying it again gave.
EVENT_STATE_LABELS = {
    "received": _l("Received, not applied yet"),
    "applied": _l("Applied"),
    "ignored": _l("Ignored"),
    "parked": _l("Parked"),
    "failed": _l("Failed to apply"),
    "duplicate": _l("Already applied"),
    "invalid": _l("Invalid"),
}

# What an account may do: read, or work on the staff pages (admins also manage staff).
ROLE_LABELS = {
    Role.READER: _l("Reader (no staff access)"),
    Role.STAFF: _l("Staff member"),
    Role.ADMIN: _l("Admin"),
}

# Why a membership changed (the `cause` of membership.apply), besides the event types above.
CAUSE_LABELS = {
    "subscription started": _l("Subscription started on our payment page"),
    "return from payment": _l("Back from the payment page"),
    "amount changed by the member": _l("Amount changed by the member"),
    "cancelled by the member": _l("Cancelled by the member"),
    "resumed by the member": _l("Resumed by the member"),
    "paused by the member": _l("Paused by the member"),
    "pause ended by the member": _l("Pause ended by the member"),
    "paused instead of cancelling": _l("Paused instead of cancelling"),
    "lower amount instead of cancelling": _l("A lower amount instead of cancelling"),
    "annual instead of cancelling": _l("Annual instead of cancelling"),
    "amount raised when asked": _l("Amount raised when asked"),
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
    "imported from stripe": _l("Imported with its Stripe subscription"),
    "gift membership redeemed": _l("Gift membership redeemed"),
    "gift membership refunded": _l("Gift membership refunded"),
    "offline payment recorded": _l("Payment received outside Stripe recorded"),
    "offline payment voided": _l("Payment received outside Stripe voided"),
    "offline period started": _l("Period paid outside Stripe began"),
    "offline period ended": _l("Period paid outside Stripe ended"),
}

# How a payment received outside Stripe reached the outlet.
OFFLINE_METHOD_LABELS = {
    OfflineMethod.BANK_TRANSFER: _l("Bank transfer"),
    OfflineMethod.MONEY_TRANSFER: _l("Money transfer service"),
    OfflineMethod.CASH: _l("Cash to a trusted person"),
    OfflineMethod.OTHER: _l("Other"),
}

# Why a member cancels (they choose one, or none), and how each cancellation ended.
CANCELLATION_REASON_LABELS = {
    CancellationReason.TOO_EXPENSIVE: _l("It costs more than I can give right now"),
    CancellationReason.NEED_A_BREAK: _l("I need a break for a while"),
    CancellationReason.READING_LESS: _l("I do not read enough to keep paying"),
    CancellationReason.MONTHLY_CHARGES: _l("I would rather not be charged every month"),
    CancellationReason.COVERAGE: _l("I disagree with your coverage"),
    CancellationReason.OTHER: _l("Another reason"),
}
NO_REASON = _l("No reason given")
CANCELLATION_OUTCOME_LABELS = {
    CancellationOutcome.ASKED: _l("No answer yet"),
    CancellationOutcome.CANCELLED: _l("Cancelled"),
    CancellationOutcome.LOWER: _l("Stayed at a lower amount"),
    CancellationOutcome.PAUSE: _l("Paused instead"),
    CancellationOutcome.ANNUAL: _l("Switched to annual"),
}
# The offers, by the outcome that taking one gives.
OFFER_LABELS = {
    CancellationOutcome.LOWER: _l("A lower amount"),
    CancellationOutcome.PAUSE: _l("A pause of 1 to 3 months"),
    CancellationOutcome.ANNUAL: _l("Annual instead of monthly"),
}

# How an account came to be.
SIGNUP_SOURCE_LABELS = {
    SignupSource.REGISTER: _l("Registered"),
    SignupSource.SUPPORT_FORM: _l("On the support form"),
    SignupSource.STAFF: _l("Made by staff"),
    SignupSource.IMPORT: _l("Imported from Stripe"),
    SignupSource.GIFT: _l("Redeemed a gift membership"),
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
    "subscriptions_read": _l("Subscriptions read"),
    "accounts_created": _l("Accounts created"),
    "accounts_linked": _l("Accounts linked"),
    "memberships_set": _l("Memberships set"),
    "subscriptions_skipped": _l("Subscriptions skipped"),
    "prompt": _l("Prompt"),
    "test": _l("Test"),
    "variant": _l("Variant"),
    "winner": _l("Winner"),
    "payment": _l("Payment"),
    "amount": _l("Amount"),
    "method": _l("Method"),
    "reference": _l("Reference"),
    "received": _l("Received on"),
    "covers": _l("Period covered"),
    "reason": _l("Reason"),
    "kept": _l("Subscription kept"),
    "refund": _l("Refund"),
    "status": _l("Status at Stripe"),
    "left": _l("Recovery codes left"),
}
# Details naming one of our records by its id: shown as the record ("payment #7"), without a key.
DETAIL_RECORDS = {
    "payment": _l("payment #%(id)s"),
    "prompt": _l("prompt #%(id)s"),
    "test": _l("prompt test #%(id)s"),
    "variant": _l("variant #%(id)s"),
    "message_id": _l("message #%(id)s"),
}
# The supporters list's filters, as an export records them (its query string).
FILTER_LABELS = {
    "q": _l("Email or Stripe id"),
    "status": _l("Status"),
    "interval": _l("Plan"),
    "min_amount": _l("Amount from"),
    "max_amount": _l("Amount to"),
    "language": _l("Language"),
    "since": _l("Joined since"),
    "source": _l("Came by"),
    "subscriptions": _l("Subscriptions"),
    "sort": _l("Sort"),
}
FILTER_VALUE_LABELS = {
    ("interval", "month"): _l("Monthly"),
    ("interval", "year"): _l("Annually"),
    ("subscriptions", "several"): _l("More than one live now"),
    ("subscriptions", "second_ended"): _l("A second one ended and refunded"),
    ("sort", "newest"): _l("Newest"),
    ("sort", "oldest"): _l("Oldest"),
    ("sort", "amount"): _l("Largest amount"),
    ("sort", "email"): _l("Email"),
}
# A subscription's status at Stripe, as a second subscription's audit entry records it.
STRIPE_STATUS_LABELS = {
    "incomplete": _l("Waiting for its first payment"),
    "incomplete_expired": _l("First payment never made, expired"),
    "trialing": _l("In a trial"),
    "active": _l("Active and charging"),
    "past_due": _l("Payment overdue"),
    "unpaid": _l("Unpaid"),
    "canceled": _l("Cancelled at Stripe"),
    "paused": _l("Collection paused"),
}

# Where a gift membership stands.
GIFT_STATE_LABELS = {
    GiftState.PENDING_PAYMENT: _l("Waiting for payment"),
    GiftState.PAID: _l("Paid, to be emailed"),
    GiftState.SENT: _l("Emailed, not redeemed yet"),
    GiftState.REDEEMED: _l("Redeemed"),
    GiftState.REFUNDED: _l("Refunded and cancelled"),
}

# Where a prompt test stands.
PROMPT_TEST_STATUS_LABELS = {
    PromptTestStatus.DRAFT: _l("Draft"),
    PromptTestStatus.RUNNING: _l("Running"),
    PromptTestStatus.ENDED: _l("Ended"),
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
    "prompt test created": _l("Prompt test created"),
    "prompt test started": _l("Prompt test started"),
    "prompt test ended": _l("Prompt test ended with a winner"),
    "prompt variant edited": _l("Prompt variant edited"),
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
    "stripe import": _l("Supporters imported from Stripe"),
    "offline payment recorded": _l("Payment received outside Stripe recorded"),
    "offline payment voided": _l("Payment received outside Stripe voided"),
}


def event_label(event_type: str) -> str:
    label = EVENT_LABELS.get(event_type)
    return str(label) if label is not None else event_type


def cause_label(cause: str) -> str:
    """Why a membership changed: an event type's label, a known cause's, else as recorded."""
    label = CAUSE_LABELS.get(cause) or EVENT_LABELS.get(cause)
    return str(label) if label is not None else cause


def cancellation_reason_label(reason: CancellationReason | str | None) -> str:
    if reason is None:
        return str(NO_REASON)
    return str(CANCELLATION_REASON_LABELS[CancellationReason(reason)])


def cancellation_outcome_label(outcome: CancellationOutcome | str) -> str:
    return str(CANCELLATION_OUTCOME_LABELS[CancellationOutcome(outcome)])


def offer_label(offer: CancellationOutcome | str) -> str:
    return str(OFFER_LABELS[CancellationOutcome(offer)])


def signup_source_label(source: SignupSource | str) -> str:
    return str(SIGNUP_SOURCE_LABELS[SignupSource(source)])


def offline_method_label(method: OfflineMethod | str) -> str:
    return str(OFFLINE_METHOD_LABELS[OfflineMethod(method)])


def detail_label(key: str) -> str:
    label = DETAIL_LABELS.get(key)
    return str(label) if label is not None else key


def role_label(role: Role | str) -> str:
    return str(ROLE_LABELS[Role(role)])


def event_state_label(state: str) -> str:
    label = EVENT_STATE_LABELS.get(state)
    return str(label) if label is not None else state


def listed(items: list[str]) -> str:
    """Items one after another, with the page language's separator ("a, b"; "a، b")."""
    text = items[0] if items else ""
    for item in items[1:]:
        text = gettext("%(first)s, %(second)s", first=text, second=item)
    return text


def audit_label(action: str) -> str:
    label = AUDIT_LABELS.get(action)
    return str(label) if label is not None else action


def gift_state_label(state: GiftState | str) -> str:
    return str(GIFT_STATE_LABELS[GiftState(state)])


def prompt_test_status_label(status: PromptTestStatus | str) -> str:
    return str(PROMPT_TEST_STATUS_LABELS[PromptTestStatus(status)])
