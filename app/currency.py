"""Money units in one place: how many minor units each currency has at Stripe, a reader's amount
text read into them, the smallest and largest amounts we take, the card-fee arithmetic, and
amounts written out for the reader's language.

Every amount in the app is an integer of the currency's minor units as Stripe counts them: cents
for USD, yen for JPY, fils for KWD (and piastres for the Syrian pound, which only payments received
outside Stripe are in). Nothing else in app/ or templates/ knows how many there are.
"""

import functools
import math
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from babel import Locale
from babel.numbers import format_currency, get_currency_name
from flask import current_app

from .i18n import format_locale

# Stripe's rules for amounts in API requests, https://docs.stripe.com/currencies
# (sections "Zero-decimal currencies", "Three-decimal currencies" and "Special cases"):
#
# - Zero-decimal currencies: the amount is in whole units (¥500 is 500).
ZERO_DECIMAL = frozenset({"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA",
                          "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"})  # fmt: skip
# - Three-decimal currencies: 5.124 KWD is 5124, but Stripe wants the last digit 0, that is the
#   amount rounded to a multiple of 10 (5.120 KWD, 5120).
THREE_DECIMAL = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})
# - Special cases. ISK became zero-decimal, but Stripe still takes it as two-decimal with 00 after
#   the point: a whole number of krónur, 5 ISK is 500. HUF and TWD are two-decimal for charges
#   and zero-decimal only for payouts; we make charges (payouts are Stripe's, in the dashboard),
#   so here they are two-decimal like every currency not listed above.
WHOLE_UNITS_ONLY = frozenset({"ISK"})
# Stripe's presentment currencies (the same page, "Supported presentment currencies", with the
# three-decimal ones above).
STRIPE_CURRENCIES = frozenset({
    "USD", "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD",
    "BDT", "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BWP", "BYN", "BZD", "CAD",
    "CDF", "CHF", "CLP", "CNY", "COP", "CRC", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD", "EGP",
    "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL",
    "HTG", "HUF", "IDR", "ILS", "INR", "ISK", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF",
    "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "MAD", "MDL", "MGA", "MKD",
    "MMK", "MNT", "MOP", "MUR", "MVR", "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK",
    "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD",
    "RUB", "RWF", "SAR", "SBD", "SCR", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "STD", "SZL",
    "THB", "TJS", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "UYU", "UZS", "VND",
    "VUV", "WST", "XAF", "XCD", "XCG", "XOF", "XPF", "YER", "ZAR", "ZMW"
})  # fmt: skip
# Money received outside Stripe is recorded in one of Stripe's currencies still in use, or in the
# Syrian pound, which Stripe does not take: ISO 4217 gives it two minor units, as the rules above
# count every currency they do not list. Stripe still lists three codes that were replaced: the
# São Tomé dobra STD by STN (2018), the Antillean guilder ANG by XCG (2025), the Bulgarian lev BGN
# by the euro (2026); nobody pays in them any more.
REPLACED = frozenset({"ANG", "BGN", "STD"})
OFFLINE_ONLY = frozenset({"SYP"})
OFFLINE_CURRENCIES = (STRIPE_CURRENCIES - REPLACED) | OFFLINE_ONLY

PERCENT = 100
PRESETS = (1, 5, 10)  # whole units a month, where no prompt names amounts
ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹٫", "01234567890123456789.")
_AMOUNT = re.compile(r"(?P<whole>[0-9]*)(?:[.,](?P<fraction>[0-9]*))?")
_LONGEST_AMOUNT = 32  # characters: far beyond any real amount, well below Python's int limits


def is_stripe_currency(currency: str) -> bool:
    """Whether `currency` (any case) is one Stripe takes payments in."""
    return str(currency).upper() in STRIPE_CURRENCIES


def is_offline_currency(currency: str) -> bool:
    """Whether `currency` (any case) is one a payment received outside Stripe may be recorded in."""
    return str(currency).upper() in OFFLINE_CURRENCIES


