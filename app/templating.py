"""Template filters and helpers: money (counted by app/currency.py), dates, the in-article ad
position, other-language labels."""

import re
from datetime import datetime
from fractions import Fraction

from babel.dates import format_date, format_skeleton
from babel.numbers import format_decimal, format_percent
from flask import Flask, current_app
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from .audit_details import audit_details, detail_value
from .currency import (
    amount_direction,
    bare_amount,
    format_amount,
    format_isolated,
    minimum_amount,
    support_currency,
)
from .i18n import format_locale, text_direction
from .labels import (
    STATUS_LABELS,
    audit_label,
    cancellation_outcome_label,
    cancellation_reason_label,
    cause_label,
    detail_label,
    event_label,
    event_state_label,
    gift_state_label,
    listed,
    offer_label,
    offline_method_label,
    prompt_test_status_label,
    role_label,
    signup_source_label,
)
from .models import (
    AccountEmail,
    AttemptStatus,
    MailState,
    NoticeKind,
    PaymentStatus,
)
from .services.membership import perks_for
from .urls import external_url
from .utc import aware

_PARAGRAPH_END = re.compile(r"</p>", re.IGNORECASE)
# Every state shown to a person has its one translated label here or in labels.py.
PAYMENT_STATUS_LABELS = {
    PaymentStatus.PAID: _l("Paid"),
    PaymentStatus.FAILED: _l("Failed"),
    PaymentStatus.REFUNDED: _l("Refunded"),
    PaymentStatus.DISPUTED: _l("Disputed"),
    PaymentStatus.VOIDED: _l("Voided"),
}
ATTEMPT_STATUS_LABELS = {
    AttemptStatus.STARTED: _l("Waiting for payment"),
    AttemptStatus.SUCCEEDED: _l("Succeeded"),
    AttemptStatus.FAILED: _l("Failed"),
    AttemptStatus.EXPIRED: _l("Expired"),
}
MAIL_STATE_LABELS = {
    MailState.QUEUED: _l("Queued"),
    MailState.SENT: _l("Sent"),
    MailState.KEPT: _l("Kept in the outbox"),
    MailState.FAILED: _l("Failed"),
}
NOTICE_LABELS = {
    NoticeKind.WELCOME: _l("Welcome and thanks"),
    NoticeKind.RECEIPT: _l("Receipt"),
    NoticeKind.DONATION_RECEIPT: _l("Receipt for a donation"),
    NoticeKind.PAYMENT_FAILED: _l("Payment failed"),
    NoticeKind.ACTION_REQUIRED: _l("Payment needs confirming"),
    NoticeKind.CANCELLATION: _l("Cancellation confirmed"),
    NoticeKind.SUBSCRIPTION_ENDED: _l("Membership ended"),
    NoticeKind.COMP_GRANTED: _l("Complimentary membership granted"),
    NoticeKind.COMP_ENDED: _l("Complimentary membership ended"),
    NoticeKind.RENEWAL_COMING: _l("Annual renewal in 7 days"),
    NoticeKind.CARD_EXPIRING: _l("Card expiring"),
    NoticeKind.GIFT_RECEIPT: _l("Receipt for a gift membership"),
    NoticeKind.GIFT_RECEIVED: _l("Gift membership for its recipient"),
    NoticeKind.GIFT_REDEEMED: _l("Gift membership opened, to the giver"),
    NoticeKind.MEMBERSHIP_PAUSED: _l("Membership paused"),
    NoticeKind.MEMBERSHIP_RESUMED: _l("Membership resumed"),
    NoticeKind.OFFLINE_RECEIPT: _l("Receipt for a payment outside Stripe"),
    NoticeKind.OFFLINE_VOIDED: _l("Receipt withdrawn: a payment outside Stripe voided"),
    AccountEmail.SIGN_IN_CODE: _l("Sign-in code"),
    AccountEmail.SIGN_IN_NO_ACCOUNT: _l("Sign-in asked for an address without an account"),
}


def money_html(amount_minor: int | Fraction | None, currency: str) -> Markup:
    """Minor units as Stripe counts them in `currency` (app/currency.py: 500 ISK is 5 krónur,
    5120 KWD fils 5.120 dinars) in the page locale's currency format, isolated so "1 US$" reads
    whole inside Arabic text: left to right, but right to left for a symbol in Arabic letters
    ("150,000 ل.س."). An exact amount (a Fraction, as MRR with annual twelfths has) is rounded
    half up to a minor unit."""
    text = bare_amount(amount_minor or 0, currency)
    return Markup('<bdi dir="%s">%s</bdi>') % (amount_direction(text), text)


