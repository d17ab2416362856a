"""Cancelling that listens: why (optional), then the offers that fit the reason — a lower
amount, a pause, annual — with cancelling one click away on every page. Without a reason, or
with one no offer fits, the membership is cancelled at once."""

from flask import flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..currency import format_isolated
from ..labels import CANCELLATION_REASON_LABELS
from ..models import CancellationOutcome, CancellationReason, MembershipStatus
from ..services import billing, retention
from . import bp
from .forms import AnnualOfferForm, CancelReasonForm, LeaveForm, LowerOfferForm, PauseOfferForm
from .manage import made

Offer = CancellationOutcome
CANCELLABLE = (MembershipStatus.ACTIVE, MembershipStatus.PAST_DUE)


def _account():
    return redirect(url_for("accounts.account", lang=g.lang))


@bp.route("/<lang>/account/support/cancel", methods=["GET", "POST"])
@login_required
def cancel():
    member = current_user.membership
    if member is None or member.status not in CANCELLABLE:
        return _account()
    reasons = [(reason.value, str(label)) for reason, label in CANCELLATION_REASON_LABELS.items()]
    form = CancelReasonForm(reasons=reasons)
    if form.validate_on_submit():
        reason = CancellationReason(form.reason.data) if form.reason.data else None
        cancellation = retention.ask_why(current_user, reason, form.comment.data)
        if form.leave.data or not cancellation.offer_list:
            return _answer(lambda: retention.leave(current_user, cancellation), _left)
        return redirect(url_for("billing.cancel_offers", lang=g.lang,
                                cancellation_id=cancellation.id))  # fmt: skip
    status = 400 if form.errors else 200
    return render_template("billing/cancel.html", form=form, membership=member), status


@bp.route("/<lang>/account/support/cancel/<int:cancellation_id>", methods=["GET", "POST"])
@login_required
def cancel_offers(cancellation_id):
    """What fits the reason given, each offer its own form; "No thanks" cancels."""
    cancellation = retention.open_cancellation(current_user, cancellation_id)
    if cancellation is None:
        return _account()
    member = current_user.membership
    fitting = retention.fitting_offers(current_user, cancellation.reason)
    offers = [offer for offer in cancellation.offer_list if offer in fitting]
    currency = billing.currency_of(current_user)
    amounts = [(str(amount), _per_period(amount, currency, member.interval))
               for amount in retention.lower_amounts(current_user)]  # fmt: skip
    forms = {Offer.LOWER: LowerOfferForm(amounts=amounts), Offer.PAUSE: PauseOfferForm(),
             Offer.ANNUAL: AnnualOfferForm(), Offer.CANCELLED: LeaveForm()}  # fmt: skip
    for kind, form in forms.items():
        wanted = form.submit.data and (kind in offers or kind == Offer.CANCELLED)
        if wanted and form.validate_on_submit():
            return _take(kind, form, cancellation)
    return render_template("billing/cancel_offers.html", cancellation=cancellation, offers=offers,
                           forms=forms, membership=member)  # fmt: skip


def _per_period(monthly: int, currency: str, interval: str) -> str:
    if interval == "year":
        return _("%(amount)s a year", amount=format_isolated(monthly * 12, currency))
    return _("%(amount)s a month", amount=format_isolated(monthly, currency))


def _take(kind, form, cancellation):
    user = current_user
    if kind == Offer.LOWER:
        return _answer(lambda: retention.take_lower(user, cancellation, int(form.amount.data)),
                       _lowered, cancellation)  # fmt: skip
    if kind == Offer.PAUSE:
        return _answer(lambda: retention.take_pause(user, cancellation, int(form.months.data)),
                       _paused, cancellation)  # fmt: skip
    if kind == Offer.ANNUAL:
        return _answer(lambda: retention.take_annual(user, cancellation), _annual, cancellation)
    return _answer(lambda: retention.leave(user, cancellation), _left, cancellation)


def _answer(action, message, cancellation=None):
    """Run the member's choice; a refusal or Stripe's trouble is said, and back to the offers
    (the request still open) or the account page; done, the account page says what changed."""
    if made(action):
        flash(message(current_user.membership))
        return _account()
    if cancellation is not None and cancellation.outcome == Offer.ASKED:
        return redirect(url_for("billing.cancel_offers", lang=g.lang,
                                cancellation_id=cancellation.id))  # fmt: skip
    return _account()


def _left(member) -> str:
    return _(
        "Your membership will end at the close of the paid period. Thank you for your support."
    )


def _lowered(member) -> str:
    amount = format_isolated(member.amount, member.currency)
    if member.interval == "year":
        return _("Thank you for staying. From your next payment you give %(amount)s a year.",
                 amount=amount)  # fmt: skip
    return _("Thank you for staying. From your next payment you give %(amount)s a month.",
             amount=amount)  # fmt: skip


def _paused(member) -> str:
    return _("Your membership is paused. Thank you for staying with us: your payments resume "
             "by themselves, and your account page says when.")  # fmt: skip


def _annual(member) -> str:
    return _("Thank you for staying: you now support Enab Baladi with %(amount)s a year.",
             amount=format_isolated(member.amount, member.currency))  # fmt: skip
