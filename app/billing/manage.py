"""Members managing their support on our own pages: change amount, update card, cancel, resume."""

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..payments.gateway import GatewayError
from ..services import billing
from . import bp
from .forms import ChangeSupportForm, to_minor_units
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
    """A new card, collected by the Payment Element into a SetupIntent."""
    try:
        secret = billing.start_card_update(current_user)
    except GatewayError:
        flash(str(UNAVAILABLE))
        return _account()
    g.stripe_js = True
    return render_template(
        "billing/card.html", client_secret=secret, error=None,
        return_url=url_for("billing.card_saved", lang=g.lang, _external=True),
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
