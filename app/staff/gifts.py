"""Gift memberships: given, redeemed, waiting, refunded, and the money they brought."""

from datetime import UTC, datetime

from flask import render_template

from ..auth import staff_required
from ..services import gift_figures
from ..services.measures import month_start
from . import bp


@bp.get("/<lang>/staff/gifts")
@staff_required
def gift_list():
    since = month_start(datetime.now(UTC))
    return render_template(
        "staff/gifts.html", figures=gift_figures.gift_figures(since), since=since,
        gifts=gift_figures.recent_gifts(),
    )  # fmt: skip
