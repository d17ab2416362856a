"""Receipts on the site: a printable page for each payment, for its owner and for staff."""

import re

from babel.numbers import get_currency_name
from flask import abort, current_app, make_response, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required

from ..auth import staff_required
from ..i18n import format_locale
from ..models import Payment, PaymentKind
from ..services.gifts import gift_for_payment
from ..services.receipts import (
    card_of,
    receipt_date,
    receipt_number,
    receipt_payer,
    receipt_payment,
)
from ..templating import long_date
from . import bp

PURPOSES = {
    (PaymentKind.DONATION, None): _l("One-time donation"),
    (PaymentKind.SUBSCRIPTION, "month"): _l("Monthly membership"),
    (PaymentKind.SUBSCRIPTION, "year"): _l("Annual membership"),
    (PaymentKind.SUBSCRIPTION, None): _l("Membership"),
}
GIFT_PURPOSE = _l("Gift membership")
ADDRESS_LINES = re.compile(r"\s*(?:\n|\|)\s*")


def purpose_label(payment: Payment) -> str:
    if payment.kind == PaymentKind.GIFT:
        gift = gift_for_payment(payment)
        if gift is None:
            return str(GIFT_PURPOSE)
        return ngettext("Gift membership: %(num)d month for %(email)s",
                        "Gift membership: %(num)d months for %(email)s", gift.months,
                        email=gift.recipient_email)  # fmt: skip
    if payment.kind == PaymentKind.OFFLINE:
        return _("Membership from %(first)s to %(last)s", first=long_date(payment.covers_from),
                 last=long_date(payment.covers_until))  # fmt: skip
    if payment.kind == PaymentKind.DONATION:
        return str(PURPOSES[(PaymentKind.DONATION, None)])
    return str(
        PURPOSES.get(
            (PaymentKind.SUBSCRIPTION, payment.interval), PURPOSES[(PaymentKind.SUBSCRIPTION, None)]
        )
    )


@bp.get("/<lang>/account/receipts/<int:payment_id>")
@login_required
def receipt(payment_id):
    payment = receipt_payment(payment_id)
    if payment is None:
        abort(404)
    if payment.user_id != current_user.id:
        return _staff_receipt(payment)  # anyone else: 404, as staff_required answers readers
    return _receipt_page(payment)


@staff_required
def _staff_receipt(payment: Payment):
    return _receipt_page(payment)


def _receipt_page(payment: Payment):
    address = current_app.config.get("OUTLET_ADDRESS") or ""
    page = render_template(
        "accounts/receipt.html",
        payment=payment,
        number=receipt_number(payment),
        date=receipt_date(payment),
        purpose=purpose_label(payment),
        payer=receipt_payer(payment),
        card=card_of(payment),
        currency_name=get_currency_name(payment.currency.upper(), locale=format_locale()),
        outlet_name=current_app.config.get("OUTLET_NAME") or _("Enab Baladi"),
        outlet_address=[line for line in ADDRESS_LINES.split(address) if line],
    )
    response = make_response(page)
    response.headers["Cache-Control"] = "private, no-store"
    return response
