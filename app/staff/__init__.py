"""Staff pages (staff and admin roles only): overview, supporters, payments received outside
Stripe, prompts, the webhook ledger, the audit log, staff accounts (admin), the outbox, the
supporter emails' previews and, with a Stripe test key, test mode."""

from flask import Blueprint

bp = Blueprint("staff", __name__)

from . import (  # noqa: E402, F401
    emails,
    gifts,
    ledger,
    offline,
    prompt_tests,
    prompts,
    retention,
    routes,
    supporters,
    team,
    testmode,
)
