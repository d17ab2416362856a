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
from flask_login import current_user

from ..extensions import limiter
from ..payments import get_gateway
from ..payments.gateway import GatewayError
from ..services import billing, prompts, sandbox_flow
from . import bp
from .forms import AuthenticateForm, SupportForm, TestCardForm
from .messages import DECLINE_MESSAGES, REFUSAL_MESSAGES, UNAVAILABLE
from .support import parse_support_choice

ATTEMPTS_IN_SESSION = 20


def _form(**kwargs) -> SupportForm:
    prompt = prompts.get_active_prompt(g.lang)
    return SupportForm(
        currency=current_app.config["SUPPORT_CURRENCY"],
        presets=list(prompt.monthly_amounts) if prompt else [100, 500, 1000],
        needs_email=not current_user.is_authenticated, **kwargs,
    )  # fmt: skip


def _support_email_key():
    return "support:" + (request.form.get("email") or str(current_user.get_id() or "")).lower()


@bp.get("/<lang>/support")
def support():
    choice = parse_support_choice(request.args)
    if choice.prompt_id:
        prompts.record_prompt_event(choice.prompt_id, "clicks")
    form = _form(data={"frequency": choice.frequency, "prompt": choice.prompt_id or "",
                       "amount": str(choice.amount) if choice.amount else "other"})  # fmt: skip
    return render_template("billing/support.html", form=form, choice=choice)


@bp.post("/<lang>/support")
@limiter.limit(lambda: current_app.config["RATELIMIT_SUPPORT_IP"])
@limiter.limit(lambda: current_app.config["RATELIMIT_SUPPORT_ACCOUNT"], key_func=_support_email_key)
def start():
    form = _form()
    if not form.validate_on_submit():
        return render_template("billing/support.html", form=form, choice=None), 400
    try:
        checkout = billing.start_support(
            user=current_user if current_user.is_authenticated else None,
            email=form.email.data, amount=form.minor_amount(), frequency=form.frequency.data,
            covers_fee=form.covers_fee.data, lang=g.lang, ip=request.remote_addr,
            prompt_id=int(form.prompt.data) if (form.prompt.data or "").isdigit() else None,
        )  # fmt: skip
    except billing.SupportRefused as refused:
        if refused.reason == "sign_in_first":
            return redirect(
                url_for("accounts.login", lang=g.lang, next=url_for("billing.support", lang=g.lang))
            )
        form.form_errors.append(REFUSAL_MESSAGES[refused.reason])
        return render_template("billing/support.html", form=form, choice=None), 422
    except GatewayError:
        form.form_errors.append(UNAVAILABLE)
        return render_template("billing/support.html", form=form, choice=None), 503
    _remember_attempt(checkout.attempt_key)
    return redirect(url_for("billing.pay", lang=g.lang, key=checkout.attempt_key))


@bp.get("/<lang>/support/pay/<key>")
def pay(key):
    attempt = _own_attempt(key)
    try:
        secret = billing.client_secret_for(attempt)
    except GatewayError:
        return render_template("billing/message.html", title=_("Payment"), message=UNAVAILABLE), 503
    if attempt.status == "succeeded" or not secret:
        return redirect(url_for("billing.done", lang=g.lang, key=key))
    return _payment_page(attempt, secret, TestCardForm())


@bp.post("/<lang>/support/pay/<key>/test-card")
def pay_with_test_card(key):
    attempt = _own_attempt(key)
    form = TestCardForm()
    if not form.validate_on_submit():
        return _payment_page(attempt, billing.client_secret_for(attempt), form), 400
    outcome = sandbox_flow.pay_with_test_card(
        billing.client_secret_for(attempt), form.card_number.data
    )
    if outcome.status == "requires_action":
        return redirect(url_for("billing.authenticate", lang=g.lang, key=key))
    if outcome.status == "declined":
        form.card_number.errors.append(
            DECLINE_MESSAGES.get(outcome.code, DECLINE_MESSAGES["generic_decline"])
        )
        return _payment_page(attempt, billing.client_secret_for(attempt), form), 402
    return redirect(url_for("billing.done", lang=g.lang, key=key))


@bp.route("/<lang>/support/pay/<key>/authenticate", methods=["GET", "POST"])
def authenticate(key):
    attempt = _own_attempt(key)
    form = AuthenticateForm()
    if form.validate_on_submit():
        outcome = sandbox_flow.authenticate(
            billing.client_secret_for(attempt), approve=form.approve.data
        )
        if outcome.status == "declined":
            card_form = TestCardForm()
            card_form.card_number.errors.append(
                DECLINE_MESSAGES["payment_intent_authentication_failure"]
            )
            return _payment_page(attempt, billing.client_secret_for(attempt), card_form), 402
        return redirect(url_for("billing.done", lang=g.lang, key=key))
    return render_template("billing/authenticate.html", form=form, attempt=attempt)


@bp.get("/<lang>/support/done/<key>")
def done(key):
    """The return page: fulfils from a re-fetched subscription or payment, then welcomes or waits."""
    attempt = _own_attempt(key)
    return render_template("billing/done.html", attempt=attempt, state=_fulfil(attempt))


@bp.get("/<lang>/support/status/<key>")
def status(key):
    """What the return page polls: processing, succeeded or failed."""
    return jsonify(state=_fulfil(_own_attempt(key)))


def _fulfil(attempt) -> str:
    """The attempt's state after fulfilling what was paid; a provider hiccup just means 'processing'."""
    try:
        return billing.fulfil_attempt(attempt)
    except GatewayError:
        return "processing"


def _payment_page(attempt, secret, form):
    gateway = get_gateway()
    if gateway.name == "stripe":
        g.stripe_js = True
    return render_template(
        "billing/pay.html", attempt=attempt, client_secret=secret, form=form,
        gateway=gateway.name, publishable_key=gateway.publishable_key,
        return_url=url_for("billing.done", lang=g.lang, key=attempt.key, _external=True),
    )  # fmt: skip


def _remember_attempt(key: str) -> None:
    keys = [key, *session.get("attempts", [])][:ATTEMPTS_IN_SESSION]
    session["attempts"] = keys


def _own_attempt(key: str):
    """The attempt, if it is this browser's (just started here) or the signed-in reader's."""
    attempt = billing.find_attempt(key)
    if attempt is None:
        abort(404)
    mine = key in session.get("attempts", []) or (
        current_user.is_authenticated and attempt.user_id == current_user.id
    )
    if not mine:
        abort(404)
    return attempt
