"""Staff accounts, managed by admins only."""

from functools import wraps

from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..auth import staff_required
from ..extensions import db
from ..models import Role, User
from ..services import accounts, audit
from . import bp
from .forms import StaffAccountForm


def admin_required(view):
    @staff_required
    @wraps(view)
    def wrapper(*args, **kwargs):
        if current_user.role != Role.ADMIN:
            abort(404)
        return view(*args, **kwargs)

    return wrapper


@bp.route("/<lang>/staff/team", methods=["GET", "POST"])
@admin_required
def team():
    form = StaffAccountForm()
    if form.validate_on_submit():
        role = Role(form.role.data)
        user = accounts.find_user(form.email.data)
        created = user is None
        if created:
            user = accounts.create_user(form.email.data, None, g.lang, role=role)
        user.role = role
        audit.record(current_user, "staff role", user.email, subject=user, role=role.value)
        db.session.commit()
        if created:
            accounts.send_set_password_link(user)
        flash(_("%(email)s is now %(role)s.", email=user.email, role=role.value))
        return redirect(url_for("staff.team", lang=g.lang))
    members = db.session.scalars(
        select(User).where(User.role.in_([Role.STAFF, Role.ADMIN])).order_by(User.email)
    )
    return render_template("staff/team.html", form=form, members=list(members))


@bp.post("/<lang>/staff/team/<int:user_id>/remove")
@admin_required
def remove_staff(user_id):
    user = db.session.get(User, user_id) or abort(404)
    if user.id == current_user.id:
        flash(_("You cannot remove your own staff access."))
    else:
        user.role = Role.READER
        audit.record(current_user, "staff removed", user.email, subject=user)
        db.session.commit()
        flash(_("%(email)s is no longer staff.", email=user.email))
    return redirect(url_for("staff.team", lang=g.lang))
