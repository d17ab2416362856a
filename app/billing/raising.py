"""Asked to give a little more: the confirmation page (the new amount, from the next payment on),
and "not now"."""

from flask import flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..currency import format_isolated
from ..payments.gateway import GatewayError, IdempotencyConflict
from ..services import billing, raises
from . import bp
from .forms import RaiseForm
from .messages import CONFLICT, UNAVAILABLE, refusal_message


@bp.route("/<lang>/account/support/raise/<int:ask_id>", methods=["GET", "POST"])
@login_required
def raise_support(ask_id):
    ask = raises.open_ask(current_user, ask_id)
    if ask is None:
        return redirect(url_for("accounts.account", lang=g.lang))
    form = RaiseForm()
    if form.validate_on_submit():
        if form.decline.data:
            raises.decline_raise(current_user, ask)
            flash(_("Thank you for your support. We will not ask again for a while."))
        else:
            _accept(ask)
        return redirect(url_for("accounts.account", lang=g.lang))
    return render_template("billing/raise.html", ask=ask, form=form,
                           membership=current_user.membership)  # fmt: skip


def _accept(ask) -> None:
    try:
        raises.accept_raise(current_user, ask)
    except billing.SupportRefused as refused:
        flash(str(refusal_message(refused.reason, ask.currency)))
    except IdempotencyConflict:
        flash(str(CONFLICT))
    except GatewayError:
        flash(str(UNAVAILABLE))
    else:
        amount = format_isolated(ask.new_amount, ask.currency)
        if ask.interval == "year":
            flash(_("Thank you! From your next payment on, you give %(amount)s a year.",
                    amount=amount))  # fmt: skip
        else:
            flash(_("Thank you! From your next payment on, you give %(amount)s a month.",
                    amount=amount))  # fmt: skip