def offline_currencies(first: str) -> list[str]:
    """The currencies an offline payment may be recorded in, as offered: `first` (the support
    currency), then the Syrian pound, then the others in alphabetical order."""
    leading = [code for code in dict.fromkeys((first.upper(), *sorted(OFFLINE_ONLY)))
               if code in OFFLINE_CURRENCIES]  # fmt: skip
    return [*leading, *sorted(OFFLINE_CURRENCIES - set(leading))]


def exponent(currency: str) -> int:
    """Digits after the point in Stripe's amounts of the currency: 0, 2 or 3."""
    code = currency.upper()
    if code in ZERO_DECIMAL:
        return 0
    return 3 if code in THREE_DECIMAL else 2


def unit(currency: str) -> int:
    """Minor units in one whole unit of the currency (100 cents, 1 yen, 1,000 fils, 100 for ISK)."""
    return 10 ** exponent(currency)


def step(currency: str) -> int:
    """The smallest difference between two amounts Stripe takes, in minor units: one (a cent, a
    yen), ten for three-decimal currencies, a whole króna for ISK."""
    code = currency.upper()
    if code in WHOLE_UNITS_ONLY:
        return unit(code)
    return 10 if code in THREE_DECIMAL else 1


def to_major(amount: int | Fraction | Decimal, currency: str) -> Decimal:
    """Minor units as a number of whole units (1250 cents: 12.50; a fraction of a minor unit, as
    exact MRR has, rounded half up to one first)."""
    if not isinstance(amount, int):
        amount = math.floor(Fraction(amount) + Fraction(1, 2))
    return Decimal(amount).scaleb(-exponent(currency))


