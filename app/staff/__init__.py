"""Staff pages (staff and admin roles only): overview, supporters, prompts, the webhook ledger,
the audit log, staff accounts (admin), the outbox and, with a Stripe test key, test mode."""

from flask import Blueprint

bp = Blueprint("staff", __name__)

from . import ledger, prompts, routes, supporters, team, testmode  # noqa: E402, F401
