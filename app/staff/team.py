"""Staff accounts, managed by admins only: roles and two-factor resets, each audited."""

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..auth import admin_required
from ..extensions import db
from ..labels import role_label
from ..models import Role, User
from ..services import accounts, staff, two_factor
from . import bp
from .forms import StaffAccountForm


@bp.route("/<lang>/staff/team", methods=["GET", "POST"])
@admin_required
def team():
    form = StaffAccountForm()
    if form.validate_on_submit():
        role = Role(form.role.data)
        try:
            user, created = staff.appoint(current_user, form.email.data, role, g.lang)
        except staff.OwnAccount:
            flash(_("You cannot change your own role: another admin can."))
            return redirect(url_for("staff.team", lang=g.lang))
        db.session.commit()
        if created:
            accounts.send_set_password_link(user)
        flash(_("Role of %(email)s: %(role)s.", email=user.email, role=role_label(role)))
        return redirect(url_for("staff.team", lang=g.lang))
    members = db.session.scalars(
        select(User).where(User.role.in_([Role.STAFF, Role.ADMIN])).order_by(User.email)
    )
    return render_template("staff/team.html", form=form, members=list(members))


@bp.get("/<lang>/staff/team/<int:user_id>/remove")
@admin_required
def confirm_remove_staff(user_id):
    """The one-button page that asks before an account loses its staff access."""
    user = db.session.get(User, user_id) or abort(404)
    if user.role not in (Role.STAFF, Role.ADMIN):
        return redirect(url_for("staff.team", lang=g.lang))
    return render_template("staff/team_remove.html", member=user)


@bp.post("/<lang>/staff/team/<int:user_id>/remove")
@admin_required
def remove_staff(user_id):
    """Staff access removed once confirmed on the page above; a post without it asks first."""
    user = db.session.get(User, user_id) or abort(404)
    if request.form.get("confirm") != "yes":
        return redirect(url_for("staff.confirm_remove_staff", lang=g.lang, user_id=user.id))
    try:
        staff.set_role(current_user, user, Role.READER)
    except staff.OwnAccount:
        flash(_("You cannot remove your own staff access."))
    else:
        db.session.commit()
        flash(_("%(email)s is no longer staff.", email=user.email))
    return redirect(url_for("staff.team", lang=g.lang))


@bp.post("/<lang>/staff/team/<int:user_id>/two-factor/reset")
@admin_required
def reset_two_factor(user_id):
    """A lost phone: the account enrols again at its next sign-in (and is signed out now)."""
    user = db.session.get(User, user_id) or abort(404)
    try:
        two_factor.reset_for(current_user, user)
    except two_factor.TwoFactorError:
        flash(
            _("You cannot reset your own two-factor sign-in here; use a code on your account page.")
        )
    else:
        flash(_("Two-factor sign-in of %(email)s is reset: they set it up again when they next sign in.",
                email=user.email))  # fmt: skip
    return redirect(url_for("staff.team", lang=g.lang))
