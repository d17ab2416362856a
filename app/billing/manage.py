"""Members managing their support on our own pages: change amount, update card, cancel, resume."""

from flask import abort, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..payments.gateway import GatewayError, IdempotencyConflict
from ..services import billing, resume_links
from ..urls import external_url
from . import bp
from .forms import ChangeSupportForm, ResumeForm
from .messages import CONFLICT, DECLINE_MESSAGES, REFUSAL_MESSAGES, UNAVAILABLE, refusal_message


def _account():
    return redirect(url_for("accounts.account", lang=g.lang))


def made(action) -> bool:
    """Run a member's change (here, or on the cancelling pages); True when it was made. A refusal
    or provider trouble becomes a message for the next page, never a half change."""
    try:
        action()
    except billing.SupportRefused as refused:
        flash(str(refusal_message(refused.reason, billing.currency_of(current_user))))
    except IdempotencyConflict:
        flash(str(CONFLICT))
    except GatewayError:
        flash(str(UNAVAILABLE))
    else:
        return True
    return False


def _do(action, done_message):
    """Run a member's change and say how it went, on the account page."""
    if made(action):
        flash(done_message)
    return _account()


# Resume is a bare button: CSRFProtect has checked its token before the view runs. It undoes a
# cancellation, or ends a pause. (Cancelling asks why first: `cancelling`.)
@bp.post("/<lang>/account/support/resume")
@login_required
def resume():
    return _do(
        lambda: billing.resume_support(current_user), _("Your membership continues. Thank you!")
    )


@bp.route("/<lang>/account/support/change", methods=["GET", "POST"])
@login_required
def change():
    """A new amount or frequency, typed in the member's own currency (their subscription's)."""
    member = current_user.membership
    form = ChangeSupportForm(
        data={"frequency": "annual" if member and member.interval == "year" else "monthly"},
        currency=billing.currency_of(current_user),
    )
    if form.validate_on_submit():
        amount = form.minor_amount()
        return _do(lambda: billing.change_support(current_user, amount, form.frequency.data),
                   _("Your support has been changed."))  # fmt: skip
    return render_template("billing/change.html", form=form, membership=member)


@bp.get("/<lang>/account/support/card")
@login_required
def card():
    """A new card, collected by the Payment Element into a SetupIntent."""
    try:
        secret = billing.start_card_update(current_user)
    except GatewayError:
        flash(str(UNAVAILABLE))
        return _account()
    g.stripe_js = True
    return render_template(
        "billing/card.html", client_secret=secret, error=None,
        return_url=external_url("billing.card_saved", lang=g.lang),
    )  # fmt: skip


@bp.get("/<lang>/account/support/card/saved")
@login_required
def card_saved():
    """Stripe's return from saving a card: it becomes the card every payment uses from now on."""
    setup_intent = request.args.get("setup_intent", "")
    if request.args.get("redirect_status") != "succeeded" or not setup_intent.startswith("seti_"):
        flash(str(DECLINE_MESSAGES["setup_intent_authentication_failure"]))
        return redirect(url_for("billing.card", lang=g.lang))
    return _do(lambda: billing.finish_card_update(current_user, setup_intent),
               _("Your card has been updated."))  # fmt: skip


@bp.get("/<lang>/account/support/pay")
@login_required
def pay_now():
    """A past-due member pays the open invoice here, with the Payment Element (3-D Secure too)."""
    try:
        due = billing.open_invoice_payment(current_user)
    except billing.SupportRefused as refused:
        flash(str(REFUSAL_MESSAGES[refused.reason]))
        return _account()
    except GatewayError:
        flash(str(UNAVAILABLE))
        return _account()
    g.stripe_js = not due.processing
    return render_template(
        "billing/pay_now.html", due=due, processing=due.processing,
        client_secret=due.client_secret, error=DECLINE_MESSAGES.get(request.args.get("failed", "")),
        return_url=external_url("billing.paid", lang=g.lang),
        refresh_url=url_for("billing.paid", lang=g.lang, payment_intent=due.payment_intent_id),
    )  # fmt: skip


@bp.get("/<lang>/account/support/paid")
@login_required
def paid():
    """Stripe's return from paying the open invoice: paid, still processing, or back to pay."""
    try:
        state = billing.finish_open_invoice_payment(
            current_user, request.args.get("payment_intent") or None
        )
    except billing.NotYourPayment:
        abort(404)
    except billing.SupportRefused as refused:
        flash(str(REFUSAL_MESSAGES[refused.reason]))
        return _account()
    except GatewayError:
        state = "processing"  # a provider hiccup: the page asks again in a moment
    if state == "paid":
        flash(_("Thank you: your payment went through and your membership is active again."))
        return _account()
    if state == "processing":
        return render_template("billing/pay_now.html", due=None, processing=True, refresh_url=None)
    authentication = request.args.get("redirect_status") == "failed"
    failed = "payment_intent_authentication_failure" if authentication else None
    return redirect(url_for("billing.pay_now", lang=g.lang, failed=failed))


@bp.route("/<lang>/account/support/resume/<token>", methods=["GET", "POST"])
def resume_from_email(token):
    """The cancellation email's one-click resume: the signed link names the member; the page asks
    once (a form with CSRF, so a link scanner's GET changes nothing) and resumes."""
    user = resume_links.read_resume_token(token)
    if user is None:
        return _private(render_template("billing/resume_invalid.html"), 400)
    form = ResumeForm()
    if form.validate_on_submit():
        try:
            billing.resume_support(user)
        except (billing.SupportRefused, GatewayError):
            flash(str(UNAVAILABLE))
        else:
            return _private(render_template("billing/resumed.html", membership=user.membership))
    return _private(render_template("billing/resume.html", form=form, membership=user.membership))


def _private(page: str, status: int = 200):
    response = make_response(page, status)
    response.headers["Cache-Control"] = "private, no-store"
    return response
