"""Reader accounts: register, sign in and out, passwords, email, the account page."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)

from . import (  # noqa: E402, F401
    deletion,
    preferences,
    receipts,
    routes,
    second_factor,
    sign_in_codes,
)
