"""Payments received outside Stripe: recording one (for a reader found by email, or made), the
list of them, and voiding an entry recorded by mistake."""

from datetime import UTC, datetime

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth import staff_required
from ..extensions import db
from ..models import OfflineMethod, Payment, PaymentKind, User
from ..services import accounts, membership, offline_figures, offline_payments
from ..services.offline_payments import OfflineEntry
from ..templating import long_date
from ..urls import safe_next
from . import bp
from .forms import OfflinePaymentForm, VoidOfflinePaymentForm


@bp.get("/<lang>/staff/offline-payments")
@staff_required
def offline_payments_list():
    rows, has_next = offline_figures.entries(request.args.get("page", 1, type=int))
    return render_template(
        "staff/offline_payments.html", rows=rows, has_next=has_next,
        page=request.args.get("page", 1, type=int),
    )  # fmt: skip


@bp.route("/<lang>/staff/offline-payments/new", methods=["GET", "POST"])
@staff_required
def record_offline_payment():
    """The form (prefilled for the reader `?email=` names), and recording what it says."""
    today = datetime.now(UTC).date()
    form = OfflinePaymentForm()
    reader = accounts.find_user(form.email.data or request.args.get("email", ""))
    if request.method == "GET":
        form.email.data = reader.email if reader else request.args.get("email", "")
        form.received_on.data = today
        form.covers_from.data = offline_payments.next_start(reader, today)
    if form.validate_on_submit():
        entry = OfflineEntry(
            email=form.email.data, amount=form.amount_minor, currency=form.currency.data,
            method=OfflineMethod(form.method.data), covers_from=form.covers_from.data,
            covers_until=form.covers_until_day, received_on=form.received_on.data,
            reference=(form.reference.data or "").strip(), note=(form.note.data or "").strip(),
            lang=form.language.data or g.lang,
        )  # fmt: skip
        try:
            payment, created = offline_payments.record_offline_payment(current_user, entry)
        except offline_payments.Overlaps as clash:
            db.session.rollback()
            form.covers_from.errors = [_overlap_message(clash.payment)]
        else:
            db.session.commit()
            _recorded_notice(payment, created)
            return redirect(url_for("staff.supporter", lang=g.lang, user_id=payment.user_id))
    return render_template("staff/offline_payment_form.html", form=form, reader=reader)


def _overlap_message(payment: Payment) -> str:
    first, last = payment.covers_from, payment.covers_until
    return _("This period overlaps the one already recorded from %(first)s to %(last)s. Start it "
             "the day after, or void that entry first.",
             first=long_date(first) if first else "", last=long_date(last) if last else "")  # fmt: skip


def _recorded_notice(payment: Payment, created: bool) -> None:
    flash(_("Payment recorded: a membership from %(first)s to %(last)s.",
            first=long_date(payment.covers_from), last=long_date(payment.covers_until)))  # fmt: skip
    reader = db.session.get(User, payment.user_id)
    if created:  # the receipt emailed to them carries the link
        flash(_("An account was made for %(email)s, and a link to set a password sent to it.",
                email=reader.email))  # fmt: skip
    if reader.membership is not None and reader.membership.status in membership.PAID_WITH_ACCESS:
        flash(_("This reader also has a live Stripe subscription: it goes on charging and sets "
                "their status. Cancel or refund it at Stripe if they meant to pay this way instead."))  # fmt: skip


@bp.post("/<lang>/staff/offline-payments/<int:payment_id>/void")
@staff_required
def void_offline_payment(payment_id):
    payment = db.session.get(Payment, payment_id)
    if payment is None or payment.kind != PaymentKind.OFFLINE:
        abort(404)
    form = VoidOfflinePaymentForm()
    fallback = (
        url_for("staff.supporter", lang=g.lang, user_id=payment.user_id)
        if payment.user_id else url_for("staff.offline_payments_list", lang=g.lang)
    )  # fmt: skip
    back = safe_next(request.form.get("next"), fallback)
    if not form.validate_on_submit():
        flash(_("Say why the entry is voided: the reason stays in the audit log."))
        return redirect(back)
    try:
        told = offline_payments.void_offline_payment(
            current_user, payment, form.reason.data.strip()
        )
    except offline_payments.NotVoidable:
        db.session.rollback()
        flash(_("This entry is voided already."))
    else:
        db.session.commit()
        flash(_("The entry is voided: it counts nowhere, and its membership days are withdrawn."))
        if told:
            flash(_("The reader has been emailed that its receipt is withdrawn."))
    return redirect(back)
