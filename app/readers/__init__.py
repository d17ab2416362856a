"""What readers see: the home page, articles, listings, the support page and the prompt beacon."""

from flask import Blueprint

bp = Blueprint("readers", __name__)

from . import routes  # noqa: E402, F401
