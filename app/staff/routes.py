"""The overview, its charts, the audit log and the outbox."""

from flask import (
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..auth import staff_required
from ..extensions import cache, db
from ..i18n import format_locale, text_direction
from ..models import MailState, OutboxMessage
from ..services import audit, mail, metrics, offline_figures, trends
from . import bp, charts

CHART_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"


def _history() -> dict:
    """The charts' series, computed once a minute (the page's tables and the images share them)."""
    key = "staff:history"
    series = cache.get(key)
    if series is None:
        series = {
            "mrr": trends.mrr_history(), "cash": metrics.cash_history(),
            "weeks": metrics.weekly_movements(), "retention": trends.retention(),
        }  # fmt: skip
        cache.set(key, series, timeout=60)
    return series


@bp.get("/<lang>/staff/")
@staff_required
def overview():
    return render_template(
        "staff/overview.html", figures=metrics.overview(), history=_history(),
        articles=trends.by_article(), prompts=trends.by_prompt(),
        offline=offline_figures.this_month(), offline_members=offline_figures.members_now(),
        offline_cash=offline_figures.cash_by_month(),
    )  # fmt: skip


def _svg(name: str, currency: str, narrow: bool) -> str:
    rtl, locale, history = text_direction(g.lang) == "rtl", format_locale(g.lang), _history()
    if name == "mrr":
        months = [(standing.month, standing.mrr) for standing in history["mrr"]]
        return charts.mrr_chart(months, currency, _("MRR at the end of each month"), _("MRR"),
                                rtl, locale, narrow)  # fmt: skip
    if name == "cash":
        return charts.mrr_chart(history["cash"], currency, _("Cash collected from memberships, last 12 months"),
                                _("Cash collected"), rtl, locale, narrow)  # fmt: skip
    if name == "movements":
        return charts.movements_chart(history["weeks"], _("New and churned supporters per week"),
                                      _("New"), _("Churned"), rtl, locale, narrow)  # fmt: skip
    if name == "retention":
        return charts.retention_chart(history["retention"], _("Supporters by the month they started"),
                                      _("Started"), _("Still supporting"), rtl, locale, narrow)  # fmt: skip
    abort(404)


@bp.get("/<lang>/staff/charts/<name>.svg")
@staff_required
def chart(name):
    """The overview's charts as SVG images (an <img> runs no script; its own CSP allows its styles);
    `?size=narrow`: the rendition for small screens."""
    currency = request.args.get("currency") or current_app.config["SUPPORT_CURRENCY"]
    narrow = request.args.get("size") == "narrow"
    response = Response(_svg(name, currency, narrow), mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = CHART_POLICY
    response.headers["Cache-Control"] = "private, max-age=60"
    return response


@bp.get("/<lang>/staff/audit")
@staff_required
def audit_log():
    return render_template(
        "staff/audit.html", entries=audit.recent(before_id=request.args.get("before", type=int))
    )


@bp.get("/<lang>/staff/outbox")
@staff_required
def outbox():
    """The messages the site sends and their delivery. Bodies only outside production: they carry
    set-password and reset links, which are the accounts themselves."""
    messages = db.session.scalars(
        select(OutboxMessage)
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .limit(100)
    ).all()
    show_bodies = current_app.config["ENV_NAME"] != "production"
    return render_template("staff/outbox.html", messages=messages, show_bodies=show_bodies)


@bp.post("/<lang>/staff/outbox/<int:message_id>/retry")
@staff_required
def retry_message(message_id):
    """A message that failed after its retries goes to the queue again (the mail server is back)."""
    message = db.session.get(OutboxMessage, message_id) or abort(404)
    if message.state != MailState.FAILED:
        flash(_("Only a message that failed can be sent again."))
    else:
        mail.retry(message)
        audit.record(current_user, "mail sent again", message.to, message_id=message.id)
        db.session.commit()
        flash(_("The message is queued again."))
    return redirect(url_for("staff.outbox", lang=g.lang))
