"""Reader accounts: register, sign in and out, passwords, email, the account page."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)

from . import preferences, receipts, routes, second_factor, sign_in_codes  # noqa: E402, F401
