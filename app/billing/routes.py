"""Support, payment and return pages. Views parse input, call one service, render or redirect."""

from flask import (
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..accounts.sign_in_codes import SUPPORT_CHOICE, code_email_limit, start_code_sign_in
from ..auth import sign_in
from ..currency import plain, preset_amounts, support_currency
from ..extensions import limiter
from ..payments.gateway import GatewayError
from ..services import checkout, gifts, prompts
from ..urls import external_url
from . import bp
from .forms import SupportForm
from .messages import DECLINE_MESSAGES, REFUSAL_MESSAGES, UNAVAILABLE
from .support import parse_support_choice, started_payment

ATTEMPTS_IN_SESSION = 20
# The attempt that made this browser's reader an account (signed in once it is paid).
NEW_ACCOUNT = "new_account_attempt"


def _form(**kwargs) -> SupportForm:
    prompt = prompts.get_active_prompt(g.lang)
    currency = support_currency()
    return SupportForm(
        currency=currency,
        presets=list(prompt.monthly_amounts) if prompt else preset_amounts(currency),
        needs_email=not current_user.is_authenticated, **kwargs,
    )  # fmt: skip


def _id(value: str | None) -> int | None:
    return int(value) if (value or "").isdigit() else None


def _support_email_key():
    return "support:" + (request.form.get("email") or str(current_user.get_id() or "")).lower()


@bp.get("/<lang>/support")
def support():
    choice = parse_support_choice(request.args)
    if choice.prompt_id:
        prompts.record_prompt_event(choice.prompt_id, "clicks")
    form = _form(data={"frequency": choice.frequency, "prompt": choice.prompt_id or "",
                       "article": choice.article_id or "", "variant": choice.variant_id or "",
                       "amount": str(choice.amount) if choice.amount else "other"})  # fmt: skip
    return render_template("billing/support.html", form=form, choice=choice)


@bp.post("/<lang>/support")
@limiter.limit(lambda: current_app.config["RATELIMIT_SUPPORT_IP"], deduct_when=started_payment)
@limiter.limit(
    lambda: current_app.config["RATELIMIT_SUPPORT_ACCOUNT"],
    key_func=_support_email_key,
    deduct_when=started_payment,
)
@code_email_limit
def start():
    form = _form()
    if not form.validate_on_submit():
        return render_template("billing/support.html", form=form, choice=None), 400
    return _begin(_choice_of(form), form, email=form.email.data)


@bp.get("/<lang>/support/continue")
@login_required
def continue_support():
    """Signed in with a code from the support form: straight on to paying for the choice made
    there (kept in this browser's session by that form's POST, and used once)."""
    choice = session.pop(SUPPORT_CHOICE, None)
    if not isinstance(choice, dict) or not isinstance(choice.get("amount"), int):
        return redirect(url_for("billing.support", lang=g.lang))
    return _begin(choice)


def _choice_of(form: SupportForm) -> dict:
    """What the reader chose on the support form, as kept across a code sign-in."""
    return {"amount": form.minor_amount(), "frequency": form.frequency.data,
            "covers_fee": bool(form.covers_fee.data), "prompt": _id(form.prompt.data),
            "article": _id(form.article.data), "variant": _id(form.variant.data)}  # fmt: skip


def _form_for(choice: dict) -> SupportForm:
    """The support form showing `choice` again (to say why it cannot be paid)."""
    form = _form(data={"frequency": choice["frequency"], "covers_fee": choice["covers_fee"],
                       "prompt": choice["prompt"] or "", "article": choice["article"] or "",
                       "variant": choice.get("variant") or ""})  # fmt: skip
    preset = str(choice["amount"])
    if preset in {option.value for option in form.amount.choices}:
        form.amount.data = preset
    else:
        form.amount.data, form.other_amount.data = "other", plain(choice["amount"], form.currency)
    return form


def _support_url(choice: dict) -> str:
    """The support page with `choice` preselected, as a prompt's link does it."""
    return url_for("billing.support", lang=g.lang, frequency=choice["frequency"],
                   amount=choice["amount"], prompt=choice["prompt"], article=choice["article"],
                   variant=choice.get("variant"))  # fmt: skip


def _begin(choice: dict, form: SupportForm | None = None, email: str | None = None):
    """Start paying for `choice`: the payment page, or the support form (`form`, or one showing
    `choice`) again saying why not. An email with an account gets a sign-in code, and after it
    this same payment."""
    try:
        started = checkout.start_support(
            user=current_user if current_user.is_authenticated else None, email=email,
            amount=choice["amount"], frequency=choice["frequency"],
            covers_fee=choice["covers_fee"], lang=g.lang, ip=request.remote_addr,
            prompt_id=choice["prompt"], article_id=choice["article"],
            variant_id=choice.get("variant"),
        )  # fmt: skip
    except checkout.SupportRefused as refused:
        if refused.reason == "sign_in_first":
            return redirect(start_code_sign_in(email or "", _support_url(choice), support=choice))
        form = form or _form_for(choice)
        form.form_errors.append(REFUSAL_MESSAGES[refused.reason])
        return render_template("billing/support.html", form=form, choice=None), 422
    except GatewayError:
        form = form or _form_for(choice)
        form.form_errors.append(UNAVAILABLE)
        return render_template("billing/support.html", form=form, choice=None), 503
    _remember_attempt(started.attempt_key)
    if started.new_account:
        session[NEW_ACCOUNT] = started.attempt_key
    return redirect(url_for("billing.pay", lang=g.lang, key=started.attempt_key))


@bp.get("/<lang>/support/pay/<key>")
def pay(key):
    """The payment page: Stripe's Payment Element confirms the attempt's payment in place."""
    attempt = _own_attempt(key)
    try:
        secret = checkout.client_secret_for(attempt)
    except GatewayError:
        return render_template("billing/message.html", title=_("Payment"), message=UNAVAILABLE), 503
    if attempt.status == "succeeded" or not secret:
        return redirect(url_for("billing.done", lang=g.lang, key=key))
    error = DECLINE_MESSAGES.get(request.args.get("failed", ""))
    return _payment_page(attempt, secret, error)


@bp.get("/<lang>/support/done/<key>")
def done(key):
    """The return page (Stripe redirects here): fulfils from a re-fetched subscription or payment,
    then welcomes or waits. A payment that failed (a decline, a failed 3-D Secure check) or was
    never confirmed goes back to the same payment page, where it can be tried again."""
    attempt = _own_attempt(key)
    state = _fulfil(attempt)
    if state in ("failed", "unpaid"):
        authentication = request.args.get("redirect_status") == "failed"
        failed = "payment_intent_authentication_failure" if authentication else None
        if state == "failed" and not authentication:
            failed = "generic_decline"
        return redirect(url_for("billing.pay", lang=g.lang, key=key, failed=failed))
    gift = gifts.gift_for_intent(attempt.payment_intent_id) if attempt.kind == "gift" else None
    signed_in = state == "succeeded" and _sign_in_new_supporter(attempt)
    return render_template("billing/done.html", attempt=attempt, state=state, gift=gift,
                           signed_in_now=signed_in)  # fmt: skip


@bp.get("/<lang>/support/status/<key>")
def status(key):
    """What the return page polls: processing, succeeded or failed."""
    return jsonify(state=_fulfil(_own_attempt(key)))


def _fulfil(attempt) -> str:
    """The attempt's state after fulfilling what was paid; a provider hiccup just means 'processing'."""
    try:
        if attempt.kind == "gift":
            return gifts.fulfil_gift_attempt(attempt)
        return checkout.fulfil_attempt(attempt)
    except GatewayError:
        return "processing"


def _payment_page(attempt, secret, error=None):
    g.stripe_js = True
    return render_template(
        "billing/pay.html", attempt=attempt, client_secret=secret, error=error,
        return_url=external_url("billing.done", lang=g.lang, key=attempt.key),
    )  # fmt: skip


def _sign_in_new_supporter(attempt) -> bool:
    """Sign in the reader whose account this paid attempt made, in the browser that started it:
    only when this session remembers that the attempt made the account here, and the account is
    still as it was made (`checkout.made_its_account`). Signing in starts a fresh session, which
    forgets the attempt, so it happens once. True when it signed them in."""
    if current_user.is_authenticated or session.get(NEW_ACCOUNT) != attempt.key:
        return False
    if not checkout.made_its_account(attempt):
        session.pop(NEW_ACCOUNT, None)
        return False
    return sign_in(attempt.user) is None


def _remember_attempt(key: str) -> None:
    keys = [key, *session.get("attempts", [])][:ATTEMPTS_IN_SESSION]
    session["attempts"] = keys


def _own_attempt(key: str):
    """The attempt, if it is this browser's (just started here) or the signed-in reader's."""
    attempt = checkout.find_attempt(key)
    if attempt is None:
        abort(404)
    mine = key in session.get("attempts", []) or (
        current_user.is_authenticated and attempt.user_id == current_user.id
    )
    if not mine:
        abort(404)
    return attempt
