"""Test mode (a Stripe test key only): readers' test clocks, refunds and test disputes."""

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .. import currency as money_units
from ..auth import staff_required
from ..extensions import db
from ..models import User
from ..payments.gateway import GatewayError
from ..services import audit, testmode
from . import bp

DISPUTE_LABELS = {
    "warning_needs_response": _l("Warning: awaiting evidence"),
    "warning_under_review": _l("Warning: under review"),
    "warning_closed": _l("Warning closed"),
    "needs_response": _l("Awaiting evidence"),
    "under_review": _l("Under review"),
    "won": _l("Won"),
    "lost": _l("Lost"),
}
ACTION_LABELS = {"win": _l("Win the dispute"), "lose": _l("Lose the dispute"),
                 "close": _l("Accept the dispute")}  # fmt: skip


@bp.context_processor
def _test_mode_flag():
    return {"stripe_test_mode": testmode.enabled}


def _enabled():
    if not testmode.enabled():
        abort(404)


@bp.get("/<lang>/staff/test-mode")
@staff_required
def test_mode():
    """Readers' Stripe customers in test mode, found by email, with what staff can do to each."""
    _enabled()
    email = request.args.get("email", "")
    try:
        customers = testmode.list_customers(email)
    except GatewayError:
        flash(_("Stripe is not answering right now. Please try again in a few minutes."))
        customers = []
    return render_template("staff/test_mode.html", customers=customers, email=email,
                           dispute_labels=DISPUTE_LABELS, action_labels=ACTION_LABELS)  # fmt: skip


@bp.post("/<lang>/staff/test-mode/<int:user_id>/<action>")
@staff_required
def test_mode_action(user_id, action):
    """Advance the reader's clock, refund a charge, or settle a dispute (CSRF checked before)."""
    _enabled()
    user = db.session.get(User, user_id) or abort(404)
    charge_id = request.form.get("charge", "")
    try:
        if action == "advance":
            clock = testmode.advance_to_next_renewal(user)
            message = _("The test clock is moving on to %(time)s. Renewals follow in a moment.",
                        time=clock.frozen_time.strftime("%Y-%m-%d %H:%M UTC"))  # fmt: skip
        elif action == "refund":
            amount = request.form.get("amount", "").strip()
            currency = request.form.get("currency") or current_app.config["SUPPORT_CURRENCY"]
            minor = money_units.to_minor_units(amount, currency) if amount else None
            if amount and minor is None:
                raise GatewayError("not an amount")
            testmode.refund(user, charge_id, minor)
            message = _("Refund requested.")
        elif action in testmode.DISPUTE_ACTIONS:
            testmode.settle_dispute(user, charge_id, action)
            message = _("Test evidence submitted: Stripe closes the dispute in a moment.")
        else:
            abort(404)
    except GatewayError:
        flash(_("Stripe did not accept that. Nothing was changed."))
    else:
        audit.record(current_user, f"test mode: {action}", user.email, subject=user,
                     charge=charge_id or None)  # fmt: skip
        db.session.commit()
        flash(message)
    return redirect(url_for("staff.test_mode", lang=g.lang, email=request.form.get("email", "")))
