"""The staff figures read through the worker's summaries (`figures`, `member_figures`) agree with
the same figures summed over every row, before the summaries exist, right after the worker made
them, after rows changed behind them, and once the worker has caught up."""

from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest
from sqlalchemy import case, delete, func, select, update

from app.extensions import db
from app.jobs import schedule
from app.models import (
    Article,
    Membership,
    MembershipChange,
    Payment,
    PaymentAttempt,
    PaymentDay,
    Prompt,
    Refund,
)
from app.services import (
    figures,
    history_figures,
    measures,
    member_figures,
    membership,
    metrics,
    money_figures,
    summaries,
    trends,
)
from app.services.membership import CompGrant, SubscriptionSnapshot

NOW = datetime.now(UTC).replace(microsecond=0)
DAY = timedelta(days=1)
LONG_AGO = NOW - 400 * DAY  # when the rows were last written, for the summaries' sake
SINCE = datetime(NOW.year - 3, 1, 1, tzinfo=UTC)


# Each figure over every row, as the definitions have it ------------------------------------------


def lifetime_value_of_rows():
    rows = db.session.execute(
        select(Payment.currency, func.sum(measures.net_amount()), func.count(func.distinct(Payment.user_id)))
        .where(Payment.kind == "subscription", Payment.status.in_(measures.COLLECTED))
        .group_by(Payment.currency)
    ).all()  # fmt: skip
    return {currency: Fraction(int(total or 0), count) for currency, total, count in rows if count}


def cash_of_rows(since):
    """`metrics.cash_by_month`'s three sums, each over every row, merged per month."""
    paid, refunded, disputed = (measures.month_of(column)
                                for column in (Payment.paid_at, Refund.created, Payment.disputed_at))  # fmt: skip
    subscription = Payment.kind == "subscription"
    queries = [
        select(paid, Payment.interval, Payment.currency, func.sum(Payment.amount))
        .where(subscription, Payment.status.in_(measures.COLLECTED), Payment.paid_at >= since)
        .group_by(paid, Payment.interval, Payment.currency),
        select(refunded, Payment.interval, Payment.currency, -func.sum(Refund.amount))
        .join(Payment, Refund.payment_id == Payment.id)
        .where(subscription, Refund.status == "succeeded", Refund.created >= since)
        .group_by(refunded, Payment.interval, Payment.currency),
        select(disputed, Payment.interval, Payment.currency,
               -func.sum(Payment.amount - Payment.amount_refunded))
        .where(subscription, Payment.dispute_status.in_(measures.WITHDRAWN), Payment.disputed_at >= since)
        .group_by(disputed, Payment.interval, Payment.currency),
    ]  # fmt: skip
    return _merged(
        (str(m)[:10], i, c, int(t))
        for q in queries
        for m, i, c, t in db.session.execute(q)
        if m and i and t
    )


def _merged(rows):
    totals = {}
    for month, interval, currency, total in rows:
        key = (str(month)[:10], interval, currency)
        totals[key] = totals.get(key, 0) + total
    return {key: total for key, total in totals.items() if total}


def paying_of_rows(now):
    rows = db.session.execute(
        select(Membership.currency, Membership.interval, func.count(), func.coalesce(func.sum(Membership.amount), 0))
        .where(measures.paying(now)).group_by(Membership.currency, Membership.interval)
    ).all()  # fmt: skip
    count = sum(n for _, _, n, _ in rows)
    mrr = {}
    for currency, interval, _, amount in rows:
        if currency:
            share = {"month": Fraction(amount), "year": Fraction(amount, 12)}.get(
                interval, Fraction(0)
            )
            mrr[currency] = mrr.get(currency, Fraction(0)) + share
    return count, mrr


def starts_of_rows(now):
    """(month first started, memberships, paying now) and memberships started per article and prompt."""
    started = measures._started()
    month = measures.month_of(started.c.started)
    rows = db.session.execute(
        select(month, Membership.article_id, Membership.prompt_id, func.count(),
               func.sum(case((measures.paying(now), 1), else_=0)))
        .join_from(started, Membership, Membership.id == started.c.membership_id)
        .group_by(month, Membership.article_id, Membership.prompt_id)
    ).all()  # fmt: skip
    cohorts, by_article, by_prompt = {}, {}, {}
    for m, article, prompt, n, still in rows:
        before = cohorts.get(str(m)[:10], (0, 0))
        cohorts[str(m)[:10]] = (before[0] + n, before[1] + int(still or 0))
        by_article[article] = by_article.get(article, 0) + n
        by_prompt[prompt] = by_prompt.get(prompt, 0) + n
    return cohorts, by_article, by_prompt


