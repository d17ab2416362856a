"""Staff see gift memberships given and redeemed, and their money apart from MRR, in both
languages; readers do not."""

from datetime import UTC, datetime, timedelta

import pytest

from app import labels
from app.extensions import db
from app.models import Gift, GiftState, Payment, Role
from app.services import gift_figures, gift_redemption, gifts, measures, membership, metrics
from app.services.membership import CompGrant
from tests.conftest import page_text

NOW = datetime.now(UTC)
pytestmark = pytest.mark.usefixtures("now_at_start")


@pytest.fixture
def given(make_user):
    """Factory: a gift in `state` with its payment (refunded in full when the gift is)."""
    giver = make_user("giver@example.org")
    count = iter(range(1000))

    def make(state, months=3, amount=1500, refunded=0):
        n = next(count)
        gift = Gift(key=f"gift{n}", giver=giver, giver_name="Sara", recipient_email=f"r{n}@example.org",
                    months=months, deliver_on=NOW.date(), lang="ar", amount=amount, currency="usd",
                    payment_intent_id=f"pi_gift{n}", state=state, paid_at=NOW)  # fmt: skip
        status = "refunded" if refunded >= amount else "paid"
        db.session.add_all([gift, Payment(
            kind="gift", user_id=giver.id, payment_intent_id=f"pi_gift{n}", amount=amount,
            amount_refunded=refunded, currency="usd", status=status, paid_at=NOW,
        )])  # fmt: skip
        db.session.commit()
        return gift

    return make


@pytest.fixture
def staff_client(client, make_user, auth):
    make_user("staff@example.org", role=Role.STAFF)
    auth.login(email="staff@example.org")
    return client


def test_the_figures_count_gifts_by_state_and_money_kept(given):
    """Given = paid, sent or redeemed; revenue is paid less refunded; waiting-for-payment gifts
    count nowhere."""
    given(GiftState.PAID)
    given(GiftState.SENT, months=1, amount=500, refunded=200)
    given(GiftState.REDEEMED, months=12, amount=6000)
    given(GiftState.REFUNDED, refunded=1500)
    db.session.add(Gift(key="waiting", giver_name="X", recipient_email="w@example.org", months=1,
                        deliver_on=NOW.date(), lang="en", amount=100, currency="usd"))  # fmt: skip
    db.session.commit()
    figures = gift_figures.gift_figures(measures.month_start(NOW))
    assert (figures.given, figures.redeemed) == (3, 1)
    assert figures.by_state[GiftState.REFUNDED] == 1
    assert figures.revenue == {"usd": 1500 + 300 + 6000} == figures.revenue_since
    assert gift_figures.gift_revenue(NOW + timedelta(days=1)) == {}
    assert [gift.key for gift in gift_figures.recent_gifts()] == [
        "gift3",
        "gift2",
        "gift1",
        "gift0",
    ]


def test_gifts_never_count_in_mrr(given, make_user):
    """A redeemed gift's comp and its payment leave MRR and active supporters as they were; the
    overview counts the gift's money this month apart."""
    gift = given(GiftState.REDEEMED)
    friend = make_user(gift.recipient_email)
    membership.apply(friend, CompGrant(until=NOW + timedelta(days=90)), "gift membership redeemed")
    db.session.commit()
    figures = metrics.overview(NOW)
    assert figures.mrr == {} and figures.active_supporters == 0
    assert figures.complimentary == 1
    assert figures.gifts == {"usd": (1, 1500)} and figures.donations == {}
    assert metrics.mrr(NOW) == {}


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_staff_see_gifts_given_and_redeemed_in_their_language(staff_client, given, lang):
    """The gifts page: its figures and each gift's state, labelled in the page's language."""
    given(GiftState.SENT)
    given(GiftState.REDEEMED)
    page = staff_client.get(f"/{lang}/staff/gifts")
    assert page.status_code == 200
    text = page_text(page)
    html = page.get_data(as_text=True)
    assert 'data-stat="given">2<' in html and 'data-stat="redeemed">1<' in html
    if lang == "ar":
        assert "العضويات المُهداة" in text and "فُعّلت" in text and "Redeemed" not in text
        assert "r0@example.org · العربية" in text and "· AR" not in text
    else:
        assert "Gift memberships" in text and "Emailed, not redeemed yet" in text
        assert "r0@example.org · Arabic" in text and "· AR" not in text


def test_the_overview_shows_gift_money_apart_and_links_to_the_gifts(staff_client, given):
    """This month's gifts on the overview, as a figure of their own beside the donations."""
    given(GiftState.SENT, amount=6000)
    html = staff_client.get("/ar/staff/").get_data(as_text=True)
    assert 'data-stat="gifts-usd"' in html and 'href="/ar/staff/gifts"' in html
    assert "العضويات المُهداة هذا الشهر" in page_text(html)


def test_readers_cannot_see_the_gifts_page(client, make_user, auth):
    """The page answers readers as every staff page does: not found."""
    make_user()
    auth.login()
    assert client.get("/en/staff/gifts").status_code == 404


def test_every_gift_state_and_cause_has_a_label():
    """The gifts page shows every state by its label; the supporter timeline the causes."""
    assert set(GiftState) == set(labels.GIFT_STATE_LABELS)
    assert {gift_redemption.CAUSE, gifts.REFUND_CAUSE} <= set(labels.CAUSE_LABELS)
