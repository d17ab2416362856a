"""Card numbers: Stripe's test cards and tokens, and the checks a card number, expiry and CVC
pass (https://docs.stripe.com/testing, https://docs.stripe.com/declines/codes)."""

import datetime
from typing import Any

from ..errors import card_error
from ..forms import as_int, require

# https://docs.stripe.com/testing#cards and #declined-payments, #authentication-and-setup,
# #disputes: what each test number does.
TEST_CARDS = {
    "4242424242424242": "succeeds",
    "4000000000000002": "declined",
    "4000000000009995": "insufficient_funds",
    "4000002500003155": "authenticate_unless_set_up",
    "4000002760003184": "authenticate_always",
    "4000000000000341": "charges_fail",
    "4000000000000259": "disputed",
}
# https://docs.stripe.com/testing?testing-method=payment-methods: ids usable wherever a
# PaymentMethod id is; each use makes a new PaymentMethod.
TEST_TOKENS = {
    "pm_card_visa": "4242424242424242",
    "pm_card_chargeDeclined": "4000000000000002",
    "pm_card_chargeDeclinedInsufficientFunds": "4000000000009995",
    "pm_card_authenticationRequired": "4000002760003184",
    "pm_card_authenticationRequiredOnSetup": "4000002500003155",
    "pm_card_chargeCustomerFail": "4000000000000341",
    "pm_card_createDispute": "4000000000000259",
}


def luhn_valid(number: str) -> bool:
    """Whether `number` passes the Luhn check card numbers carry."""
    total = 0
    for index, digit in enumerate(reversed(number)):
        value = int(digit)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def brand(number: str) -> str:
    """The card network, from the number's leading digits."""
    if number.startswith("4"):
        return "visa"
    if number[:2] in ("34", "37"):
        return "amex"
    if number[:2] in ("51", "52", "53", "54", "55") or "2221" <= number[:4] <= "2720":
        return "mastercard"
    if number.startswith(("6011", "65")):
        return "discover"
    return "unknown"


def rule(pm: dict[str, Any]) -> str:
    """What the card does when used (TEST_CARDS), "live" for a number that is no test card."""
    return TEST_CARDS.get(pm.get("_number", ""), "live")


def validate(params: dict[str, Any]) -> dict[str, Any]:
    """The validated `card[...]` parameters: 402 card_error as Stripe for a bad number, expiry
    or CVC (https://docs.stripe.com/declines/codes)."""
    number = "".join(str(require(params, "number", "card[number]")).split())
    if not number.isdigit() or not 12 <= len(number) <= 19 or not luhn_valid(number):
        raise card_error("incorrect_number", "Your card number is incorrect.", param="card[number]")
    month = as_int(params, "exp_month", "card[exp_month]")
    year = as_int(params, "exp_year", "card[exp_year]")
    today = datetime.datetime.now(datetime.UTC)
    if year is None or year < today.year or year > today.year + 50:
        raise card_error(
            "invalid_expiry_year", "Your card's expiration year is invalid.", param="card[exp_year]"
        )
    if month is None or not 1 <= month <= 12 or (year == today.year and month < today.month):
        raise card_error(
            "invalid_expiry_month",
            "Your card's expiration month is invalid.",
            param="card[exp_month]",
        )
    cvc = params.get("cvc")
    network = brand(number)
    if cvc not in (None, "") and (
        not str(cvc).isdigit() or len(str(cvc)) != (4 if network == "amex" else 3)
    ):
        raise card_error("invalid_cvc", "Your card's security code is invalid.", param="card[cvc]")
    return {"number": number, "exp_month": month, "exp_year": year, "cvc": cvc or None}