# The figures as the pages read them -------------------------------------------------------------


def money_agrees():
    since = SINCE
    assert metrics.lifetime_value() == lifetime_value_of_rows()
    assert _merged((m, i, c, t) for m, i, c, t in metrics.cash_by_month(since)) == cash_of_rows(
        since
    )
    for source, column in (
        ("article", PaymentAttempt.article_id),
        ("prompt", PaymentAttempt.prompt_id),
    ):
        assert money_figures.revenue_by_source(source) == trends.revenue_by_attempt(column)


def members_agree(now):
    assert metrics.paying_totals(now) == paying_of_rows(now)
    cohorts, by_article, by_prompt = starts_of_rows(now)
    history = trends.retention(months=40, now=now)
    assert {str(m): (n, s) for m, n, s in history if n} == {
        m: v for m, v in cohorts.items() if str(history[0][0]) <= m <= str(history[-1][0])
    }
    assert trends._new_by("article", Membership.article_id) == by_article
    assert trends._new_by("prompt", Membership.prompt_id) == by_prompt
    moments = [figures.midnight(start) for start in measures.month_starts(14, now)]
    assert history_figures.standings(moments) == history_figures.stood_rows_for(moments)
    weeks = metrics.weekly_movements(weeks=20, now=now)
    new, churned = (
        measures.week_counts_of_rows(kind, weeks[0][0])
        for kind in (measures.NEW, measures._CHURNED)
    )
    assert weeks == [(week, new.get(week, 0), churned.get(week, 0)) for week, _, _ in weeks]


def backdate_every_write():
    """As if every row had been written long before the worker looks."""
    for model in (Payment, Membership, Refund):
        db.session.execute(update(model).values(updated_at=LONG_AGO))
    db.session.commit()


# The data ------------------------------------------------------------------------------------------


