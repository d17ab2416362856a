"""Money units in one place (app/currency.py): Stripe's minor units per currency, reading what a
reader typed, the limits, the card fee, and amounts written out for the reader's language."""

import re
from pathlib import Path

import pytest
from werkzeug.datastructures import MultiDict

from app import currency
from app.billing.support import parse_support_choice
from config import TestingConfig

ZERO_DECIMAL = ["BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA",
                "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"]  # fmt: skip
THREE_DECIMAL = ["BHD", "JOD", "KWD", "OMR", "TND"]


@pytest.fixture
def ctx(app):
    """A request in English with the configured limits (SUPPORT_MAX_MONTHLY 10000)."""
    with app.test_request_context("/en/"):
        from flask import g

        g.lang = "en"
        yield app


# Minor units -------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ZERO_DECIMAL)
def test_zero_decimal_currencies_count_whole_units(code):
    """Stripe's zero-decimal currencies: ¥500 is 500."""
    assert (currency.exponent(code), currency.unit(code), currency.step(code)) == (0, 1, 1)
    assert currency.exponent(code.lower()) == 0


@pytest.mark.parametrize("code", THREE_DECIMAL)
def test_three_decimal_currencies_count_thousandths_in_tens(code):
    """Three-decimal currencies: 1,000 minor units a unit, and Stripe takes multiples of 10 only."""
    assert (currency.exponent(code), currency.unit(code), currency.step(code)) == (3, 1000, 10)


@pytest.mark.parametrize("code", ["USD", "EUR", "GBP", "SYP", "TRY", "HUF", "TWD", "IDR", "LBP"])
def test_every_other_currency_is_two_decimal_for_charges(code):
    """Two-decimal unless Stripe lists it otherwise, whatever CLDR says (HUF, IDR, LBP have no
    decimals in CLDR; Stripe charges them in hundredths). HUF and TWD are zero-decimal only for
    payouts, which we never make."""
    assert (currency.exponent(code), currency.unit(code), currency.step(code)) == (2, 100, 1)


def test_isk_is_sent_as_two_decimal_whole_kronur():
    """ISK: zero-decimal, but sent to Stripe as two-decimal with 00 after the point."""
    assert (currency.exponent("isk"), currency.unit("isk"), currency.step("isk")) == (2, 100, 100)
    assert currency.to_minor_units("5", "isk") == 500
    assert currency.to_minor_units("5.00", "isk") == 500
    assert currency.to_minor_units("5.50", "isk") is None


def test_to_and_from_whole_units():
    from decimal import Decimal
    from fractions import Fraction

    assert currency.to_major(1250, "usd") == Decimal("12.50")
    assert currency.to_major(1500, "jpy") == Decimal(1500)
    assert currency.to_major(5120, "kwd") == Decimal("5.120")
    assert currency.to_major(Fraction(1001, 2), "usd") == Decimal("5.01")  # half a cent: up
    assert currency.from_major(12.5, "usd") == 1250
    assert currency.from_major("5.12", "kwd") == 5120
    assert [currency.plain(a, "usd") for a in (500, 750, 1)] == ["5", "7.50", "0.01"]
    assert currency.plain(5120, "kwd") == "5.120"


# Reading what a reader typed ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code", "minor"),
    [
        ("5", "usd", 500),
        ("5.50", "usd", 550),
        ("5.5", "usd", 550),
        ("5,50", "usd", 550),
        (" 7.50 ", "usd", 750),
        ("5.", "usd", 500),
        ("٥", "usd", 500),
        ("٧٫٥٠", "usd", 750),
        ("١٠٠", "usd", 10000),
        ("۵", "usd", 500),  # Extended Arabic-Indic (Persian) digits too
        ("10000", "usd", 1_000_000),
        ("1500", "jpy", 1500),
        ("١٥٠٠", "jpy", 1500),
        ("5.12", "kwd", 5120),
        ("5.120", "kwd", 5120),
        ("٥٫١٢", "kwd", 5120),
        ("5.50", "huf", 550),
        ("5.50", "twd", 550),
    ],
)
def test_amounts_are_read_into_minor_units(text, code, minor):
    assert currency.to_minor_units(text, code) == minor


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "usd"),
        ("0", "usd"),
        ("0.00", "usd"),
        ("-5", "usd"),
        ("+5", "usd"),
        ("1e9", "usd"),  # exponents are not amounts a reader types
        ("NaN", "usd"),
        ("Infinity", "usd"),
        ("$5", "usd"),
        ("5 5", "usd"),
        ("5.555", "usd"),  # more decimals than the currency has
        ("1,000", "usd"),  # never one dollar by a decimal comma
        ("1,000.50", "usd"),
        ("١٬٠٠٠", "usd"),  # Arabic thousands separator
        ("5..5", "usd"),
        ("15.5", "jpy"),  # no fractions of a yen
        ("5.125", "kwd"),  # Stripe wants the last digit of fils 0
        ("9" * 40, "usd"),
    ],
)
def test_what_is_not_an_amount_is_refused(text, code):
    assert currency.to_minor_units(text, code) is None


