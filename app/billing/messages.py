"""Messages shown to readers about payments, in their language (callables: evaluated per request)."""

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from .. import currency


def _limit(which: str, code: str | None = None) -> str:
    """The smallest amount, or the largest a month or once, in `code` (by default the configured
    currency), written for the reader's language (evaluated when the message is shown)."""
    code = code or currency.support_currency()
    if which == "min":
        amount = currency.minimum_amount(code)
    else:
        amount = currency.maximum_amount("once" if which == "once" else "monthly", code)
    return currency.format_isolated(amount, code)


UNAVAILABLE = _l(
    "Our payment service is not answering right now. Nothing was charged. Please try again in a few minutes."
)

CONFLICT = _l(
    "That change was already asked for with other details. Please reload the page and try again."
)


def _limit_messages(code: str | None = None) -> dict[str, LazyString]:
    """The refusals that name a limit, in `code` (by default the configured currency)."""
    return {
        "too_small": _l(
            "The smallest amount is %(amount)s.", amount=LazyString(lambda: _limit("min", code))
        ),
        "too_large": _l(
            "The largest amount is %(amount)s a month.",
            amount=LazyString(lambda: _limit("month", code)),
        ),
        "donation_too_large": _l(
            "The largest one-time donation is %(amount)s.",
            amount=LazyString(lambda: _limit("once", code)),
        ),
    }


def refusal_message(reason: str, code: str | None = None) -> LazyString:
    """The reader's message for a refusal; a limit in it is named in `code`, the currency the
    reader pays in (a member's own, which may not be today's SUPPORT_CURRENCY)."""
    return _limit_messages(code).get(reason) or REFUSAL_MESSAGES[reason]


REFUSAL_MESSAGES = {
    **_limit_messages(),
    "already_member": _l(
        "You are already a member. You can change your support from your account."
    ),
    "too_many_declines": _l(
        "Several payments from here were declined, so new payments are paused for an hour. Please try again later."
    ),
    "no_subscription": _l("You have no membership to change."),
    "sign_in_first": _l("An account uses this email. Please sign in first."),
    "card_not_saved": _l("Your card was not saved. Please try again."),
    "change_declined": _l(
        "The payment for the new plan was declined, so your plan has not changed. Nothing was charged."
    ),
    "recovery_declined": _l(
        "Your new card is saved, but the payment due was declined. Please try another card."
    ),
    "recovery_needs_action": _l(
        "Your new card is saved. Your bank asks you to confirm the payment due: please try again."
    ),
    "nothing_to_pay": _l("You have no payment due right now."),
    "pause_unavailable": _l("A pause is for active monthly memberships, for 1 to 3 months."),
    "paused": _l("Your membership is paused. Resume it first, then change your support."),
    "offer_unavailable": _l("That offer is no longer available. Nothing has changed."),
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