@pytest.fixture
def supporters(make_user):
    """Readers with three years of history: monthly and yearly plans started from articles and
    prompts, a raise, an end at the period's end, a lapse and a return, a comp, refunds in full and
    in part, a lost dispute, a failed and a recovered charge, donations."""
    x = Article(
        lang="en", slug="siege", story_key="siege", title="Siege", body="<p>x</p>", published_at=NOW
    )
    y = Article(
        lang="en",
        slug="harvest",
        story_key="harvest",
        title="Harvest",
        body="<p>y</p>",
        published_at=NOW,
    )
    db.session.add_all([x, y])
    db.session.flush()
    prompt = db.session.scalar(select(Prompt).where(Prompt.lang == "en"))
    people = []
    plans = [  # (months ago started, amount, interval, article, prompt, what happened after)
        (30, 500, "month", x, prompt, "raise"), (26, 12000, "year", y, None, "ending"),
        (20, 300, "month", None, prompt, "lapse"), (14, 1000, "month", x, None, "back"),
        (8, 500, "month", y, prompt, "past_due"), (3, 200, "month", None, None, ""),
        (1, 2500, "month", x, prompt, "ends_soon"),
    ]  # fmt: skip
    for n, (ago, amount, interval, article, source_prompt, story) in enumerate(plans):
        user = make_user(f"s{n}@example.org")
        start = NOW - ago * 30 * DAY
        step = 365 * DAY if interval == "year" else 30 * DAY

        def apply(when, status="active", cancel=False, period_end=None, plan=amount,
                  sub=f"sub_{user.id}", user=user, step=step, interval=interval):  # fmt: skip
            snapshot = SubscriptionSnapshot(
                subscription_id=sub, status=status, created=when, cancel_at_period_end=cancel,
                current_period_end=period_end or when + step, amount=plan, currency="usd", interval=interval,
            )  # fmt: skip
            membership.apply(user, snapshot, "test", now=when)

        apply(start)
        user.membership.article_id = article.id if article else None
        user.membership.prompt_id = source_prompt.id if source_prompt else None
        db.session.add(PaymentAttempt(key=f"a{user.id}", user_id=user.id, kind="subscription", amount=amount,
                                      currency="usd", subscription_id=f"sub_{user.id}",
                                      article_id=article.id if article else None,
                                      prompt_id=source_prompt.id if source_prompt else None))  # fmt: skip
        end = NOW if story not in ("lapse",) else start + 6 * step
        paid = start
        while paid <= end:
            db.session.add(Payment(user_id=user.id, kind="subscription", amount=amount, currency="usd",
                                   interval=interval, status="paid", paid_at=paid, created_at=paid,
                                   subscription_id=f"sub_{user.id}", invoice_id=f"in_{user.id}_{paid:%Y%m%d}"))  # fmt: skip
            paid += step
        if story == "raise":
            apply(start + 10 * step, plan=800)
        elif story == "ending":
            apply(NOW - 10 * DAY, cancel=True, period_end=NOW + 40 * DAY)
        elif story == "ends_soon":
            apply(NOW - 2 * DAY, cancel=True, period_end=NOW + 2 * DAY)
        elif story == "lapse":
            apply(end, status="canceled")
        elif story == "back":
            apply(start + 3 * step, status="canceled")
            apply(start + 6 * step, sub=f"sub_{user.id}_again")
        elif story == "past_due":
            apply(NOW - 3 * DAY, status="past_due")
        people.append(user)
    comp = make_user("comp@example.org")
    membership.apply(comp, CompGrant(until=None), "comp", now=NOW - 90 * DAY)
    db.session.flush()
    first, second, third = (db.session.scalars(select(Payment).where(Payment.user_id == u.id)).first()
                            for u in people[:3])  # fmt: skip
    first.status, first.amount_refunded = "refunded", first.amount
    db.session.add(Refund(id="re_1", payment_id=first.id, amount=first.amount, currency="usd",
                          status="succeeded", created=first.paid_at + 3 * DAY))  # fmt: skip
    second.amount_refunded = 1000
    db.session.add(Refund(id="re_2", payment_id=second.id, amount=1000, currency="usd", status="succeeded",
                          created=second.paid_at + 5 * DAY))  # fmt: skip
    third.status, third.dispute_status, third.disputed_at = (
        "disputed",
        "lost",
        third.paid_at + 9 * DAY,
    )
    db.session.add(Payment(user_id=people[4].id, kind="subscription", amount=500, currency="usd",
                           interval="month", status="failed", created_at=NOW - 3 * DAY))  # fmt: skip
    giver = make_user("giver@example.org")
    for k, ago in enumerate((700, 200, 2)):
        intent = f"pi_{k}"
        db.session.add(PaymentAttempt(key=f"d{k}", user_id=giver.id, kind="donation", amount=2000,
                                      currency="usd", payment_intent_id=intent, article_id=x.id))  # fmt: skip
        db.session.add(Payment(user_id=giver.id, kind="donation", amount=2000, currency="usd", status="paid",
                               payment_intent_id=intent, paid_at=NOW - ago * DAY, created_at=NOW - ago * DAY))  # fmt: skip
    db.session.commit()
    return people


def test_money_figures_agree_with_every_row_through_the_summaries(supporters):
    """Lifetime value, cash per month and revenue per source: the same before the summaries,
    after the worker made them, after a refund, a dispute, a recovered charge, a new payment, a
    backdated load and a late attempt, and after the worker caught up."""
    money_agrees()
    backdate_every_write()
    summaries.refresh()
    db.session.commit()
    assert (
        money_figures.stale_money() == money_figures.Stale()
    )  # every figure now comes from the summary
    assert db.session.scalar(select(func.count()).select_from(PaymentDay)) > 30
    money_agrees()

    old = db.session.scalars(
        select(Payment).where(Payment.kind == "subscription", Payment.status == "paid").order_by(Payment.id)
    ).all()  # fmt: skip
    old[5].amount_refunded = 200  # refunded in part long after it was paid
    db.session.add(Refund(id="re_late", payment_id=old[5].id, amount=200, currency="usd",
                          status="pending", created=NOW - DAY))  # fmt: skip
    old[8].dispute_status, old[8].disputed_at, old[8].status = (
        "needs_response",
        NOW - DAY,
        "disputed",
    )
    failed = db.session.scalar(select(Payment).where(Payment.status == "failed"))
    failed.status, failed.paid_at = "paid", NOW  # recovered: now under today
    db.session.add(Payment(user_id=supporters[0].id, kind="subscription", amount=800, currency="usd",
                           interval="month", status="paid", paid_at=NOW, created_at=NOW))  # fmt: skip
    # A bulk load of old payments, written as if long ago.
    db.session.add(Payment(user_id=supporters[5].id, kind="subscription", amount=4200, currency="usd",
                           interval="month", status="paid", paid_at=NOW - 500 * DAY,
                           created_at=NOW - 500 * DAY, updated_at=LONG_AGO, subscription_id="sub_loaded"))  # fmt: skip
    db.session.add(PaymentAttempt(key="late", user_id=supporters[5].id, kind="subscription", amount=4200,
                                  currency="usd", subscription_id="sub_loaded", article_id=None))  # fmt: skip
    db.session.commit()
    assert (
        money_figures.stale_money().days
    )  # the summaries are behind: those days are summed afresh
    money_agrees()
    db.session.scalar(select(Refund).where(Refund.id == "re_late")).status = "succeeded"
    db.session.commit()
    money_agrees()

    summaries.refresh()
    db.session.commit()
    money_agrees()


