"""POST /stripe/webhook: no CSRF, no login, no redirect; the ledger decides the status."""

from flask import request
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import csrf, db
from ..services import ledger
from . import bp


@bp.post("/stripe/webhook")
@csrf.exempt
def stripe_webhook():
    try:
        delivery = ledger.receive(request.get_data(), request.headers.get("Stripe-Signature"))
    except SQLAlchemyError:  # the database is down: Stripe retries later
        db.session.rollback()
        return {"received": False}, 503
    return {"received": delivery.status == 200, "outcome": delivery.outcome}, delivery.status
