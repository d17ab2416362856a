"""Supporter metrics against hand-computed figures."""

from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest

from app.extensions import db
from app.models import Payment
from app.services import membership, metrics
from app.services.membership import CompGrant, SubscriptionSnapshot

NOW = datetime.now(UTC)
pytestmark = pytest.mark.usefixtures("now_at_start")
DAY = timedelta(days=1)


@pytest.fixture
def member(make_user):
    """Factory: a reader whose subscription is in a given state."""
    count = iter(range(1000))

    def make(
        status="active", amount=500, interval="month", currency="usd", cancel=False, period_end=None
    ):
        user = make_user(f"m{next(count)}@example.org")
        snapshot = SubscriptionSnapshot(
            subscription_id=f"sub_{user.id}", status=status, created=NOW, cancel_at_period_end=cancel,
            current_period_end=period_end or NOW + 20 * DAY, amount=amount, currency=currency, interval=interval,
        )  # fmt: skip
        membership.apply(user, snapshot, "test", now=NOW)
        db.session.commit()
        return user

    return make


def test_mrr_counts_a_twelfth_of_annual_plans_per_currency(member, make_user):
    """Monthly at their amount, annual at a twelfth, currencies apart; comps and donations count nothing."""
    member(amount=500)
    member(amount=12000, interval="year")  # 1,000 a month
    member(amount=300, cancel=True)  # ending: counted until the period ends
    member(amount=700, cancel=True, period_end=NOW - DAY)  # ended: not counted
    member(amount=1000, currency="eur")
    member(status="past_due", amount=200)  # failing, still counted (and at risk)
    comp = make_user("comp@example.org")
    membership.apply(comp, CompGrant(until=None), "comp")
    db.session.add(Payment(kind="donation", amount=5000, currency="usd", status="paid"))
    db.session.commit()
    assert metrics.mrr(NOW) == {"usd": Fraction(2000), "eur": Fraction(1000)}
    figures = metrics.overview(NOW)
    assert figures.active_supporters == 5
    assert figures.complimentary == 1
    assert figures.failing == 1 and figures.at_risk == {"usd": Fraction(200)}
    assert figures.donations == {"usd": (1, 5000)}
    assert figures.average_per_supporter("usd") == Fraction(2000, 5)


def test_annual_amounts_stay_exact(member):
    """A yearly 1,000 is 83⅓ a month: kept exact, not rounded per member."""
    member(amount=1000, interval="year")
    member(amount=1000, interval="year")
    assert metrics.mrr(NOW) == {"usd": Fraction(2000, 12)}


def test_new_churned_and_reactivated_this_month(member):
    """Movements come from the status history: joins, lapses and returns in this month."""
    staying = member()
    leaving = member()
    returning = member()
    later = NOW + timedelta(seconds=1)
    for user, status in ((leaving, "canceled"), (returning, "canceled")):
        membership.apply(
            user, SubscriptionSnapshot(f"sub_{user.id}", status, later), "lapsed", now=later
        )
    again = later + timedelta(seconds=1)
    membership.apply(
        returning, SubscriptionSnapshot(f"sub_{returning.id}", "active", again), "back", now=again
    )
    db.session.commit()
    figures = metrics.overview(again + timedelta(seconds=1))
    assert (figures.new, figures.churned, figures.reactivated) == (3, 2, 1)
    assert figures.active_supporters == 2 and staying.membership.status.value == "active"
    # at the start of the month: 2 active now - 3 new - 1 back + 2 gone = 0 -> no rate to speak of
    assert figures.churn_rate is None


def test_recovered_revenue_and_weekly_movements(member):
    """A renewal that failed then succeeded counts as recovered; weeks count joins."""
    user = member()
    for paid_at, failure in ((NOW - 30 * DAY, None), (NOW, "insufficient_funds")):
        db.session.add(Payment(user_id=user.id, kind="subscription", amount=500, currency="usd",
                               status="paid", failure_code=failure, interval="month",
                               subscription_id=f"sub_{user.id}", paid_at=paid_at))  # fmt: skip
    db.session.commit()
    # "This month" is the month the rows were written in (their updated_at): read it right after
    # writing them, not a day on, which on a month's last day is next month.
    assert metrics.overview(datetime.now(UTC)).recovered == {"usd": 500}
    weeks = metrics.weekly_movements(now=NOW + timedelta(seconds=1))
    assert len(weeks) == 12 and weeks[-1][1] == 1


def test_only_renewals_paid_after_a_failure_count_as_recovered(member):
    """Recovered this month: renewals that failed and were then paid (past due, then active), not a
    first payment that went through after a decline. By hand: the $5 and €10 renewals, 500 and
    1,000; not the $7 first payment, nor the $3 renewal still failing."""

    def payments(user, *rows):
        for amount, currency, status, failure, paid_at in rows:
            db.session.add(Payment(user_id=user.id, kind="subscription", amount=amount,
                                   currency=currency, status=status, failure_code=failure,
                                   interval="month", subscription_id=f"sub_{user.id}",
                                   paid_at=paid_at))  # fmt: skip

    month_ago = NOW - 31 * DAY
    payments(
        member(), (500, "usd", "paid", None, month_ago), (500, "usd", "paid", "expired_card", NOW)
    )
    payments(member(amount=700), (700, "usd", "paid", "generic_decline", NOW))  # a first payment
    payments(member(amount=1000, currency="eur"), (1000, "eur", "paid", None, month_ago),
             (1000, "eur", "paid", "insufficient_funds", NOW))  # fmt: skip
    payments(member(status="past_due", amount=300), (300, "usd", "paid", None, month_ago),
             (300, "usd", "failed", "insufficient_funds", None))  # fmt: skip
    db.session.commit()
    assert metrics.overview(NOW).recovered == {"usd": 500, "eur": 1000}


def test_cash_history_from_paid_invoices(make_user):
    """Monthly invoices count in their month; annual ones a twelfth for twelve months; a payment
    recorded twice (a repeated event) counts once."""
    from app.services import money

    user = make_user()
    for _ in range(2):
        money.record_payment(user, kind="subscription", invoice_id="in_month", amount=500, currency="usd",
                             status="paid", interval="month")  # fmt: skip
    money.record_payment(user, kind="subscription", invoice_id="in_year", amount=12000,
                         currency="usd", status="paid", interval="year",
                         paid_at=NOW - timedelta(days=62))  # fmt: skip
    db.session.commit()
    history = metrics.cash_history(now=NOW)
    assert len(history) == 12
    assert history[-1][1]["usd"] == Fraction(1500)
    assert history[0][1] == {}  # a year ago: neither payment yet
