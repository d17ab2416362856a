"""Account views: parse the form, call one service, render or redirect."""

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from ..auth import code_checked, sign_in
from ..extensions import limiter
from ..models import ReadingMode
from ..services import accounts, checkout, gifts, membership, raises, receipts
from ..urls import safe_next
from . import bp
from .forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    EmailPreferencesForm,
    FirstPasswordForm,
    LanguageForm,
    LoginForm,
    PasswordLinkForm,
    ReadingModeForm,
    RegisterForm,
    ResetForm,
    ResetRequestForm,
)


def _limit(setting: str, per_account: bool = False):
    """A POST rate limit read from the config, keyed by client IP or by the form's email."""
    if per_account:
        return limiter.limit(
            lambda: current_app.config[setting],
            key_func=lambda: "account:" + accounts.normalize_email(request.form.get("email", "")),
            methods=["POST"],
        )
    return limiter.limit(lambda: current_app.config[setting], methods=["POST"])


def _home():
    return url_for("readers.home", lang=g.lang)


def _sign_in(user, remember: bool = False, next_url: str = "", checked: bool = False) -> str | None:
    """A fresh session at every sign-in; for an account that needs its code, the page asking for it."""
    return sign_in(user, remember=remember, next_url=next_url, code_checked=checked)


@bp.route("/<lang>/register", methods=["GET", "POST"])
@_limit("RATELIMIT_REGISTER_IP")
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = accounts.register(form.email.data, form.password.data, g.lang)
        except accounts.EmailTaken:
            form.email.errors.append(
                _("An account with this email already exists. Sign in instead.")
            )
        else:
            _sign_in(user)
            flash(_("Welcome! We have emailed you a link to confirm your address."))
            return redirect(url_for("accounts.account", lang=g.lang))
    return render_template("accounts/register.html", form=form)


@bp.route("/<lang>/login", methods=["GET", "POST"])
@_limit("RATELIMIT_SIGN_IN_IP")
@_limit("RATELIMIT_SIGN_IN_ACCOUNT", per_account=True)
def login():
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is not None:
            target = safe_next(form.next.data, _home())
            return redirect(_sign_in(user, form.remember.data, next_url=target) or target)
        form.password.errors.append(_("That email and password do not match an account."))
    return render_template("accounts/login.html", form=form)


@bp.post("/<lang>/logout")
@login_required
def logout():
    accounts.sign_out_everywhere(current_user)
    logout_user()
    session.clear()
    return redirect(_home())


@bp.route("/<lang>/reset-password", methods=["GET", "POST"])
@_limit("RATELIMIT_RESET_IP")
@_limit("RATELIMIT_RESET_ACCOUNT", per_account=True)
def request_reset():
    form = ResetRequestForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data, g.lang)
        return render_template("accounts/reset_sent.html")
    return render_template("accounts/reset_request.html", form=form)


@bp.route("/<lang>/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token):
    """Choose a password from an emailed link: a reset, or the first password of an account made
    without one (the support or gift form, staff, an offline payment)."""
    linked = accounts.user_for_reset(token)
    if linked is None:
        return render_template("accounts/link_invalid.html"), 400
    first = linked.password_hash is None
    form = FirstPasswordForm() if first else ResetForm()
    if form.validate_on_submit():
        user = accounts.reset_password(token, form.password.data)
        code_page = _sign_in(user)
        flash(_("Your password has been set.") if first else _("Your password has been changed."))
        return redirect(code_page or url_for("accounts.account", lang=g.lang))
    return render_template("accounts/reset.html", form=form, first=first)


@bp.get("/<lang>/confirm-email/<token>")
def confirm_email(token):
    if accounts.confirm_email(token) is None:
        return render_template("accounts/link_invalid.html"), 400
    flash(_("Thank you: your email address is confirmed."))
    return redirect(url_for("accounts.account", lang=g.lang))


@bp.get("/<lang>/account")
@login_required
def account():
    return render_template(
        "accounts/account.html",
        membership=current_user.membership,
        payments=receipts.history_of(current_user),
        gifts=gifts.gifts_of(current_user),
        language_form=LanguageForm(language=current_user.language),
        email_preferences_form=EmailPreferencesForm(receipts_monthly=current_user.receipts_monthly),
        raise_ask=raises.ask_for(current_user),
        declined=checkout.declined_first_payment(current_user),
    )


@bp.post("/<lang>/account/language")
@login_required
def change_language():
    form = LanguageForm()
    if form.validate_on_submit():
        accounts.set_language(current_user, form.language.data)
        return redirect(url_for("accounts.account", lang=form.language.data))
    return redirect(url_for("accounts.account", lang=g.lang))


@bp.post("/<lang>/account/reading-mode")
@login_required
def change_reading_mode():
    """Members' side-by-side choice, remembered on the account (JavaScript or a plain form)."""
    form = ReadingModeForm()
    if not membership.perks_for(current_user).language_toggle:
        return {"error": _("This is a member perk.")}, 403
    if not form.validate_on_submit() or form.mode.data not in set(ReadingMode):
        return {"error": _("Unknown reading mode.")}, 400
    accounts.set_reading_mode(current_user, ReadingMode(form.mode.data))
    if request.accept_mimetypes.best == "application/json":
        return {"mode": form.mode.data}
    return redirect(safe_next(request.form.get("next"), _home()))


@bp.route("/<lang>/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    if current_user.password_hash is None:
        # Nothing may have proved the address yet (the support form signs its payer in): the
        # first password is chosen from a link sent to it, never on a page of this session.
        return render_template("accounts/password_link.html", form=PasswordLinkForm())
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if accounts.authenticate(current_user.email, form.current.data) is None:
            form.current.errors.append(_("Your current password is not right."))
        else:
            user = current_user._get_current_object()
            checked = code_checked()
            accounts.set_password(user, form.password.data)
            code_page = _sign_in(user, checked=checked)
            flash(_("Your password has been changed."))
            return redirect(code_page or url_for("accounts.account", lang=g.lang))
    return render_template("accounts/password.html", form=form)


@bp.post("/<lang>/account/password/link")
@login_required
@_limit("RATELIMIT_RESET_IP")
@limiter.limit(
    lambda: current_app.config["RATELIMIT_RESET_ACCOUNT"],
    key_func=lambda: f"account:{current_user.email}",
)
def email_password_link():
    """An account without a password: its address is emailed the link to choose one."""
    if current_user.password_hash is not None or not PasswordLinkForm().validate_on_submit():
        return redirect(url_for("accounts.change_password", lang=g.lang))
    accounts.send_set_password_link(current_user._get_current_object(), asked=True)
    flash(_("We have emailed a link to choose a password to %(email)s.", email=current_user.email))
    return redirect(url_for("accounts.account", lang=g.lang))


@bp.route("/<lang>/account/email", methods=["GET", "POST"])
@login_required
def change_email():
    form = ChangeEmailForm()
    if form.validate_on_submit():
        try:
            accounts.request_email_change(current_user, form.email.data)
        except accounts.EmailTaken:
            form.email.errors.append(_("An account with this email already exists."))
        else:
            flash(_("We have sent a confirmation link to your new address."))
            return redirect(url_for("accounts.account", lang=g.lang))
    return render_template("accounts/email.html", form=form)


@bp.get("/<lang>/account/email/<token>")
def confirm_email_change(token):
    try:
        user = accounts.change_email(token)
    except accounts.EmailTaken:
        user = None
    if user is None:
        return render_template("accounts/link_invalid.html"), 400
    flash(_("Your email address has been changed."))
    return redirect(url_for("accounts.account", lang=g.lang))
