"""Paying: the support form, the payment page (Stripe's Payment Element), the return page and
members managing their support. Stripe's webhook has its own blueprint, `app.webhooks`."""

from flask import Blueprint

bp = Blueprint("billing", __name__)

from . import cancelling, gift_pages, manage, raising, routes  # noqa: E402, F401
