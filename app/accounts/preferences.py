"""Email preferences on the account page, and the one-click unsubscribe link in optional emails."""

from flask import flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from ..extensions import csrf
from ..services import preferences
from . import bp
from .forms import EmailPreferencesForm, UnsubscribeForm

ONE_CLICK = "One-Click"  # RFC 8058: mail clients POST `List-Unsubscribe=One-Click`


def _private(page: str, status: int = 200):
    """Unsubscribe pages carry a token for one account: never stored by a cache."""
    response = make_response(page, status)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/<lang>/account/email-preferences")
@login_required
def change_email_preferences():
    form = EmailPreferencesForm()
    if form.validate_on_submit():
        preferences.set_receipt_preference(current_user, form.receipts_monthly.data)
        flash(_("Your email preferences have been saved."))
    return redirect(url_for("accounts.account", lang=g.lang))


@bp.route("/<lang>/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the proof; mail clients' one-click POST carries no CSRF token
def unsubscribe(token):
    found = preferences.read_unsubscribe_token(token)
    if found is None:
        return _private(render_template("accounts/unsubscribe_invalid.html"), 400)
    user, list_name = found
    form = UnsubscribeForm()
    one_click = request.method == "POST" and request.form.get("List-Unsubscribe") == ONE_CLICK
    if one_click or form.validate_on_submit():
        preferences.unsubscribe(user, list_name)
        return _private(render_template("accounts/unsubscribed.html"))
    status = 400 if request.method == "POST" else 200
    email = Markup("<bdi>%s</bdi>") % user.email  # an address stays whole inside Arabic text
    return _private(render_template("accounts/unsubscribe.html", form=form, email=email), status)
