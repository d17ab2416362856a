"""The staff figures' definitions against hand-computed figures: MRR history from the membership
history, churn rates, retention, lifetime value, and new supporters and revenue per source."""

from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Article, MembershipChange, Payment, PaymentAttempt, Prompt
from app.services import membership, metrics, trends
from app.services.membership import CompGrant, SubscriptionSnapshot

NOW = datetime(2026, 6, 15, 12, tzinfo=UTC)


def at(month, day):
    return datetime(2026, month, day, 9, tzinfo=UTC)


@pytest.fixture
def reader(make_user):
    """Factory: a reader, to whom `step(...)` then applies subscription snapshots at given times."""
    count = iter(range(1000))

    def make():
        return make_user(f"r{next(count)}@example.org")

    return make


def step(user, when, status="active", amount=500, interval="month", cancel=False, period_end=None):
    """The reader's subscription as Stripe reports it at `when`, applied then."""
    snapshot = SubscriptionSnapshot(
        subscription_id=f"sub_{user.id}", status=status, created=when, cancel_at_period_end=cancel,
        current_period_end=period_end or when + timedelta(days=30), amount=amount, currency="usd",
        interval=interval,
    )  # fmt: skip
    membership.apply(user, snapshot, "test", now=when)
    db.session.commit()


def test_mrr_history_reads_each_month_end_from_the_membership_history(reader):
    """A raise, an annual plan ending at its period's end, a lapse and a failing card, month by
    month; the current month is the headline MRR."""
    a, b, c, d = reader(), reader(), reader(), reader()
    step(c, at(1, 5), amount=300)
    step(c, at(3, 15), status="canceled", amount=300)
    step(a, at(2, 10), amount=500)
    step(a, at(4, 5), amount=1000)  # the amount alone changes: a history row all the same
    step(b, at(3, 20), amount=12000, interval="year", period_end=at(5, 10) + timedelta(days=365))
    step(b, at(4, 10), amount=12000, interval="year", cancel=True, period_end=at(5, 10))
    step(d, at(5, 1), amount=200)
    step(d, at(5, 20), status="past_due", amount=200)

    history = trends.mrr_history(months=6, now=NOW)

    assert [(s.month.month, s.supporters, s.mrr) for s in history] == [
        (1, 1, {"usd": Fraction(300)}),  # C
        (2, 2, {"usd": Fraction(800)}),  # A 500 + C 300
        (3, 2, {"usd": Fraction(1500)}),  # A 500 + B 12000/12; C lapsed
        (4, 2, {"usd": Fraction(2000)}),  # A raised to 1000 + B (ending in May)
        (5, 2, {"usd": Fraction(1200)}),  # A + D (failing, still counted); B's period is over
        (6, 2, {"usd": Fraction(1200)}),  # now
    ]
    assert history[-1].mrr == metrics.mrr(NOW)
    raised = db.session.scalar(
        select(func.count()).where(
            MembershipChange.membership_id == a.membership.id, MembershipChange.amount == 1000
        )
    )
    assert raised == 1


def test_churn_rate_has_no_value_without_anyone_active_on_the_first(reader):
    """Joined and left this month: no monthly rate; the rolling one is 1 ÷ (0 + 1)."""
    user = reader()
    step(user, at(6, 3))
    step(user, at(6, 10), status="canceled")
    figures = metrics.overview(NOW)
    assert figures.churn_rate is None
    assert (figures.churned_30_days, figures.rolling_churn) == (1, Fraction(1))


def test_monthly_and_rolling_churn(reader):
    """Four supporters since April: one leaves on 25 May, one on 5 June; one joins on 2 June.
    This month: 1 ÷ 3 active on the 1st. Last 30 days: 2 ÷ (4 active on 16 May + 1 new)."""
    staying, leaving_may, leaving_june, also_staying = (reader() for _ in range(4))
    for user in (staying, leaving_may, leaving_june, also_staying):
        step(user, at(4, 1))
    step(leaving_may, at(5, 25), status="canceled")
    step(leaving_june, at(6, 5), status="canceled")
    step(reader(), at(6, 2))
    figures = metrics.overview(NOW)
    assert (figures.active_supporters, figures.new, figures.churned) == (3, 1, 1)
    assert figures.churn_rate == Fraction(1, 3)
    assert (figures.churned_30_days, figures.rolling_churn) == (2, Fraction(2, 5))


