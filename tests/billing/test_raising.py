"""Asking members to give a little more: after RAISE_ASK_AFTER_MONTHS months on the smallest
amount, on the account page and under articles; one click to a confirmation naming the new
amount and that it starts with the next payment (nothing charged now); never twice in 90 days."""

import re
from datetime import UTC, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import MembershipChange, Payment, RaiseAsk
from app.services import raises
from tests.conftest import csrf_token, page_text
from tests.paying import pay, renew, start

SLUG = "putin-and-erdogan-meet-in-istanbul-amid-ongoing-battles-in-syrias-idlib"
ASK = re.compile(r'href="(/(?:en|ar)/account/support/raise/(\d+))"')


@pytest.fixture
def reader(make_user, auth):
    user = make_user()
    auth.login()
    return user


def member_for(client, emulator, user, months, amount="100", lang="en"):
    """A monthly member of `amount` since `months` months ago (their history moved back)."""
    pay(client, emulator, start(client, lang=lang, amount=amount).headers["Location"])
    db.session.refresh(user.membership)
    for change in db.session.scalars(
        select(MembershipChange).where(MembershipChange.membership_id == user.membership.id)
    ):
        change.at = change.at - timedelta(days=31 * months)
    db.session.commit()


def text(response) -> str:
    return page_text(response).replace("\u2066", "").replace("\u2069", "")


def asks(user) -> int:
    return db.session.scalar(select(func.count(RaiseAsk.id)).where(RaiseAsk.user_id == user.id))


def paid(user) -> list[int]:
    return sorted(db.session.scalars(select(Payment.amount).where(Payment.user_id == user.id)))


def test_a_new_member_on_the_smallest_amount_is_not_asked(client, stripe_emulator, reader):
    """Five months on $1 (fewer than RAISE_ASK_AFTER_MONTHS, 6): no ask, nothing recorded."""
    member_for(client, stripe_emulator, reader, months=5)
    assert "Could you give" not in text(client.get("/en/account"))
    assert asks(reader) == 0


def test_after_n_months_the_account_page_and_the_thank_you_line_ask(
    client, stripe_emulator, reader, sample_content
):
    """Seven months on $1: the account page and the thank-you line under an article offer $2 a
    month, and it is one ask, recorded when first shown."""
    member_for(client, stripe_emulator, reader, months=7)
    account = client.get("/en/account")
    assert "Could you give $2 a month?" in text(account)
    assert ASK.search(account.get_data(as_text=True))
    article = client.get(f"/en/articles/{SLUG}")
    page = text(article)
    assert "Thank you for supporting independent Syrian journalism." in page
    assert "Could you give $2 a month?" in page
    assert asks(reader) == 1
    assert ASK.search(account.get_data(as_text=True)).group(2) == ASK.search(
        article.get_data(as_text=True)
    ).group(2)


def test_a_member_on_another_amount_is_never_asked(client, stripe_emulator, reader):
    """Seven months on $5: no ask."""
    member_for(client, stripe_emulator, reader, months=7, amount="500")
    assert "Could you give" not in text(client.get("/en/account"))
    assert raises.ask_for(reader) is None and asks(reader) == 0


def test_the_confirmation_and_the_next_payment_at_the_new_amount(client, stripe_emulator, reader):
    """One click: the confirmation names $2 and the next payment's date, nothing charged now;
    confirmed, the next renewal charges $2."""
    member_for(client, stripe_emulator, reader, months=7)
    confirm_url = ASK.search(client.get("/en/account").get_data(as_text=True)).group(1)
    page = text(client.get(confirm_url))
    assert "Give $2 a month instead of $1." in page
    assert re.search(r"The new amount starts with your next payment, on \w+ \d+, \d{4}\. "
                     r"Nothing is charged today\.", page)  # fmt: skip
    response = client.post(confirm_url, data={"csrf_token": csrf_token(client, confirm_url),
                                              "submit": "y"})  # fmt: skip
    assert response.headers["Location"].endswith("/en/account")
    db.session.refresh(reader.membership)
    assert reader.membership.amount == 200
    assert paid(reader) == [100]
    ask = db.session.scalar(select(RaiseAsk).where(RaiseAsk.user_id == reader.id))
    assert ask.accepted is True and (ask.amount, ask.new_amount) == (100, 200)
    assert "Could you give" not in text(client.get("/en/account"))
    renew(client, reader)
    assert paid(reader) == [100, 200]


def test_never_asked_twice_within_90_days(client, stripe_emulator, reader):
    """Not now puts the ask away: not shown after it, nor 89 days after the ask, and an ask
    left unanswered is shown for 7 days only; 90 days on, a new ask."""
    member_for(client, stripe_emulator, reader, months=7)
    confirm_url = ASK.search(client.get("/en/account").get_data(as_text=True)).group(1)
    client.post(confirm_url, data={"csrf_token": csrf_token(client, "/en/account"), "decline": "y"})
    assert "Could you give" not in text(client.get("/en/account"))
    asked = db.session.scalar(select(RaiseAsk.asked_at).where(RaiseAsk.user_id == reader.id))
    asked = asked if asked.tzinfo else asked.replace(tzinfo=UTC)
    assert raises.ask_for(reader, now=asked + timedelta(days=89)) is None
    again = raises.ask_for(reader, now=asked + timedelta(days=90))
    assert again is not None and asks(reader) == 2
    assert raises.ask_for(reader, now=asked + timedelta(days=96)).id == again.id  # still open
    assert raises.ask_for(reader, now=asked + timedelta(days=98)) is None  # 8 days unanswered
    assert asks(reader) == 2


def test_staff_set_n_and_the_step(app, client, stripe_emulator, reader, monkeypatch):
    """RAISE_ASK_AFTER_MONTHS=2 and RAISE_ASK_STEP=4: three months on $1, asked for $5."""
    monkeypatch.setitem(app.config, "RAISE_ASK_AFTER_MONTHS", 2)
    monkeypatch.setitem(app.config, "RAISE_ASK_STEP", 4)
    member_for(client, stripe_emulator, reader, months=3)
    assert "Could you give $5 a month?" in text(client.get("/en/account"))


def test_the_ask_and_its_confirmation_in_arabic(client, stripe_emulator, make_user, auth):
    """In Arabic: the ask on the account page and the confirmation page."""
    reader = make_user(lang="ar")
    auth.login(lang="ar")
    member_for(client, stripe_emulator, reader, months=7, lang="ar")
    account = client.get("/ar/account")
    assert "هل تستطيع أن تقدّم" in text(account)
    confirm_url = ASK.search(account.get_data(as_text=True)).group(1)
    page = client.get(confirm_url)
    assert 'dir="rtl"' in page.get_data(as_text=True)
    assert "يبدأ المبلغ الجديد مع دفعتك التالية" in text(page)


def test_the_ask_under_articles_costs_no_query_once_known(
    client, stripe_emulator, reader, sample_content, count_queries
):
    """A member on the smallest amount: once the ask (or its absence) is known, their cached
    article page still reads only the account, as every member's does."""
    member_for(client, stripe_emulator, reader, months=7)
    client.get(f"/en/articles/{SLUG}")
    with count_queries() as statements:
        page = text(client.get(f"/en/articles/{SLUG}"))
    assert "Could you give $2 a month?" in page
    assert len(statements) == 1, statements
