"""Paying: the support form, the payment page (Stripe's Payment Element or the sandbox's test-card
form), the return page, members managing their support, and the Stripe webhook."""

from flask import Blueprint

bp = Blueprint("billing", __name__)

from . import manage, routes, webhook  # noqa: E402, F401
