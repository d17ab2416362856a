"""Supporters: the searchable list, the CSV export, one supporter's page and staff actions."""

from datetime import UTC, datetime, timedelta

from flask import (
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from .. import currency as money_units
from ..auth import admin_required, staff_required
from ..extensions import db
from ..models import User
from ..services import audit, membership, money, staff, supporters
from . import bp
from .forms import GrantForm, SupporterFilterForm


def _filters() -> tuple[SupporterFilterForm, supporters.SupporterQuery]:
    """The list's filters from the query string (invalid ones are ignored)."""
    form = SupporterFilterForm(request.args)
    form.validate()

    currency = current_app.config["SUPPORT_CURRENCY"]

    def amount(field):
        return money_units.to_minor_units(field.data, currency) if field.data else None

    return form, supporters.SupporterQuery(
        q=form.q.data or "", status=form.status.data or "", interval=form.interval.data or "",
        min_amount=amount(form.min_amount), max_amount=amount(form.max_amount), lang=form.language.data or "",
        since=form.since.data, subscriptions=form.subscriptions.data or "",
        source=form.source.data or "",
        sort=form.sort.data or "newest", page=request.args.get("page", 1, type=int),
    )  # fmt: skip


@bp.get("/<lang>/staff/supporters")
@staff_required
def supporter_list():
    form, query = _filters()
    rows, has_next = supporters.find_supporters(query)
    return render_template(
        "staff/supporters.html", form=form, rows=rows, has_next=has_next, query=query
    )


@bp.get("/<lang>/staff/supporters.csv")
@staff_required
def supporter_export():
    _, query = _filters()
    audit.record(current_user, "export", "supporters.csv", filters=request.args.to_dict())
    db.session.commit()
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    return Response(
        stream_with_context(supporters.export_csv(query)), mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="supporters-{stamp}.csv"',
                 "Cache-Control": "private, no-store"},
    )  # fmt: skip


def _supporter(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.get("/<lang>/staff/supporters/<int:user_id>")
@staff_required
def supporter(user_id):
    user = _supporter(user_id)
    return render_template(
        "staff/supporter.html", supporter=user, timeline=supporters.timeline(user),
        payments=money.payments_of(user), grant_form=GrantForm(until=(datetime.now(UTC) + timedelta(days=365)).date()),
    )  # fmt: skip


@bp.post("/<lang>/staff/supporters/<int:user_id>/grant")
@staff_required
def grant(user_id):
    user = _supporter(user_id)
    form = GrantForm()
    if form.validate_on_submit():
        # Through the end of the chosen day (its last second), so the day shown is the one chosen.
        until = datetime.combine(form.until.data, datetime.min.time(), UTC) + timedelta(
            days=1, seconds=-1
        )
        audit.record(
            current_user, "grant", user.email, subject=user, until=form.until.data.isoformat()
        )
        membership.grant_comp(user, until, "complimentary membership granted by staff")
        db.session.commit()
        flash(_("Complimentary membership granted."))
    return redirect(url_for("staff.supporter", lang=g.lang, user_id=user.id))


@bp.post("/<lang>/staff/supporters/<int:user_id>/revoke")
@staff_required
def revoke(user_id):
    user = _supporter(user_id)  # CSRFProtect has checked the form's token
    audit.record(current_user, "revoke", user.email, subject=user)
    membership.revoke_comp(user, "complimentary membership revoked by staff")
    db.session.commit()
    flash(_("Complimentary membership revoked."))
    return redirect(url_for("staff.supporter", lang=g.lang, user_id=user.id))


@bp.post("/<lang>/staff/supporters/<int:user_id>/set-password-email")
@admin_required
def resend_set_password(user_id):
    user = _supporter(user_id)
    try:
        staff.resend_set_password_link(current_user, user)
    except staff.StaffAccount:
        flash(_("Staff and admin accounts set their own passwords: no link is sent for them. "
                "They can use “Forgot your password?” on the sign-in page."))  # fmt: skip
    except staff.NotAllowed:
        flash(_("This account has been deleted."))
    else:
        flash(_("The set-password email has been sent again."))
    return redirect(url_for("staff.supporter", lang=g.lang, user_id=user.id))
