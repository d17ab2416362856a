"""Gift memberships: the form a giver fills in (then the same payment and return pages as any
one-time payment), and the page the recipient's link opens, whose one button redeems the gift.

A signed-out giver whose email has an account is sent a sign-in code; the order waits in this
browser's session meanwhile and, once they are signed in, is checked again as if just submitted
and goes on to its payment page."""

import time

from flask import (
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from werkzeug.datastructures import MultiDict

from ..accounts.sign_in_codes import GIFT_ORDER, code_email_limit, start_code_sign_in
from ..auth import sign_in
from ..currency import support_currency
from ..extensions import csrf, db, limiter
from ..payments.gateway import GatewayError
from ..services import gift_checkout, gift_links, gift_redemption
from ..services.checkout import SupportRefused
from . import bp
from .gift_forms import GiftForm, RedeemForm
from .messages import REFUSAL_MESSAGES, UNAVAILABLE
from .routes import NEW_ACCOUNT, _remember_attempt
from .support import started_payment

GIFT_REFUSALS = {
    "gift_unavailable": _l("Choose one of the lengths and amounts offered."),
    "gift_delivery_date": _l("Choose a date between today and a year from now."),
}
# A remembered order that comes back wrong is shown again to be checked, never paid as it is.
KEPT_ORDER_REFUSALS = {
    "stale": _l(
        "Your gift waited too long for payment, so nothing was charged. Please check it below and continue to payment again."
    ),
    "invalid": _l(
        "Your gift could not be continued as it was kept, so nothing was charged. Please check it below and continue to payment again."
    ),
}
# How long a gift order waits for its giver to sign in (a code lives 10 minutes; a new one may
# be asked for): after it the giver checks the order again, the date "today" may mean another day.
ORDER_LIFETIME = 3600  # seconds
# The remembered order's keys, and the form field each one fills again.
ORDER_FIELDS = {"to": "recipient_email", "name": "giver_name", "months": "months",
                "amount": "amount", "on": "deliver_on", "lang": "lang", "message": "message"}  # fmt: skip


def _form(formdata: MultiDict | None = None) -> GiftForm:
    """The gift form: as posted, as `formdata` fills it, or (a GET) with its first choices."""
    currency = support_currency()
    amounts = gift_checkout.monthly_amounts(currency)
    data = {
        "months": "3",
        "amount": str(amounts[0]),
        "lang": g.lang,
        "deliver_on": gift_checkout.delivery_dates()[0],
    }
    given = {} if formdata is None else {"formdata": formdata}
    if given or request.method == "POST":
        data = None
    return GiftForm(currency=currency, amounts=amounts, needs_email=not current_user.is_authenticated,
                    data=data, **given)  # fmt: skip


def _page(form: GiftForm, status: int = 200):
    return render_template("billing/gift.html", form=form), status


@bp.get("/<lang>/gift")
def gift():
    return _page(_form())


@bp.post("/<lang>/gift")
@limiter.limit(lambda: current_app.config["RATELIMIT_SUPPORT_IP"], deduct_when=started_payment)
@code_email_limit
def start_gift():
    form = _form()
    if not form.validate_on_submit():
        return _page(form, 400)
    return _begin_gift(form)


@bp.get("/<lang>/gift/continue")
@login_required
def continue_gift():
    """Signed in with a code from the gift form: the order kept by that form's POST, checked
    again as the form checks it, goes on to its payment page. It is used once: a reload goes to
    the payment it started."""
    kept = session.pop(GIFT_ORDER, None)
    if not isinstance(kept, dict):
        return redirect(url_for("billing.gift", lang=g.lang))
    if isinstance(kept.get("attempt"), str):
        session[GIFT_ORDER] = kept
        return redirect(url_for("billing.pay", lang=g.lang, key=kept["attempt"]))
    fields = {field: str(kept[key]) for key, field in ORDER_FIELDS.items()
              if isinstance(kept.get(key), str | int)}  # fmt: skip
    # Checked as the form's own POST: with this session's token, so the page shown again posts.
    form = _form(MultiDict({**fields, "csrf_token": generate_csrf()}))
    at = kept.get("at")
    if not isinstance(at, int) or not 0 <= time.time() - at <= ORDER_LIFETIME:
        form.validate()  # shows what is wrong with it too
        form.form_errors.append(KEPT_ORDER_REFUSALS["stale"])
        return _page(form, 422)
    if not form.validate():
        form.form_errors.append(KEPT_ORDER_REFUSALS["invalid"])
        return _page(form, 422)
    return _begin_gift(form, continued=True)


def _begin_gift(form: GiftForm, continued: bool = False):
    """Start paying for the gift `form` orders: its payment page, or the form again saying why
    not. A giver's email with an account gets a sign-in code, and after it this same order."""
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
        if refused.reason == "sign_in_first":
            gift_url = url_for("billing.gift", lang=g.lang)
            return redirect(start_code_sign_in(form.email.data, gift_url, gift=_remembered(order)))
        form.form_errors.append(
            GIFT_REFUSALS.get(refused.reason) or REFUSAL_MESSAGES[refused.reason]
        )
        return _page(form, 422)
    except GatewayError:
        form.form_errors.append(UNAVAILABLE)
        return _page(form, 503)
    _remember_attempt(started.attempt_key)
    if started.new_account:
        session[NEW_ACCOUNT] = started.attempt_key
    if continued:
        session[GIFT_ORDER] = {"attempt": started.attempt_key}
    return redirect(url_for("billing.pay", lang=g.lang, key=started.attempt_key))


def _remembered(order: gift_checkout.GiftOrder) -> dict:
    """`order` as this browser's session keeps it across signing in (short keys: the session is
    a cookie), with the time it was made."""
    return {"to": order.recipient_email, "name": order.giver_name, "months": order.months,
            "amount": order.monthly_amount, "on": order.deliver_on.isoformat(),
            "lang": order.lang, "message": order.message or None, "at": int(time.time())}  # fmt: skip


@bp.route("/<lang>/gift/redeem/<token>", methods=["GET", "POST"])
@csrf.exempt  # RedeemForm checks the token itself, so that a second press after the first signed
# the recipient in (a new session, a new token) is answered with the redeemed page, not a 400.
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
            signed_in = _sign_in_recipient(redeemed)
            return _private(render_template("billing/gift_redeemed.html", gift=found,
                                            redeemed=redeemed, signed_in_now=signed_in))  # fmt: skip
    return _private(render_template("billing/gift_redeem.html", gift=found, form=form,
                                    refused=refused))  # fmt: skip


def _sign_in_recipient(redeemed: gift_redemption.Redeemed) -> bool:
    """The account this redemption made is signed in, in this browser, unless someone is signed
    in here already: the emailed link proved the address (the account counts as confirmed), and
    a new account has no password or second factor to ask for. An account that existed before
    signs in as usual. True when it signed them in."""
    if not redeemed.created or current_user.is_authenticated:
        return False
    return sign_in(redeemed.user) is None


def _private(page: str, status: int = 200):
    response = make_response(page, status)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the link's secret stays in this page
    return response
