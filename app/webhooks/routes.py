"""POST /stripe/webhook: no CSRF, no login, no redirect; the ledger decides the status."""

import logging

from flask import current_app, request
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import csrf, db
from ..services import ledger
from . import bp

log = logging.getLogger(__name__)


@bp.post("/stripe/webhook")
@csrf.exempt
def stripe_webhook():
    """Hand Stripe's raw body and signature to the ledger; answer what it decided (200, 400 or
    500), or 503 while the database is unreachable, so that Stripe retries."""
    limit = current_app.config["WEBHOOK_MAX_BYTES"]
    payload = request.stream.read(limit + 1)
    if len(payload) > limit:
        log.warning("refused a webhook body over %d bytes", limit)
        return {"received": False, "outcome": "too_large"}, 413
    try:
        delivery = ledger.receive(payload, request.headers.get("Stripe-Signature"))
    except SQLAlchemyError:
        db.session.rollback()
        return {"received": False}, 503
    return {"received": delivery.status == 200, "outcome": delivery.outcome}, delivery.status
