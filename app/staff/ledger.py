"""The webhook ledger: every event received, filterable, with replay for failed or parked ones."""

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..auth import staff_required
from ..extensions import db
from ..labels import event_state_label
from ..models import WebhookEvent
from ..services import audit, ledger
from . import bp

STATES = ("received", "applied", "ignored", "parked", "failed")
PER_PAGE = 50


@bp.get("/<lang>/staff/webhooks")
@staff_required
def webhook_list():
    query = select(WebhookEvent).order_by(WebhookEvent.received_at.desc(), WebhookEvent.id)
    event_type, state = request.args.get("type", ""), request.args.get("state", "")
    if event_type:
        query = query.where(WebhookEvent.type == event_type)
    if state in STATES:
        query = query.where(WebhookEvent.state == state)
    page = max(request.args.get("page", 1, type=int), 1)
    rows = db.session.scalars(query.limit(PER_PAGE + 1).offset((page - 1) * PER_PAGE)).all()
    return render_template("staff/webhooks.html", events=rows[:PER_PAGE], has_next=len(rows) > PER_PAGE,
                           page=page, states=STATES, event_type=event_type, state=state)  # fmt: skip


@bp.get("/<lang>/staff/webhooks/<event_id>")
@staff_required
def webhook(event_id):
    event = db.session.get(WebhookEvent, event_id) or abort(404)
    return render_template("staff/webhook.html", event=event)


@bp.post("/<lang>/staff/webhooks/<event_id>/replay")
@staff_required
def replay(event_id):
    event = db.session.get(WebhookEvent, event_id) or abort(404)
    if event.state not in ("failed", "parked"):
        flash(_("Only failed or parked events can be replayed."))
    else:
        audit.record(current_user, "replay", event_id, type=event.type)
        db.session.commit()
        outcome = ledger.replay(event_id).outcome
        flash(_("Replayed: %(outcome)s.", outcome=event_state_label(outcome)))
    return redirect(url_for("staff.webhook", lang=g.lang, event_id=event_id))