def test_billing_forms_still_offer_the_parser():
    from app.billing.forms import to_minor_units

    assert to_minor_units is currency.to_minor_units


# Limits -----------------------------------------------------------------------------------------


def test_the_minimum_is_one_whole_unit():
    assert [currency.minimum_amount(c) for c in ("usd", "jpy", "kwd", "isk")] == [100, 1, 1000, 100]


def test_the_presets_are_one_five_and_ten_whole_units():
    """Offered when no prompt names amounts (and priced by `flask stripe setup`)."""
    assert currency.preset_amounts("usd") == [100, 500, 1000]
    assert currency.preset_amounts("jpy") == [1, 5, 10]
    assert currency.preset_amounts("kwd") == [1000, 5000, 10000]


def test_the_maximum_comes_from_the_setting(ctx):
    """SUPPORT_MAX_MONTHLY whole units a month; annual plans charge twelve months of it at once;
    a one-time donation may be the same monthly figure times twelve."""
    assert ctx.config["SUPPORT_MAX_MONTHLY"] == 10000
    assert currency.maximum_monthly("usd") == 1_000_000
    assert currency.maximum_amount("monthly", "usd") == 1_000_000
    assert currency.maximum_amount("annual", "usd") == 1_000_000
    assert currency.charge_amount(1_000_000, "annual", False, "usd") == 12_000_000
    assert currency.maximum_amount("once", "usd") == 12_000_000
    assert currency.maximum_amount("monthly", "jpy") == 10_000
    assert currency.maximum_amount("monthly", "kwd") == 10_000_000


def test_the_maximum_follows_the_setting(ctx, monkeypatch):
    monkeypatch.setitem(ctx.config, "SUPPORT_MAX_MONTHLY", 50)
    assert currency.maximum_amount("monthly", "usd") == 5000
    assert currency.maximum_amount("once", "usd") == 60000


@pytest.mark.parametrize(
    ("amount", "frequency", "code", "reason"),
    [
        (100, "monthly", "usd", None),
        (99, "monthly", "usd", "too_small"),
        (99, "once", "usd", "too_small"),
        (1_000_000, "monthly", "usd", None),
        (1_000_001, "monthly", "usd", "too_large"),
        (1_000_000, "annual", "usd", None),
        (1_000_001, "annual", "usd", "too_large"),
        (12_000_000, "once", "usd", None),
        (12_000_001, "once", "usd", "donation_too_large"),
        (100_000_000_000, "monthly", "usd", "too_large"),  # the 1e9 dollars once accepted
        (1, "monthly", "jpy", None),
        (10_000, "monthly", "jpy", None),
        (10_001, "monthly", "jpy", "too_large"),
        (990, "monthly", "kwd", "too_small"),
        (10_000_000, "monthly", "kwd", None),
    ],
)
def test_refusals(ctx, amount, frequency, code, reason):
    assert currency.refusal(amount, frequency, code) == reason


def test_the_setting_is_read_from_the_environment(monkeypatch):
    assert TestingConfig().SUPPORT_MAX_MONTHLY == 10000
    monkeypatch.setenv("SUPPORT_MAX_MONTHLY", "2500")
    assert TestingConfig().SUPPORT_MAX_MONTHLY == 2500


# The card fee -----------------------------------------------------------------------------------


