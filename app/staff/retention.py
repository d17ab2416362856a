"""Why members cancel and what kept them; the asks to give a little more."""

from flask import render_template, request

from ..auth import staff_required
from ..services import raises, retention
from . import bp

PERIODS = (30, 90, 365)


@bp.get("/<lang>/staff/cancellations")
@staff_required
def cancellations():
    days = request.args.get("days", 90, type=int)
    days = days if days in PERIODS else 90
    figures = retention.cancellation_figures(days)
    return render_template(
        "staff/cancellations.html", figures=figures, days=days, periods=PERIODS,
        offers=retention.OFFERS, raises=raises.raise_figures(figures.since),
    )  # fmt: skip
