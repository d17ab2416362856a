"""Staff pages (staff and admin roles only): overview, supporters, prompts, the webhook ledger,
the audit log, staff accounts (admin), the outbox, the supporter emails' previews and, with a
Stripe test key, test mode."""

from flask import Blueprint

bp = Blueprint("staff", __name__)

from . import emails, ledger, prompts, routes, supporters, team, testmode  # noqa: E402, F401