@pytest.mark.parametrize("offset", [timedelta(0), 3 * DAY, 60 * DAY, -120 * DAY])
def test_membership_figures_agree_with_every_row_through_the_summaries(supporters, offset):
    """MRR and paying supporters, retention, new supporters per source and month-start standings,
    now and at other moments (an ending period passes in between): the same before the
    summaries, after the worker made them, after memberships changed, and after it caught up."""
    when = NOW + offset
    members_agree(when)
    backdate_every_write()
    summaries.refresh()
    db.session.commit()
    members_agree(when)

    lapsing, joining = supporters[5], supporters[6]
    membership.apply(lapsing, SubscriptionSnapshot(
        subscription_id=f"sub_{lapsing.id}", status="canceled", created=NOW, amount=200, currency="usd",
        interval="month"), "test", now=NOW)  # fmt: skip
    joining.membership.article_id = None  # moved to another source
    late = supporters[2]
    # A history row loaded with a past date: every standing after it changes.
    db.session.add(MembershipChange(membership_id=late.membership.id, from_status="lapsed",
                                    to_status="active", cause="loaded", at=NOW - 200 * DAY, amount=300,
                                    currency="usd", interval="month"))  # fmt: skip
    db.session.add(
        MembershipChange(
            membership_id=late.membership.id,
            from_status="none",
            to_status="active",
            cause="loaded",
            at=NOW - 20 * DAY,
            amount=300,
            currency="usd",
            interval="month",
        )
    )  # a past week gains a new supporter
    membership.apply(db.session.merge(late), CompGrant(until=None), "comp", now=NOW)
    db.session.commit()
    members_agree(when)

    summaries.refresh()
    db.session.commit()
    members_agree(when)


def test_the_worker_keeps_the_summaries_and_reads_then_sum_only_what_changed(supporters):
    """The periodic job makes the summaries; afterwards nothing is left to sum from the rows."""
    backdate_every_write()
    assert member_figures.member_state(NOW) is None
    assert "money: made" in schedule.refresh_figures()
    _, _, live = member_figures.member_state(NOW)
    assert len(live) <= 1  # at most the membership whose period ends within the margin
    assert money_figures.stale_money() == money_figures.Stale()


def test_the_nightly_remake_puts_right_what_the_refresh_cannot_see(supporters):
    """A refund restored by hand with a past update time, and an article deleted (its attempts'
    link set to null by the database, their update time untouched): the five-minute refresh
    cannot see either, the nightly job makes every summary again from the rows."""
    backdate_every_write()
    schedule.refresh_figures()
    money_agrees()
    paid = db.session.scalars(
        select(Payment).where(Payment.kind == "subscription", Payment.status == "paid").order_by(Payment.id)
    ).first()  # fmt: skip
    db.session.execute(update(Payment).where(Payment.id == paid.id)
                       .values(amount_refunded=paid.amount, updated_at=LONG_AGO))  # fmt: skip
    article = db.session.scalar(
        select(PaymentAttempt.article_id).where(PaymentAttempt.article_id.is_not(None))
    )
    db.session.execute(delete(Article).where(Article.id == article))
    assert db.session.scalar(select(func.count()).where(PaymentAttempt.article_id == article)) == 0
    db.session.commit()
    summaries.refresh(NOW + timedelta(minutes=5))
    db.session.commit()
    with pytest.raises(AssertionError):
        money_agrees()  # behind the refresh's back: the summaries still hold the old sums

    assert "money: made" in schedule.remake_figures()
    money_agrees()
    assert schedule.remake_figures() == "skipped"  # once a night, however many schedulers


def test_the_membership_summaries_know_how_paying_is_decided():
    """`member_figures` puts right only ending memberships for the clock alone: another rule in
    `measures.paying` needs that module taught it (and its PAYING_RULE updated)."""
    assert member_figures.paying_rule() == member_figures.PAYING_RULE
