"""Two-factor sign-in: the code page of a half-signed-in account, enrolment (a QR code, the first
code, then the recovery codes shown once) and resetting one's own with a code."""

from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required
from markupsafe import Markup

from ..auth import finish_sign_in, mark_code_checked, pending_user, sign_in
from ..extensions import limiter
from ..services import two_factor
from ..urls import safe_next
from . import bp
from .forms import EnrolCodeForm, ResetTwoFactorForm, SecondFactorForm

ENROLLING = "two_factor_enrolling"  # the secret being enrolled, until its first code is given
WRONG_CODE = _l(
    "That code is not right. Codes change every 30 seconds: enter the one your app shows now."
)


def _account_key() -> str:
    user = pending_user() or (current_user if current_user.is_authenticated else None)
    return f"two-factor:{user.id}" if user is not None else f"two-factor:{get_remote_address()}"


def _limited(view):
    """Code tries are limited per client IP, and per account across every page that takes one."""
    per_ip = limiter.limit(lambda: current_app.config["RATELIMIT_TWO_FACTOR_IP"], methods=["POST"])
    per_account = limiter.shared_limit(
        lambda: current_app.config["RATELIMIT_TWO_FACTOR_ACCOUNT"],
        scope="two-factor-account",
        key_func=_account_key,
        methods=["POST"],
    )
    return per_ip(per_account(view))


def _home() -> str:
    return url_for("readers.home", lang=g.lang)


@bp.route("/<lang>/sign-in/code", methods=["GET", "POST"])
@_limited
def second_factor():
    user = pending_user()
    if user is None:
        return redirect(url_for("accounts.login", lang=g.lang))
    if user.totp_secret is None:
        return redirect(url_for("accounts.two_factor_setup", lang=g.lang))
    form = SecondFactorForm()
    if form.validate_on_submit():
        outcome = two_factor.check(user, form.code.data)
        if outcome is not None:
            target = safe_next(finish_sign_in(user), _home())
            if outcome == "recovery":
                flash(_("You signed in with a recovery code, which is now used up. Recovery codes left: %(count)s.",
                        count=two_factor.recovery_codes_left(user)))  # fmt: skip
            return redirect(target)
        form.code.errors.append(str(WRONG_CODE))
    return render_template("accounts/second_factor.html", form=form)


@bp.route("/<lang>/two-factor/setup", methods=["GET", "POST"])
@_limited
def two_factor_setup():
    """Staff only: for a half-signed-in account that must enrol, or a signed-in one choosing to."""
    pending = pending_user()
    user = pending or (
        current_user._get_current_object() if current_user.is_authenticated else None
    )
    if user is None:
        return redirect(url_for("accounts.login", lang=g.lang, next=request.full_path.rstrip("?")))
    if not user.is_staff:
        abort(404)
    if user.totp_secret is not None:
        done = "accounts.second_factor" if pending else "accounts.two_factor_settings"
        return redirect(url_for(done, lang=g.lang))
    stash = session.get(ENROLLING)
    if not isinstance(stash, dict) or stash.get("uid") != user.id:
        stash = session[ENROLLING] = {"uid": user.id, "secret": two_factor.new_secret()}
    secret = stash["secret"]
    form = EnrolCodeForm()
    if form.validate_on_submit():
        codes = two_factor.enrol(user, secret, form.code.data)
        if codes is not None:
            session.pop(ENROLLING, None)
            if pending:
                next_url = finish_sign_in(user)
            else:
                mark_code_checked(user)
                next_url = ""
            return render_template(
                "accounts/recovery_codes.html", codes=codes,
                next_url=safe_next(next_url, url_for("staff.overview", lang=g.lang)),
            )  # fmt: skip
        form.code.errors.append(str(WRONG_CODE))
    uri = two_factor.provisioning_uri(user, secret)
    title = _("QR code to scan with your authenticator app")
    qr = Markup(two_factor.qr_svg(uri, title))  # noqa: S704 - segno's SVG escapes its one text, the title
    return render_template(
        "accounts/two_factor_setup.html", form=form, qr=qr, secret=two_factor.grouped(secret)
    )


@bp.route("/<lang>/account/two-factor", methods=["GET", "POST"])
@login_required
@_limited
def two_factor_settings():
    """Whether two-factor sign-in is on; resetting one's own takes a code (a new phone)."""
    user = current_user._get_current_object()
    if not user.is_staff and user.totp_secret is None:
        abort(404)
    form = ResetTwoFactorForm()
    if user.totp_secret is not None and form.validate_on_submit():
        if two_factor.reset_own(user, form.code.data):
            code_page = sign_in(user)  # signed out everywhere else; here, on (or enrolling again)
            flash(_("Two-factor sign-in is off."))
            return redirect(code_page or url_for("accounts.two_factor_settings", lang=g.lang))
        form.code.errors.append(str(WRONG_CODE))
    return render_template(
        "accounts/two_factor_settings.html", form=form,
        left=two_factor.recovery_codes_left(user) if user.totp_secret else 0,
        required=two_factor.required_by_setting(user),
    )  # fmt: skip
