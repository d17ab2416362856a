"""Receipts on the site: the printable page of one payment, for its owner and for staff only."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Payment, PaymentStatus, Role
from tests.conftest import page_text

PAID_AT = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)


@pytest.fixture
def make_payment():
    def make(user, **values):
        values = {"kind": "subscription", "amount": 500, "currency": "usd", "interval": "month",
                  "status": PaymentStatus.PAID, "paid_at": PAID_AT,
                  "created_at": PAID_AT, **values}  # fmt: skip
        payment = Payment(user_id=user.id if user else None, **values)
        db.session.add(payment)
        db.session.commit()
        return payment

    return make


def test_the_owner_sees_the_figures_of_the_payment_row(client, auth, make_user, make_payment):
    """The owner's receipt shows the row's amount, currency, date, purpose and a stable number."""
    user = make_user()
    payment = make_payment(user, amount=1250, interval="year")
    auth.login()
    response = client.get(f"/en/account/receipts/{payment.id}")
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    text = page_text(response)
    assert f"EB-2026-{payment.id:06d}" in text
    assert "$12.50" in text and "USD" in text and "US Dollar" in text
    assert "March 14, 2026" in text
    assert "Annual membership" in text and "Enab Baladi" in text
    assert "reader@example.org" in text
    assert "Refunded" not in text


def test_a_refund_and_a_donation_are_shown(client, auth, make_user, make_payment):
    """A partly refunded donation says what was refunded and what was kept."""
    user = make_user()
    payment = make_payment(user, kind="donation", interval=None, amount=2000, amount_refunded=500)
    auth.login()
    text = page_text(client.get(f"/en/account/receipts/{payment.id}"))
    assert "One-time donation" in text
    assert "Amount refunded $5 " in text and "Amount kept $15 " in text


def test_the_outlet_address_comes_from_the_settings(app, client, auth, make_user, make_payment,
                                                    monkeypatch):  # fmt: skip
    """The outlet's name and address lines are printed as configured."""
    monkeypatch.setitem(app.config, "OUTLET_NAME", "Enab Baladi Media")
    monkeypatch.setitem(app.config, "OUTLET_ADDRESS", "1 Example Street | 10115 Berlin")
    payment = make_payment(make_user())
    auth.login()
    html = client.get(f"/en/account/receipts/{payment.id}").get_data(as_text=True)
    assert "Enab Baladi Media" in html and "1 Example Street<br>10115 Berlin" in html


def test_another_reader_gets_404(client, auth, make_user, make_payment):
    """A reader cannot open someone else's receipt, nor a failed payment's, nor a missing one."""
    owner = make_user("owner@example.org")
    make_user()
    payment = make_payment(owner)
    failed = make_payment(make_user("other@example.org"), status=PaymentStatus.FAILED)
    auth.login()
    assert client.get(f"/en/account/receipts/{payment.id}").status_code == 404
    assert client.get(f"/en/account/receipts/{failed.id}").status_code == 404
    assert client.get("/en/account/receipts/999999").status_code == 404


def test_signed_out_goes_to_sign_in(client, make_user, make_payment):
    """Signed out, the receipt sends the reader to sign in and back."""
    payment = make_payment(make_user())
    response = client.get(f"/en/account/receipts/{payment.id}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/en/login?next=")
    assert f"receipts/{payment.id}" in response.headers["Location"]


def test_staff_may_open_any_receipt(client, auth, make_user, make_payment):
    """Staff see any reader's receipt."""
    payment = make_payment(make_user("owner@example.org"))
    make_user("staff@example.org", role=Role.STAFF)
    auth.login("staff@example.org")
    response = client.get(f"/en/account/receipts/{payment.id}")
    assert response.status_code == 200 and "owner@example.org" in page_text(response)


def test_the_arabic_receipt_reads_right_to_left(client, auth, make_user, make_payment):
    """In Arabic: the page is right to left, labelled in Arabic, its number and amount isolated."""
    user = make_user(lang="ar")
    payment = make_payment(user)
    auth.login(lang="ar")
    html = client.get(f"/ar/account/receipts/{payment.id}").get_data(as_text=True)
    assert 'lang="ar" dir="rtl"' in html
    assert '<p class="receipt__name">عنب بلدي</p>' in html
    for label in ("الإيصال", "رقم الإيصال", "التاريخ", "المبلغ", "عضوية شهرية", "دولار أمريكي"):
        assert label in html
    assert f'<bdi dir="ltr" class="receipt__number">EB-2026-{payment.id:06d}</bdi>' in html
    assert '<bdi dir="ltr">' in html.split("receipt__amount")[1][:40]


def test_the_payment_history_links_each_receipt(client, auth, make_user, make_payment):
    """The account page's payment history links the receipt of each payment taken."""
    user = make_user()
    paid = make_payment(user)
    failed = make_payment(user, status=PaymentStatus.FAILED)
    auth.login()
    html = client.get("/en/account").get_data(as_text=True)
    assert f"/en/account/receipts/{paid.id}" in html
    assert f"/en/account/receipts/{failed.id}" not in html


def test_the_receipt_names_the_card_as_stripe_has_it(client, auth, make_user):
    """Paid through Stripe with 4242…: the receipt reads the card from the charge once, keeps it
    on the row, and shows brand and last four digits; with Stripe not answering it shows the
    receipt without them."""
    from tests.paying import OK, pay, start

    make_user()
    auth.login()
    outcome = pay(client, client.emulator, start(client).headers["Location"], OK)
    assert outcome.response.status_code == 200
    payment = db.session.scalars(select(Payment)).one()
    client.emulator.faults.fail_next(1, kind="connection")
    page = client.get(f"/en/account/receipts/{payment.id}")
    assert page.status_code == 200 and "ending in" not in page.get_data(as_text=True)
    text = " ".join(client.get(f"/en/account/receipts/{payment.id}").get_data(as_text=True).split())
    assert "Visa card ending in 4242" in text
    db.session.refresh(payment)
    assert (payment.card_brand, payment.card_last4) == ("visa", "4242")