def money_plain(amount_minor: int, currency: str) -> str:
    """An amount in plain text (emails' text part): in a right-to-left language isolated (LRI or
    RLI ... PDI), so "5 US$" keeps its order inside Arabic text; otherwise as written."""
    if text_direction() == "rtl":
        return format_isolated(amount_minor, currency)
    return format_amount(amount_minor, currency)


def address_html(email: str | None) -> Markup:
    """An email address isolated left to right, so that its digits, dots and hyphens stay in
    order inside Arabic text."""
    return Markup('<bdi dir="ltr">%s</bdi>') % (email or "")


def support_minimum() -> Markup:
    """The smallest amount a reader may give a month, one whole unit of `SUPPORT_CURRENCY`."""
    code = support_currency()
    return money_html(minimum_amount(code), code)


def number(value) -> str:
    return format_decimal(value, locale=format_locale())


def percent(value) -> str:
    return (
        "–" if value is None else format_percent(float(value), "#,##0.0%", locale=format_locale())
    )


def split_after_paragraph(html: str, count: int) -> tuple[Markup, Markup]:
    """The body cut after its `count`-th paragraph (where the in-article slot goes)."""
    matches = list(_PARAGRAPH_END.finditer(html))
    if len(matches) <= count:
        return Markup(html), Markup("")  # noqa: S704 - bodies are sanitized on import
    cut = matches[count - 1].end()
    return Markup(html[:cut]), Markup(html[cut:])  # noqa: S704


def long_date(value: datetime, lang: str | None = None) -> str:
    """A date as the outlet writes it, in the page's language or `lang`."""
    return format_date(value, "long", locale=format_locale(lang))


def month_year(value: datetime, lang: str | None = None) -> str:
    """A month as the outlet names it, in the page's language or `lang`: "January 2026"."""
    return format_skeleton("yMMMM", value, locale=format_locale(lang))


def date_time(value: datetime, lang: str | None = None) -> Markup:
    """A moment as staff need it: the date as the outlet writes it, the time, and its time zone
    (times are kept in UTC), the time isolated so it reads left to right in Arabic too."""
    moment = aware(value)
    day = format_date(moment, "long", locale=format_locale(lang))
    return Markup('{} <bdi dir="ltr">{} UTC</bdi>').format(day, moment.strftime("%H:%M"))


def iso_datetime(value: datetime) -> str:
    """A machine-readable UTC timestamp for <time datetime>; SQLite hands datetimes back naive."""
    return aware(value).isoformat()


def in_language(lang: str, message: str) -> str:
    """A catalog message in another language than the page's (links to the other version)."""
    with force_locale(lang):
        return gettext(message)


def absolute_media(url: str) -> str:
    """A picture's address as other sites need it: our own paths made absolute on SITE_URL."""
    if url.startswith("/") and not url.startswith("//"):
        return current_app.config["SITE_URL"].rstrip("/") + url
    return url


def init_app(app: Flask) -> None:
    @app.context_processor
    def inject_perks():
        return {"perks": perks_for(current_user)}

    app.add_template_filter(money_html, "money")
    app.add_template_filter(address_html, "address")
    app.add_template_filter(money_html, "exact_money")
    app.add_template_filter(money_plain, "money_text")
    app.add_template_filter(percent)
    app.add_template_filter(number, "format_number")
    app.add_template_filter(long_date)
    app.add_template_filter(month_year)
    app.add_template_filter(iso_datetime, "iso")
    app.add_template_filter(date_time)
    app.add_template_global(event_label)
    app.add_template_global(audit_label)
    app.add_template_global(cause_label)
    app.add_template_global(detail_label)
    app.add_template_global(detail_value)
    app.add_template_global(audit_details)
    app.add_template_global(listed)
    app.add_template_global(role_label)
    app.add_template_global(event_state_label)
    app.add_template_global(signup_source_label)
    app.add_template_global(prompt_test_status_label)
    app.add_template_global(cancellation_reason_label)
    app.add_template_global(cancellation_outcome_label)
    app.add_template_global(offer_label)
    app.add_template_global(gift_state_label)
    app.add_template_global(offline_method_label)
    app.add_template_global(split_after_paragraph)
    app.add_template_global(external_url)
    app.add_template_global(absolute_media)
    app.add_template_global(support_minimum)
    app.add_template_global(in_language)
    app.add_template_global(lambda status: str(STATUS_LABELS[status]), "status_label")
    app.add_template_global(
        lambda status: str(PAYMENT_STATUS_LABELS[status]), "payment_status_label"
    )
    app.add_template_global(
        lambda status: str(ATTEMPT_STATUS_LABELS[status]), "attempt_status_label"
    )
    app.add_template_global(lambda state: str(MAIL_STATE_LABELS[state]), "mail_state_label")
    app.add_template_global(lambda kind: str(NOTICE_LABELS[kind]), "notice_label")