def test_the_card_fee(ctx):
    """2.9% + 30¢ on top, rounded up; no 30¢ in currencies without cents; rounded up to what
    Stripe takes (tens of fils, whole krónur)."""
    assert currency.charge_amount(500, "monthly", False, "usd") == 500
    assert currency.charge_amount(500, "annual", False, "usd") == 6000
    assert currency.charge_amount(500, "annual", True, "usd") == 6211  # (6000 + 30) / 0.971
    assert currency.charge_amount(100, "once", True, "usd") == 134  # (100 + 30) / 0.971
    assert currency.charge_amount(1000, "monthly", True, "jpy") == 1030  # 1000 / 0.971
    assert currency.charge_amount(5120, "monthly", True, "kwd") == 5280  # 5272.9 up to tens
    assert currency.charge_amount(500, "monthly", True, "isk") == 600  # 545.8 up to a króna


def test_checkout_charges_only_amounts_within_the_limits(ctx):
    """The services' `charge_amount` (used to change support too) refuses past the maximum."""
    from app.services import checkout

    assert checkout.charge_amount(1_000_000, "annual", False, "usd") == 12_000_000
    assert checkout.minimum_amount("jpy") == 1
    with pytest.raises(checkout.SupportRefused) as refused:
        checkout.charge_amount(1_000_001, "monthly", False, "usd")
    assert refused.value.reason == "too_large"
    with pytest.raises(checkout.SupportRefused) as refused:
        checkout.charge_amount(50, "monthly", False, "usd")
    assert refused.value.reason == "too_small"


# Writing amounts out ----------------------------------------------------------------------------


def test_amounts_are_written_for_the_locale(ctx):
    assert currency.format_amount(100, "usd", "en") == "$1"
    assert currency.format_amount(1250, "usd", "en") == "$12.50"
    assert currency.format_amount(1_000_000, "usd", "en") == "$10,000"
    assert currency.format_amount(1500, "jpy", "en") == "¥1,500"
    assert "5.120" in currency.format_amount(5120, "kwd", "en")
    assert currency.format_amount(500, "isk", "en").replace("\xa0", "") == "ISK5"  # not 500
    assert "US$" in currency.format_amount(100, "usd", "ar_SY")
    assert currency.format_amount(1250, "usd") == "$12.50"  # the page's language


def test_amounts_in_plain_text_are_isolated_left_to_right(ctx):
    """In a plain-text Arabic message "1 US$" must read whole: LRI ... PDI, no stray marks."""
    text = currency.format_isolated(100, "usd", "ar_SY")
    assert text.startswith("\u2066") and text.endswith("\u2069")
    assert "\u200f" not in text and "US$" in text
    pounds = currency.format_isolated(15_000_000, "syp", "ar_SY")  # a symbol in Arabic letters
    assert pounds == "\u2067150,000\xa0ل.س.\u2069"  # RLI ... PDI: its stop stays at its end
    assert currency.format_isolated(15_000_000, "syp", "en") == "\u2066SYP\xa0150,000\u2069"


def test_currency_names(ctx):
    assert currency.currency_name("usd", "en") == "US dollars"
    assert currency.currency_name("jpy", "en") == "Japanese yen"
    assert currency.currency_name("usd", "ar_SY") == "دولار أمريكي"


def test_refusal_messages_name_the_configured_limits(ctx, monkeypatch):
    from app.billing.messages import REFUSAL_MESSAGES

    assert str(REFUSAL_MESSAGES["too_small"]) == "The smallest amount is \u2066$1\u2069."
    assert "$10,000" in str(REFUSAL_MESSAGES["too_large"])
    assert "$120,000" in str(REFUSAL_MESSAGES["donation_too_large"])
    monkeypatch.setitem(ctx.config, "SUPPORT_CURRENCY", "jpy")
    assert "¥1\u2069" in str(REFUSAL_MESSAGES["too_small"])
    assert "¥10,000" in str(REFUSAL_MESSAGES["too_large"])


