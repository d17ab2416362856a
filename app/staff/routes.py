from flask import abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from ..auth import staff_required
from ..extensions import db
from ..models import OutboxMessage
from ..services import sandbox_flow
from . import bp


@bp.get("/<lang>/staff/outbox")
@staff_required
def outbox():
    """Messages the site would have emailed, when no SMTP server is configured (development)."""
    messages = db.session.scalars(
        select(OutboxMessage)
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .limit(100)
    ).all()
    return render_template("staff/outbox.html", messages=messages)


@bp.route("/<lang>/staff/sandbox", methods=["GET", "POST"])
@staff_required
def sandbox():
    """Move sandbox subscriptions through their lifecycle: renewals paid or failed, cancel, refund."""
    try:
        if request.method == "POST":
            action, subscription_id = (
                request.form.get("action", ""),
                request.form.get("subscription", ""),
            )
            if action not in sandbox_flow.ACTIONS or not subscription_id:
                abort(400)
            result = sandbox_flow.advance_subscription(subscription_id, action)
            flash(f"{subscription_id}: {result}")
            return redirect(url_for("staff.sandbox", lang=g.lang))
        subscriptions = sandbox_flow.list_subscriptions()
    except sandbox_flow.NotSandbox:
        abort(404)
    return render_template(
        "staff/sandbox.html", subscriptions=subscriptions, actions=sandbox_flow.ACTIONS
    )