def test_retention_by_the_month_supporters_started(reader, make_user):
    """Each supporter counts in the month they first started; "still" is paying now. A lapse and
    return keeps the first month; a complimentary membership never started paying."""
    feb_stays, feb_lapsed, feb_back, april, june = (reader() for _ in range(5))
    for user in (feb_stays, feb_lapsed, feb_back):
        step(user, at(2, 3))
    step(feb_lapsed, at(3, 1), status="canceled")
    step(feb_back, at(3, 2), status="canceled")
    step(feb_back, at(5, 2))
    step(april, at(4, 9))
    step(june, at(6, 1))
    membership.apply(make_user("comp@example.org"), CompGrant(until=None), "comp", now=at(3, 3))
    db.session.commit()
    assert [(m.month, n, still) for m, n, still in trends.retention(months=6, now=NOW)] == [
        (1, 0, 0), (2, 3, 2), (3, 0, 0), (4, 1, 1), (5, 0, 0), (6, 1, 1),
    ]  # fmt: skip


def _payment(user, amount, kind="subscription", **fields):
    fields = {"currency": "usd", "status": "paid", "paid_at": NOW, **fields}
    interval = "month" if kind == "subscription" else None
    payment = Payment(user_id=user.id, kind=kind, amount=amount, interval=interval, **fields)
    db.session.add(payment)
    return payment


def test_average_lifetime_value(reader):
    """Subscription money kept (refunds and lost disputes taken off) ÷ supporters who ever paid;
    donations count nothing here."""
    one, two = reader(), reader()
    _payment(one, 500)
    _payment(one, 500, amount_refunded=200)
    _payment(one, 500)
    _payment(two, 12000, status="disputed", dispute_status="lost")
    _payment(two, 1000)
    _payment(two, 5000, kind="donation")
    db.session.commit()
    # (1,500 - 200 + 0 + 1,000) ÷ 2
    assert metrics.lifetime_value() == {"usd": Fraction(2300, 2)}


def _article(slug):
    article = Article(lang="en", slug=slug, story_key=slug, title=slug.title(), body="<p>x</p>",
                      published_at=NOW)  # fmt: skip
    db.session.add(article)
    db.session.flush()
    return article


def test_new_supporters_and_revenue_per_article_and_prompt(reader):
    """Each subscription's and donation's money, all time, goes to the article and prompt of the attempt
    that started it; new supporters to the membership's."""
    x, y = _article("siege"), _article("harvest")
    prompt = db.session.scalar(select(Prompt).where(Prompt.lang == "en"))
    started = []
    for source, prompt_id in ((x, prompt.id), (x, prompt.id), (y, None), (None, None)):
        user = reader()
        step(user, at(5, 1))
        user.membership.article_id = source.id if source else None
        user.membership.prompt_id = prompt_id
        db.session.add(PaymentAttempt(key=f"k{user.id}", user_id=user.id, kind="subscription",
                                      amount=500, currency="usd", subscription_id=f"sub_{user.id}",
                                      article_id=user.membership.article_id, prompt_id=prompt_id))  # fmt: skip
        started.append(user)
    first, second, third, fourth = started
    _payment(first, 500, subscription_id=f"sub_{first.id}")
    _payment(first, 500, subscription_id=f"sub_{first.id}")
    _payment(second, 1000, subscription_id=f"sub_{second.id}", amount_refunded=100)
    _payment(third, 300, subscription_id=f"sub_{third.id}")
    _payment(fourth, 700, subscription_id=f"sub_{fourth.id}")
    # a donation from the first article, by someone who is no member
    giver = reader()
    db.session.add(PaymentAttempt(key="donation", user_id=giver.id, kind="donation", amount=2000,
                                  currency="usd", payment_intent_id="pi_donation", article_id=x.id))  # fmt: skip
    _payment(giver, 2000, kind="donation", payment_intent_id="pi_donation")
    db.session.commit()

    articles = {row.id: (row.label, row.new_supporters, row.revenue) for row in trends.by_article()}
    assert articles == {
        x.id: ("Siege", 2, {"usd": 500 + 500 + 1000 - 100 + 2000}),
        y.id: ("Harvest", 1, {"usd": 300}),
        None: (None, 1, {"usd": 700}),
    }
    # most new supporters first, then most money
    assert [row.id for row in trends.by_article()] == [x.id, None, y.id]
    prompts = {row.id: (row.new_supporters, row.revenue) for row in trends.by_prompt()}
    assert prompts == {prompt.id: (2, {"usd": 1900}), None: (2, {"usd": 300 + 700 + 2000})}
