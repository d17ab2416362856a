"""Machine-facing endpoints: the payment provider's webhook (no session, no CSRF, no pages)."""

from flask import Blueprint

bp = Blueprint("webhooks", __name__)

from . import routes  # noqa: E402, F401
