"""Messages shown to readers about payments, in their language (callables: evaluated per request)."""

from flask_babel import lazy_gettext as _l

UNAVAILABLE = _l(
    "Our payment service is not answering right now. Nothing was charged. Please try again in a few minutes."
)

REFUSAL_MESSAGES = {
    "too_small": _l("The smallest amount is $1."),
    "already_member": _l(
        "You are already a member. You can change your support from your account."
    ),
    "too_many_declines": _l(
        "Several payments from here were declined, so new payments are paused for an hour. Please try again later."
    ),
    "no_subscription": _l("You have no membership to change."),
    "sign_in_first": _l("An account uses this email. Please sign in first."),
    "card_not_saved": _l("Your card was not saved. Please try again."),
    "recovery_declined": _l(
        "Your new card is saved, but the payment due was declined. Please try another card."
    ),
    "recovery_needs_action": _l(
        "Your new card is saved. Your bank asks you to confirm the payment due: please try again."
    ),
}

DECLINE_MESSAGES = {
    "generic_decline": _l("Your card was declined. Please try another card."),
    "insufficient_funds": _l("Your card has insufficient funds. Please try another card."),
    "payment_intent_authentication_failure": _l(
        "We could not authenticate your card. Nothing was charged. Please try again or use another card."
    ),
    "setup_intent_authentication_failure": _l(
        "Your card was not saved: it could not be authenticated. Please try again or use another card."
    ),
    "invalid_client_secret": _l("This payment can no longer be completed. Please start again."),
}
