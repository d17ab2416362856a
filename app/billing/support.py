"""The support choice a prompt link preselects (frequency, amount), and where it was clicked."""

from dataclasses import dataclass

from flask import current_app

from .. import currency as money_units

FREQUENCIES = ("monthly", "annual", "once")


@dataclass(frozen=True)
class SupportChoice:
    frequency: str
    amount: int | None  # minor units; None means "another amount"
    prompt_id: int | None
    article_id: int | None = None  # the article the prompt was under
    variant_id: int | None = None  # the prompt test's variant shown (app/static/js/prompt.js)


def parse_support_choice(args, currency: str | None = None) -> SupportChoice:
    """Read `?frequency=&amount=&prompt=&article=` (the amount in minor units of `currency`, by default
    SUPPORT_CURRENCY). Anything unreadable, or no amount (a one-time donation too), falls back to the
    smallest amount; an amount outside the limits, or one Stripe does not take in the currency, to
    "another amount"."""
    currency = currency or current_app.config["SUPPORT_CURRENCY"]
    frequency = args.get("frequency", "monthly")
    if frequency not in FREQUENCIES:
        frequency = "monthly"
    amount = args.get("amount", type=int)
    if amount is not None and (
        money_units.refusal(amount, frequency, currency) or amount % money_units.step(currency)
    ):
        amount = None  # "another amount"
    elif args.get("amount") == "other":
        amount = None
    elif amount is None:
        amount = money_units.minimum_amount(currency)
    return SupportChoice(
        frequency=frequency, amount=amount, prompt_id=args.get("prompt", type=int),
        article_id=args.get("article", type=int), variant_id=args.get("variant", type=int),
    )  # fmt: skip


def started_payment(response) -> bool:
    """Whether a support or gift form's submission went on to pay: a redirect to the payment
    page (or to a sign-in code on the way to it). The forms' rate limits count only these, so a
    reader putting right a form that failed its checks (400, 422) uses none of them up."""
    return response.status_code in (302, 303)
