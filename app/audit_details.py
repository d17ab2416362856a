"""An audit entry's details as a person reads them in the page's language: codes by their labels
(app/labels.py), dates, amounts and counts as the other pages write them, a record as "payment #7".

Details are stored as they were recorded (`role="staff"`, an amount with its ISO code,
`covers="2026-12-01 – 2027-02-28"`), so entries written before a detail had a reading read the same.
"""

import json
import re
from datetime import date

from babel.dates import format_date
from babel.numbers import format_decimal
from flask_babel import gettext

from .currency import format_amount, from_major
from .i18n import format_locale, language_name
from .labels import (
    DETAIL_RECORDS,
    FILTER_LABELS,
    FILTER_VALUE_LABELS,
    STATUS_LABELS,
    STRIPE_STATUS_LABELS,
    detail_label,
    event_label,
    listed,
    offline_method_label,
    role_label,
    signup_source_label,
)
from .models import MembershipStatus, OfflineMethod, Role, SignupSource

DATE_DETAILS = frozenset({"until", "received"})
ROLE_DETAILS = frozenset({"role", "previous"})
COUNT_DETAILS = frozenset({"subscriptions_read", "accounts_created", "accounts_linked",
                           "memberships_set", "subscriptions_skipped", "left"})  # fmt: skip
_RECORDED_AMOUNT = re.compile(r"(?P<amount>[0-9]+(?:\.[0-9]+)?) (?P<currency>[A-Za-z]{3})")
_RECORDED_PERIOD = re.compile(r"(?P<first>\d{4}-\d{2}-\d{2}) – (?P<last>\d{4}-\d{2}-\d{2})")


def _long_date(text: str) -> str | None:
    try:
        return format_date(date.fromisoformat(text), "long", locale=format_locale())
    except ValueError:
        return None


def detail_value(key: str, value: object) -> str:
    """An audit detail's value as a person reads it in the page's language: a code by its label,
    a date, an amount, a count or a record as the pages write them elsewhere, anything else (ids
    at Stripe, references, reasons) as it was recorded."""
    text = str(value)
    if key in DETAIL_RECORDS and isinstance(value, int | str) and text.isdigit():
        return str(DETAIL_RECORDS[key]) % {"id": text}
    if key == "method" and value in {method.value for method in OfflineMethod}:
        return offline_method_label(text)
    if key in ROLE_DETAILS and value in {role.value for role in Role}:
        return role_label(text)
    if key == "type" and isinstance(value, str):
        return event_label(value)
    if key in DATE_DETAILS and isinstance(value, str) and (day := _long_date(value)):
        return day
    if key == "covers" and (period := _RECORDED_PERIOD.fullmatch(text)):
        first, last = _long_date(period["first"]), _long_date(period["last"])
        if first and last:
            return f"{first} – {last}"
    if key == "amount" and (amount := _RECORDED_AMOUNT.fullmatch(text)):
        minor = from_major(amount["amount"], amount["currency"])
        return format_amount(minor, amount["currency"]).replace("\u200f", "").replace("\u200e", "")
    if key in COUNT_DETAILS and isinstance(value, int) and not isinstance(value, bool):
        return format_decimal(value, locale=format_locale())
    if key == "status" and value in STRIPE_STATUS_LABELS:
        return str(STRIPE_STATUS_LABELS[text])
    if key == "filters" and isinstance(value, dict):
        return _filters(value)
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def filter_value(key: str, value: str) -> str:
    """One filter of the supporters list as chosen: its option's label, a date or a language named
    in the page's language, else as typed."""
    label = FILTER_VALUE_LABELS.get((key, value))
    if label is not None:
        return str(label)
    if key == "status" and value in {status.value for status in MembershipStatus}:
        return str(STATUS_LABELS[MembershipStatus(value)])
    if key == "source" and value in {source.value for source in SignupSource}:
        return signup_source_label(value)
    if key == "language" and value.isalpha() and len(value) == 2:
        return language_name(value)
    if key == "since" and (day := _long_date(value)):
        return day
    return value


def _filters(filters: dict) -> str:
    shown = [f"{FILTER_LABELS[key]}: {filter_value(key, str(value))}"
             for key, value in filters.items() if key in FILTER_LABELS and value]  # fmt: skip
    return listed(shown) if shown else gettext("None")


def audit_details(details: dict | None) -> list[tuple[str | None, str]]:
    """An audit entry's details to show, in order: (label, value), the label None for a detail
    that names a record ("payment #7" reads whole); empty details left out."""
    shown = []
    for key, value in (details or {}).items():
        if value in (None, "", {}, []):
            continue
        text = detail_value(key, value)
        shown.append(
            (None if key in DETAIL_RECORDS and text != str(value) else detail_label(key), text)
        )
    return shown