def from_major(value: Decimal | int | float | str, currency: str) -> int:
    """Whole units as minor units, rounded half up to a minor unit (12.5 dollars: 1250)."""
    scaled = Decimal(str(value)).scaleb(exponent(currency))
    return int(scaled.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def plain(amount: int, currency: str) -> str:
    """Minor units as a reader would type them into a form: '5', '7.50', '5.120' (no symbol)."""
    value = to_major(amount, currency)
    return str(value.to_integral_value()) if value == value.to_integral_value() else str(value)


# Reading what a person typed --------------------------------------------------------------------


def to_minor_units(text: str, currency: str) -> int | None:
    """A positive amount in whole units as typed ('5', '5.50', '5,50', Arabic-Indic '٥' or '٧٫٥٠')
    as minor units; None when it is not one: anything but digits and one decimal separator, more
    decimals than the currency has (so '1,000' is never read as one dollar), or an amount Stripe
    does not take (fractions of a króna, a last digit of fils other than 0)."""
    text = str(text).strip().translate(ARABIC_DIGITS)
    match = _AMOUNT.fullmatch(text) if len(text) <= _LONGEST_AMOUNT else None
    if match is None:
        return None
    whole, fraction = match["whole"], match["fraction"] or ""
    digits = exponent(currency)
    if not (whole or fraction) or len(fraction) > digits:
        return None
    amount = int((whole or "0") + fraction.ljust(digits, "0"))
    if amount <= 0 or amount % step(currency):
        return None
    return amount


# Limits -----------------------------------------------------------------------------------------


def minimum_amount(currency: str) -> int:
    """The smallest amount a reader may give: one whole unit of the currency (100 cents, 1 yen)."""
    return unit(currency)


def preset_amounts(currency: str) -> list[int]:
    """The monthly amounts offered when no prompt names its own: one, five and ten whole units."""
    return [count * unit(currency) for count in PRESETS]


def maximum_monthly(currency: str) -> int:
    """`SUPPORT_MAX_MONTHLY` (whole units of the currency) in minor units."""
    return int(current_app.config["SUPPORT_MAX_MONTHLY"]) * unit(currency)


def maximum_amount(frequency: str, currency: str) -> int:
    """The largest amount a reader may choose, in minor units, before any card fee.

    Monthly and annual support name a monthly amount: at most `SUPPORT_MAX_MONTHLY` a month, so
    an annual plan, charged twelve months at once, is at most twelve times it. A one-time donation
    is at most the same monthly figure times twelve: what a year of the largest monthly support
    gives.
    """
    return maximum_monthly(currency) * (12 if frequency == "once" else 1)


def refusal(amount: int, frequency: str, currency: str) -> str | None:
    """Why `amount` cannot be given with `frequency`, keying the reader's message, or None:
    "too_small", "too_large" (a monthly amount) or "donation_too_large" (a one-time donation)."""
    if amount < minimum_amount(currency):
        return "too_small"
    if amount > maximum_amount(frequency, currency):
        return "donation_too_large" if frequency == "once" else "too_large"
    return None


# The charge -------------------------------------------------------------------------------------


def charge_amount(amount: int, frequency: str, covers_fee: bool, currency: str) -> int:
    """Minor units charged per period: the monthly amount times twelve for annual support, and
    optionally the card fee on top (so the outlet receives the amount the reader chose), rounded
    up to an amount Stripe takes in the currency."""
    total = amount * 12 if frequency == "annual" else amount
    if covers_fee:
        config = current_app.config
        # CARD_FEE_FIXED is in cents (30¢): it applies to two-decimal currencies only.
        fixed = config["CARD_FEE_FIXED"] if exponent(currency) == 2 else 0
        rate = Fraction(str(config["CARD_FEE_PERCENT"])) / PERCENT
        total = math.ceil((total + fixed) / (1 - rate))
        total = -(-total // step(currency)) * step(currency)
    return total


# Writing amounts out ----------------------------------------------------------------------------


def format_amount(amount: int | Fraction, currency: str, locale: str | None = None) -> str:
    """Minor units in the locale's currency format ('$12.50', '‏10,000 US$'); whole amounts
    without decimals ('$1', '¥1,500')."""
    return _formatted(amount, currency.upper(), locale or format_locale())


@functools.lru_cache(maxsize=4096)
def _formatted(amount: int | Fraction, code: str, locale: str) -> str:
    # Babel takes about a millisecond for one: a page of supporters repeats a few amounts.
    value = to_major(amount, code)
    digits = 0 if value == value.to_integral_value() else exponent(code)
    pattern = Locale.parse(locale).currency_formats["standard"].pattern
    pattern = re.sub(r"\.0+", "." + "0" * digits if digits else "", pattern)
    text = format_currency(value, code, format=pattern, locale=locale, currency_digits=False)
    return _CURRENCY_SPACING.sub("\u00a0", text)


# CLDR's currencySpacing, which Babel does not apply: a symbol that meets the digits with a letter
# ("SYP", "CHF", "KWD") is kept apart from them by a no-break space, "SYP 150,000", as browsers'
# Intl.NumberFormat writes it; "$1" and "¥1,500" stay as they are.
_CURRENCY_SPACING = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")


def format_isolated(amount: int, currency: str, locale: str | None = None) -> str:
    """`format_amount` isolated (Unicode LRI or RLI ... PDI, what the `money` filter's <bdi> does
    in HTML), for plain-text messages: "1 US$" reads whole inside Arabic."""
    text = bare_amount(amount, currency, locale)
    isolate = "\u2067" if amount_direction(text) == "rtl" else "\u2066"  # RLI, LRI
    return f"{isolate}{text}\u2069"


def bare_amount(amount: int | Fraction, currency: str, locale: str | None = None) -> str:
    """`format_amount` without the direction marks Babel puts around it (the caller isolates it)."""
    return format_amount(amount, currency, locale).replace("\u200f", "").replace("\u200e", "")


def amount_direction(text: str) -> str:
    """The direction a written amount is isolated in: left to right ("1 US$", "SYP 150,000"),
    unless its symbol is written in Arabic letters ("150,000 ل.س."), which left to right would
    put the symbol's final stop at its start."""
    rtl = any(unicodedata.bidirectional(char) in ("R", "AL") for char in text)
    return "rtl" if rtl else "ltr"


def currency_name(currency: str, locale: str | None = None) -> str:
    """The currency's name in the reader's language, in the plural form numbers like 100 take:
    'US dollars', 'Japanese yen'; 'دولار أمريكي'."""
    return get_currency_name(currency.upper(), count=100, locale=locale or format_locale())


def support_currency() -> str:
    """The currency of new support payments (`SUPPORT_CURRENCY`, lower case as Stripe wants it)."""
    return current_app.config["SUPPORT_CURRENCY"].lower()
