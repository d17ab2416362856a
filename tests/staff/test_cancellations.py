"""The staff page of cancellations: members per reason and how many each offer kept, the offers
shown and taken, the members' own words, and the raise asks; in both languages."""

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest

from app.extensions import db
from app.labels import CANCELLATION_REASON_LABELS, OFFER_LABELS
from app.models import Cancellation, RaiseAsk, Role
from app.services import membership
from app.services.membership import SubscriptionSnapshot

NOW = datetime.now(UTC)
pytestmark = pytest.mark.usefixtures("now_at_start")
# reason, offers shown, outcome, words, days ago
ROWS = [
    ("too_expensive", "lower,pause", "lower", None, 1),
    ("too_expensive", "lower,pause", "pause", "Money is tight this winter.", 2),
    ("too_expensive", "lower,pause", "cancelled", None, 3),
    ("need_a_break", "pause", "pause", None, 4),
    ("monthly_charges", "annual", "annual", "Fees on every payment.", 5),
    ("coverage", "", "cancelled", "Not enough from Daraa.", 6),
    (None, "", "cancelled", None, 7),
    ("need_a_break", "pause", "cancelled", "Too old to count.", 200),
]


@pytest.fixture
def cancellations(make_user):
    reader = make_user("reader@example.org")
    for reason, offers, outcome, comment, days in ROWS:
        db.session.add(Cancellation(user_id=reader.id, reason=reason, offers=offers,
                                    outcome=outcome, comment=comment, amount=500, currency="usd",
                                    interval="month", created_at=NOW - timedelta(days=days)))  # fmt: skip
    paused = make_user("paused@example.org")
    membership.apply(paused, SubscriptionSnapshot(
        subscription_id="sub_x", status="active", created=NOW, current_period_end=NOW,
        amount=100, currency="usd", interval="month", collection_paused=True, paid_until=NOW,
    ), "paused by the member")  # fmt: skip
    db.session.add(RaiseAsk(user_id=reader.id, asked_at=NOW - timedelta(days=3), amount=100,
                            new_amount=200, currency="usd", interval="month", accepted=True,
                            answered_at=NOW))  # fmt: skip
    db.session.commit()
    return reader


@pytest.fixture
def staff(make_user, auth):
    make_user("staff@example.org", role=Role.STAFF)
    auth.login(email="staff@example.org")


def stat(html, name):
    return re.search(rf'data-stat="{name}">([^<]*)<', html).group(1).strip()


def row(html, attribute, value):
    cells = re.search(rf'<tr {attribute}="{value}">(.*?)</tr>', html, re.S).group(1)
    return [unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<td>(.*?)</td>", cells, re.S)]  # fmt: skip


def test_staff_see_reasons_saves_and_words(client, cancellations, staff):
    """The last 90 days: 7 asked, 4 kept (lower 1, pause 2, annual 1), 3 cancelled, per reason
    with its saves, each offer shown and taken, the words listed, one paused member, one raise."""
    html = client.get("/en/staff/cancellations").get_data(as_text=True)
    recent = [r for r in ROWS if r[4] <= 90]
    assert stat(html, "asked") == str(len(recent))
    kept = [r for r in recent if r[2] in ("lower", "pause", "annual")]
    assert stat(html, "saved") == str(len(kept)) == "4"
    assert stat(html, "cancelled") == "3"
    assert stat(html, "paused") == "1"
    assert (stat(html, "raise-asked"), stat(html, "raise-accepted")) == ("1", "1")
    assert row(html, "data-reason", "too_expensive") == [
        str(CANCELLATION_REASON_LABELS["too_expensive"]), "3", "2"
    ]  # fmt: skip
    assert row(html, "data-reason", "need_a_break")[1:] == ["1", "1"]
    assert row(html, "data-reason", "none")[1:] == ["1", "0"]
    assert row(html, "data-offer", "pause") == [str(OFFER_LABELS["pause"]), "4", "2"]
    assert row(html, "data-offer", "lower")[1:] == ["3", "1"]
    assert row(html, "data-offer", "annual")[1:] == ["1", "1"]
    for words in (
        "Money is tight this winter.",
        "Fees on every payment.",
        "Not enough from Daraa.",
    ):
        assert words in html
    assert "Too old to count." not in html
    assert "Too old to count." in client.get("/en/staff/cancellations?days=365").get_data(
        as_text=True
    )


def test_the_page_in_arabic_and_its_nav_link(client, cancellations, staff):
    """Arabic: the reasons and offers by their Arabic labels; the staff nav links the page."""
    html = client.get("/ar/staff/cancellations").get_data(as_text=True)
    assert 'dir="rtl"' in html
    with_arabic = client.application.test_request_context("/ar/")
    with with_arabic:
        from flask_babel import force_locale

        with force_locale("ar"):
            for label in (CANCELLATION_REASON_LABELS["too_expensive"], OFFER_LABELS["annual"]):
                assert str(label) in html and re.search("[\u0600-\u06ff]", str(label))
    assert 'href="/ar/staff/cancellations"' in client.get("/ar/staff/").get_data(as_text=True)


def test_readers_do_not_see_it(client, make_user, auth):
    """A reader gets 404."""
    make_user()
    auth.login()
    assert client.get("/en/staff/cancellations").status_code == 404
