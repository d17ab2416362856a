"""Members managing their support on our own pages: change amount, update card, cancel, resume."""

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..payments import get_gateway
from ..payments.gateway import GatewayError
from ..services import billing, sandbox_flow
from . import bp
from .forms import ChangeSupportForm, TestCardForm, to_minor_units
from .messages import DECLINE_MESSAGES, REFUSAL_MESSAGES, UNAVAILABLE


def _account():
    return redirect(url_for("accounts.account", lang=g.lang))


def _do(action, done_message):
    """Run a member's change; provider trouble or a refusal becomes a message, never a half change."""
    try:
        action()
    except billing.SupportRefused as refused:
        flash(str(REFUSAL_MESSAGES[refused.reason]))
    except GatewayError:
        flash(str(UNAVAILABLE))
    else:
        flash(done_message)
    return _account()


# Cancel and resume are bare buttons: CSRFProtect has checked their token before the view runs.
@bp.post("/<lang>/account/support/cancel")
@login_required
def cancel():
    return _do(lambda: billing.cancel_support(current_user),
               _("Your membership will end at the close of the paid period. Thank you for your support."))  # fmt: skip


@bp.post("/<lang>/account/support/resume")
@login_required
def resume():
    return _do(
        lambda: billing.resume_support(current_user), _("Your membership continues. Thank you!")
    )


@bp.route("/<lang>/account/support/change", methods=["GET", "POST"])
@login_required
def change():
    member = current_user.membership
    form = ChangeSupportForm(
        data={"frequency": "annual" if member and member.interval == "year" else "monthly"}
    )
    if form.validate_on_submit():
        amount = to_minor_units(form.amount.data, current_app.config["SUPPORT_CURRENCY"])
        if amount is None:
            form.amount.errors.append(_("Enter an amount, for example 3 or 7.50."))
        else:
            return _do(lambda: billing.change_support(current_user, amount, form.frequency.data),
                       _("Your support has been changed."))  # fmt: skip
    return render_template("billing/change.html", form=form, membership=member)


@bp.get("/<lang>/account/support/card")
@login_required
def card():
    try:
        secret = billing.start_card_update(current_user)
    except GatewayError:
        flash(str(UNAVAILABLE))
        return _account()
    return _card_page(secret, TestCardForm())


@bp.post("/<lang>/account/support/card/test-card")
@login_required
def card_with_test_card():
    form = TestCardForm()
    secret = request.form.get("client_secret", "")
    if not form.validate_on_submit() or not secret:
        return _card_page(secret, form), 400
    outcome = sandbox_flow.pay_with_test_card(secret, form.card_number.data)
    if outcome.status == "declined":
        form.card_number.errors.append(
            DECLINE_MESSAGES.get(outcome.code, DECLINE_MESSAGES["generic_decline"])
        )
        return _card_page(secret, form), 402
    flash(_("Your card has been updated."))
    return _account()


def _card_page(secret: str, form):
    gateway = get_gateway()
    if gateway.name == "stripe":
        g.stripe_js = True
    return render_template(
        "billing/card.html", client_secret=secret, form=form, gateway=gateway.name,
        publishable_key=gateway.publishable_key,
        return_url=url_for("accounts.account", lang=g.lang, _external=True),
    )  # fmt: skip
