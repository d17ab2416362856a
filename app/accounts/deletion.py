"""Deleting an account: what it does to a membership, said before the button, and a check that
the person at this signed-in browser is the account's owner.

An account with a password gives it. One without (made by the support or gift form, by staff,
or for a payment recorded outside Stripe: its owner signs in with emailed codes) proves the same
the way it signs in: a sign-in code emailed to its address, with the code's own 10 minutes and 5
tries. Typing the address would be simpler, but the address is on the account page for anyone
at a signed-in browser to read; only the mailbox's owner can read the code.
"""

from datetime import UTC, datetime

from flask import current_app, flash, g, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, logout_user

from ..extensions import limiter
from ..models import Membership, MembershipStatus
from ..payments.gateway import GatewayError
from ..services import accounts, billing, checkout, sign_in_codes
from ..utc import aware
from . import bp
from .forms import DeleteAccountForm, DeleteByCodeForm, DeleteCodeRequestForm
from .sign_in_codes import limited_page, problem_message

UNAVAILABLE_TO_DELETE = _l(
    "Our payment service is not answering, so your support could not be stopped and your account "
    "was not deleted. Please try again in a few minutes."
)
CODE_SENT = "delete_code_sent"  # this session has emailed a code to confirm the deletion

# Codes emailed to one address: the same count as the sign-in form's (sign_in_codes).
_codes_per_address = limiter.shared_limit(
    lambda: current_app.config["RATELIMIT_SIGN_IN_CODE_EMAIL"], scope="sign-in-code-email",
    key_func=lambda: "sign-in-code:" + (current_user.email if current_user.is_authenticated else ""),
    methods=["POST"], on_breach=limited_page,
)  # fmt: skip


def _paid_until(membership: Membership | None) -> datetime | None:
    """The end of the period already paid for, while it is still ahead (the page says it is
    not refunded); None when nothing paid is running (a payment overdue, say)."""
    if membership is None:
        return None
    ends = {
        MembershipStatus.ACTIVE: membership.current_period_end,
        MembershipStatus.ENDING: membership.current_period_end,
        MembershipStatus.PAUSED: membership.paid_until,
    }.get(membership.status)
    if ends is None:
        return None
    ends = aware(ends)
    return ends if ends > datetime.now(UTC) else None


def _page(form, status: int = 200):
    user = current_user._get_current_object()
    page = render_template(
        "accounts/delete.html", form=form, subscribed=checkout.live_subscription(user) is not None,
        paid_until=_paid_until(user.membership), by_code=user.password_hash is None,
        code_sent=session.get(CODE_SENT) == user.email, request_form=DeleteCodeRequestForm(),
    )  # fmt: skip
    return page, status


def _confirmed(form) -> bool:
    """Whether the form proves the owner: the password, or the emailed code (not spent by this:
    should Stripe not answer, the same code serves again; deleting the account leaves none)."""
    user = current_user._get_current_object()
    if isinstance(form, DeleteAccountForm):
        if accounts.authenticate(user.email, form.password.data) is None:
            form.password.errors.append(_("Your password is not right."))
            return False
        return True
    checked = sign_in_codes.prove_code(user.email, form.code.data)
    if checked.user is None or checked.user.id != user.id:
        form.code.errors.append(problem_message(checked))
        return False
    return True


def _field(form):
    """The field a problem with the deletion is shown under."""
    return form.password if isinstance(form, DeleteAccountForm) else form.code


@bp.route("/<lang>/account/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    """The page, and deleting: the subscription at Stripe first (billing.delete_account), then
    the account; Stripe unreachable, nothing is deleted."""
    form = DeleteAccountForm() if current_user.password_hash is not None else DeleteByCodeForm()
    if form.validate_on_submit() and _confirmed(form):
        try:
            billing.delete_account(current_user._get_current_object())
        except GatewayError:
            _field(form).errors.append(str(UNAVAILABLE_TO_DELETE))
            return _page(form, 503)
        logout_user()
        session.clear()
        flash(_("Your account has been deleted."))
        return redirect(url_for("readers.home", lang=g.lang))
    return _page(form)


@bp.post("/<lang>/account/delete/code")
@login_required
@_codes_per_address
def email_delete_code():
    """Email the account's address a sign-in code, to be typed on the delete page."""
    form = DeleteCodeRequestForm()
    if form.validate_on_submit():
        sign_in_codes.request_code(current_user.email, g.lang)
        session[CODE_SENT] = current_user.email
        flash(_("We have emailed a code to %(email)s.", email=current_user.email))
    return redirect(url_for("accounts.delete_account", lang=g.lang))