# A prompt link's preselection -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "code", "expected"),
    [
        ({}, "usd", ("monthly", 100)),
        ({"amount": "junk"}, "usd", ("monthly", 100)),
        ({"amount": "500"}, "usd", ("monthly", 500)),
        ({"amount": "1000000"}, "usd", ("monthly", 1_000_000)),
        ({"amount": "1000001"}, "usd", ("monthly", None)),
        ({"amount": "100000000000"}, "usd", ("monthly", None)),
        ({"amount": "99"}, "usd", ("monthly", None)),
        ({"amount": "other"}, "usd", ("monthly", None)),
        ({"frequency": "once", "amount": "12000000"}, "usd", ("once", 12_000_000)),
        ({"frequency": "once", "amount": "12000001"}, "usd", ("once", None)),
        ({"frequency": "once"}, "usd", ("once", 100)),  # "Give once": a real amount chosen
        ({}, "jpy", ("monthly", 1)),
        ({"amount": "10001"}, "jpy", ("monthly", None)),
        ({}, "kwd", ("monthly", 1000)),
        ({"amount": "1005"}, "kwd", ("monthly", None)),  # not an amount Stripe takes
    ],
)
def test_prompt_link_preselection(ctx, query, code, expected):
    choice = parse_support_choice(MultiDict(query), code)
    assert (choice.frequency, choice.amount) == expected


def test_prompt_link_preselection_uses_the_configured_currency(ctx, monkeypatch):
    monkeypatch.setitem(ctx.config, "SUPPORT_CURRENCY", "jpy")
    assert parse_support_choice(MultiDict()).amount == 1


# Nothing else counts money ------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
# A currency named in code, a dollar amount, or minor units counted by hand.
HARD_CODED = re.compile(r"\busd\b|\$\s?[0-9]|[/*]\s*100\b", re.IGNORECASE)
# This module itself; the catalogs (translated text, old entries kept); the outlet's stories.
EXEMPT = ("app/currency.py", "app/translations/", "app/sample_content/")


def test_no_currency_or_minor_units_outside_the_currency_module():
    """No "usd", "$1" or "/ 100" in app/ or templates/ outside app/currency.py (the default
    SUPPORT_CURRENCY is config.py's): every amount goes through app/currency.py."""
    found = []
    for path in sorted([*(ROOT / "app").rglob("*"), *(ROOT / "templates").rglob("*")]):
        name = path.relative_to(ROOT).as_posix()
        if not path.is_file() or name.startswith(EXEMPT):
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # images, compressed data
        found += [f"{name}:{number}: {line.strip()}" for number, line in enumerate(text.splitlines(), 1)
                  if HARD_CODED.search(line)]  # fmt: skip
    assert found == []


def test_the_guard_finds_what_it_guards_against():
    """The pattern above catches each form it names (and not ordinary hundreds)."""
    caught = [
        'default="usd"',
        "from $1 a month",
        "amount / 100",
        "amount/100",
        "major * 100",
        "USD",
    ]
    assert all(HARD_CODED.search(text) for text in caught)
    assert not any(HARD_CODED.search(t) for t in ("limit=100", "String(100)", "100 cents", "busd"))


def test_offline_payments_take_the_syrian_pound_and_no_replaced_currency():
    """SYP, which Stripe does not take, is offered right after the support currency, in piastres;
    the codes Stripe still lists for replaced currencies are not offered; Stripe's own list (what
    the support form may charge) is unchanged."""
    offered = currency.offline_currencies("usd")
    assert offered[:2] == ["USD", "SYP"] and len(offered) == len(set(offered))
    assert currency.is_offline_currency("syp") and not currency.is_stripe_currency("SYP")
    assert not {"STD", "ANG", "BGN"} & set(offered)
    assert set(offered) - {"SYP"} <= currency.STRIPE_CURRENCIES
    assert currency.offline_currencies("SYP")[:2] == ["SYP", "AED"]
    assert (currency.exponent("SYP"), currency.to_minor_units("7.50", "SYP")) == (2, 750)


def test_every_offline_currency_is_legal_tender_somewhere_today():
    """CLDR's record of currencies in use: none offered has been replaced (STD by STN, and so on)."""
    from datetime import UTC, datetime

    from babel.core import get_global
    from babel.numbers import get_territory_currencies

    today = datetime.now(UTC).date()
    in_use = {code for territory in get_global("territory_currencies")
              for code in get_territory_currencies(territory, today)}  # fmt: skip
    assert set(currency.offline_currencies("usd")) - in_use == set()
