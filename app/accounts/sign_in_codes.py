"""Signing in with a code by email: ask for one, enter it, or press the one button of the emailed
link's page. This browser's session remembers who is signing in and where they go after (for the
support form: the choice made there, continued at payment; for the gift form: the gift order)."""

from flask import (
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..auth import sign_in
from ..currency import support_currency
from ..errors import limit_wait_seconds, wait_in_words
from ..extensions import limiter
from ..i18n import path_in
from ..services import accounts, sign_in_codes
from ..services.sign_in_codes import Problem
from ..urls import safe_next
from . import bp
from .forms import CODE_FORMAT, CodeLinkForm, CodeRequestForm, SignInCodeForm

# {"email", "next", "support", "gift"}: the code sign-in this browser started
PENDING = "sign_in_code"
# The support form's choice (billing.routes._choice_of: amount, frequency, prompt...), kept
# across signing in for billing.continue_support to pay.
SUPPORT_CHOICE = "support_choice"
# The gift form's order (billing.gift_pages._remembered), kept across signing in for
# billing.continue_gift to check again and pay.
GIFT_ORDER = "gift_order"
SENT = "sign_in_code_sent"


def limited_page(_limit):
    """The 429 page of the code limits (the delete page's emailed code counts toward them too),
    saying roughly how long to wait (the app's 429 handler adds `Retry-After`)."""
    seconds = limit_wait_seconds()
    unit, amount = wait_in_words(seconds) if seconds else (None, None)
    page = render_template("accounts/code_limited.html", unit=unit, amount=amount)
    return _private(make_response(page, 429))


def _email_key() -> str:
    return "sign-in-code:" + accounts.normalize_email(request.form.get("email", ""))


# Codes sent to one address, counted only when one was sent: the support form shares this limit.
code_email_limit = limiter.shared_limit(
    lambda: current_app.config["RATELIMIT_SIGN_IN_CODE_EMAIL"], scope="sign-in-code-email",
    key_func=_email_key, methods=["POST"], deduct_when=lambda _response: bool(g.get(SENT)),
    on_breach=limited_page,
)  # fmt: skip
_requests_per_ip = limiter.limit(
    lambda: current_app.config["RATELIMIT_SIGN_IN_CODE_IP"], methods=["POST"],
    on_breach=limited_page,
)  # fmt: skip
_tries_per_ip = limiter.limit(
    lambda: current_app.config["RATELIMIT_SIGN_IN_IP"], methods=["POST"], on_breach=limited_page
)


def _minutes() -> int:
    return int(sign_in_codes.LIFETIME.total_seconds() // 60)


def _link_expired():
    page = render_template("accounts/code_link_expired.html", minutes=_minutes())
    return _private(make_response(page, 400))


def _private(response):
    response.headers["Cache-Control"] = "private, no-store"
    return response


def start_code_sign_in(
    email: str, next_url: str = "", support: dict | None = None, again: bool = False,
    gift: dict | None = None,
) -> str:  # fmt: skip
    """Email `email` a code (or, without an account, the offer to make one) and remember in this
    session who is signing in, where they go after, and the support form's choice or the gift
    form's order if it came from one; returns the code page's address. A new code asked for
    `again` from the code page keeps where the first one was going."""
    email = accounts.normalize_email(email)
    pending = _pending()
    if again and pending is not None and pending["email"] == email:
        support, next_url = pending.get("support"), pending.get("next", "")
        gift = pending.get("gift")
    sign_in_codes.request_code(email, g.lang, next_url)
    setattr(g, SENT, True)  # counts toward the per-address limit
    entry = {"email": email, "next": next_url, "support": support}
    session[PENDING] = entry if gift is None else {**entry, "gift": gift}
    return url_for("accounts.enter_code", lang=g.lang)


def _pending() -> dict | None:
    pending = session.get(PENDING)
    return pending if isinstance(pending, dict) and pending.get("email") else None


def problem_message(checked: sign_in_codes.Checked) -> str:
    """Why a code did not sign in (or confirm a deletion), in the page's language."""
    if checked.problem == Problem.MALFORMED:
        return str(CODE_FORMAT)
    if checked.problem == Problem.WRONG:
        return ngettext("That code is not right. You have %(num)d try left.",
                        "That code is not right. You have %(num)d tries left.", checked.tries_left)  # fmt: skip
    if checked.problem == Problem.TOO_MANY_TRIES:
        return _("That code was tried too many times and no longer works. Ask for a new one below.")
    return _("This code has expired or has already been used. Ask for a new one below.")


def _signed_in(user, pending: dict, remember: bool = False):
    """Signed in by code: where the reader was going (in the language of the page they signed in
    on, which the language link may have changed since), the support form's or the gift form's
    payment, or (staff with two-factor sign-in) the second factor first."""
    support, gift = pending.get("support"), pending.get("gift")
    target = safe_next(
        path_in(pending.get("next", ""), g.lang), url_for("readers.home", lang=g.lang)
    )
    code_page = sign_in(user, remember=remember, next_url=target)  # a fresh session
    if code_page:
        return redirect(code_page)
    if isinstance(support, dict):
        session[SUPPORT_CHOICE] = support
        return redirect(url_for("billing.continue_support", lang=g.lang))
    if isinstance(gift, dict):
        session[GIFT_ORDER] = gift
        return redirect(url_for("billing.continue_gift", lang=g.lang))
    return redirect(target)


@bp.route("/<lang>/sign-in/email", methods=["GET", "POST"])
@_requests_per_ip
@code_email_limit
def request_code():
    form = CodeRequestForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        next_url, again = safe_next(form.next.data, ""), form.again.data == "1"
        return redirect(start_code_sign_in(form.email.data, next_url, again=again))
    return render_template("accounts/code_request.html", form=form)


@bp.route("/<lang>/sign-in/email/code", methods=["GET", "POST"])
@_tries_per_ip
def enter_code():
    pending = _pending()
    if pending is None:
        return redirect(url_for("accounts.request_code", lang=g.lang))
    form = SignInCodeForm()
    if form.validate_on_submit():
        checked = sign_in_codes.check_code(pending["email"], form.code.data)
        if checked.user is not None:
            return _signed_in(checked.user, pending, remember=form.remember.data)
        form.code.errors.append(problem_message(checked))
    page = render_template(
        "accounts/code_enter.html", form=form, email=pending["email"],
        next=path_in(pending.get("next", ""), g.lang),
        choice=pending.get("support"), gift=pending.get("gift"), currency=support_currency(),
        minutes=_minutes(),
    )  # fmt: skip
    return _private(make_response(page))


@bp.route("/<lang>/sign-in/email/link/<token>", methods=["GET", "POST"])
@_tries_per_ip
def code_link(token):
    """The emailed link: a page with one button (a form with CSRF), so the GET a mail scanner
    makes signs nobody in and spends nothing."""
    link = sign_in_codes.read_link(token)
    if link is None or not sign_in_codes.is_current(link):
        return _link_expired()
    form = CodeLinkForm()
    if form.validate_on_submit():
        checked = sign_in_codes.check_code(link.email, link.code, from_link=True)
        if checked.user is not None:
            pending = _pending()
            same_browser = pending is not None and pending["email"] == link.email
            return _signed_in(checked.user, pending if same_browser else {"next": link.next_url})
        return _link_expired()
    signed_in_as = current_user.email if current_user.is_authenticated else None
    page = render_template(
        "accounts/code_link.html", form=form, email=link.email, signed_in_as=signed_in_as
    )
    return _private(make_response(page))
