"""Gift memberships: the form a giver fills in (then the same payment and return pages as any
one-time payment), and the page the recipient's link opens, whose one button redeems the gift."""

from flask import current_app, g, make_response, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..currency import support_currency
from ..extensions import db, limiter
from ..payments.gateway import GatewayError
from ..services import gift_checkout, gift_links, gift_redemption
from ..services.checkout import SupportRefused
from . import bp
from .gift_forms import GiftForm, RedeemForm
from .messages import REFUSAL_MESSAGES, UNAVAILABLE
from .routes import _remember_attempt

GIFT_REFUSALS = {
    "gift_unavailable": _l("Choose one of the lengths and amounts offered."),
    "gift_delivery_date": _l("Choose a date between today and a year from now."),
}


def _form(**kwargs) -> GiftForm:
    currency = support_currency()
    amounts = gift_checkout.monthly_amounts(currency)
    data = {
        "months": "3",
        "amount": str(amounts[0]),
        "lang": g.lang,
        "deliver_on": gift_checkout.delivery_dates()[0],
    }
    return GiftForm(currency=currency, amounts=amounts, needs_email=not current_user.is_authenticated,
                    data=None if request.method == "POST" else data, **kwargs)  # fmt: skip


def _page(form: GiftForm, status: int = 200):
    return render_template("billing/gift.html", form=form), status


@bp.get("/<lang>/gift")
def gift():
    return _page(_form())


@bp.post("/<lang>/gift")
@limiter.limit(lambda: current_app.config["RATELIMIT_SUPPORT_IP"])
def start_gift():
    form = _form()
    if not form.validate_on_submit():
        return _page(form, 400)
    order = gift_checkout.GiftOrder(
        recipient_email=form.recipient_email.data, giver_name=form.giver_name.data,
        months=int(form.months.data), monthly_amount=int(form.amount.data),
        deliver_on=form.deliver_on.data, lang=form.lang.data, message=form.message.data,
    )  # fmt: skip
    try:
        started = gift_checkout.start_gift(
            order, giver=current_user if current_user.is_authenticated else None,
            giver_email=form.email.data, lang=g.lang, ip=request.remote_addr,
        )  # fmt: skip
    except SupportRefused as refused:
        form.form_errors.append(
            GIFT_REFUSALS.get(refused.reason) or REFUSAL_MESSAGES[refused.reason]
        )
        return _page(form, 422)
    except GatewayError:
        form.form_errors.append(UNAVAILABLE)
        return _page(form, 503)
    _remember_attempt(started.attempt_key)
    return redirect(url_for("billing.pay", lang=g.lang, key=started.attempt_key))


@bp.route("/<lang>/gift/redeem/<token>", methods=["GET", "POST"])
def gift_redeem(token):
    """The recipient's link: the gift, who gave it, and one button (a form with CSRF, so a link
    scanner's GET changes nothing). Pressed once, it redeems; afterwards the page says so."""
    found = gift_links.gift_for_secret(token)
    if found is None:
        return _private(render_template("billing/gift_invalid.html"), 404)
    form = RedeemForm()
    refused = gift_redemption.refusal(found)
    if refused is None and form.validate_on_submit():
        try:
            redeemed = gift_redemption.redeem_gift(found)
        except gift_redemption.GiftRefused as refusal:
            db.session.rollback()
            refused = refusal.reason
        else:
            return _private(render_template("billing/gift_redeemed.html", gift=found,
                                            redeemed=redeemed))  # fmt: skip
    return _private(render_template("billing/gift_redeem.html", gift=found, form=form,
                                    refused=refused))  # fmt: skip


def _private(page: str, status: int = 200):
    response = make_response(page, status)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the link's secret stays in this page
    return response
