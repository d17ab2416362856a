from flask import render_template
from sqlalchemy import select

from ..auth import staff_required
from ..extensions import db
from ..models import OutboxMessage
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
