"""The journey of a payment received outside Stripe: staff record it in Arabic for a reader who
has no account, the reader sets a password from the email, and sees the membership, the payment
in their history and its receipt, in Arabic."""

import re
from datetime import UTC, datetime

from sqlalchemy import select

from app.extensions import db
from app.models import OutboxMessage, Payment, Role, User
from app.services import membership
from app.templating import long_date
from tests.conftest import PASSWORD, csrf_token, page_text

NEW = "/ar/staff/offline-payments/new"


def test_an_offline_payment_recorded_by_staff_is_seen_by_the_reader(client, make_user, auth):
    """Staff record 30 USD by money transfer for 2 months; the reader, signed in through the
    emailed link, is a member until the period's last day, with the payment and its receipt
    (method and reference, no card) in Arabic."""
    make_user("staff@example.org", role=Role.STAFF)
    auth.login(email="staff@example.org", lang="ar")
    today = datetime.now(UTC).date()
    data = {"csrf_token": csrf_token(client, NEW), "email": "salma@example.org", "amount": "٣٠",
            "currency": "USD", "method": "money_transfer", "reference": "MTCN 8812",
            "received_on": today.isoformat(), "covers_from": today.isoformat(), "months": "2",
            "covers_until": "", "note": "", "language": "ar"}  # fmt: skip
    assert client.post(NEW, data=data).status_code == 302
    payment = db.session.scalar(select(Payment).where(Payment.kind == "offline"))
    auth.logout(lang="ar")

    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to == "salma@example.org"))
    token = re.search(r"/ar/reset-password/([\w.\-]+)", mail.body).group(1)
    link = f"/ar/reset-password/{token}"
    response = client.post(link, data={"csrf_token": csrf_token(client, link),
                                       "password": PASSWORD, "confirm": PASSWORD})  # fmt: skip
    assert response.headers["Location"].endswith("/ar/account")

    account = client.get("/ar/account")
    text = page_text(account)
    last = long_date(payment.covers_until, "ar")
    assert "عضو (دفع بتحويل أو يدًا بيد)" in text
    assert '<span class="badge">داعم</span>' in account.get_data(as_text=True)
    assert f"عضو حتى {last}" in text
    assert (
        f"عضوية، من {long_date(payment.covers_from, 'ar')} إلى {last} · شركة حوالات مالية" in text
    )
    assert f"/ar/account/receipts/{payment.id}" in account.get_data(as_text=True)
    reader = db.session.get(User, payment.user_id)
    assert membership.perks_for(reader).ad_free

    receipt = page_text(client.get(f"/ar/account/receipts/{payment.id}"))
    assert f"EB-{payment.created_at.year}-{payment.id:06d}" in receipt
    assert "طريقة الدفع شركة حوالات مالية" in receipt and "المرجع MTCN 8812" in receipt
    assert f"عضوية من {long_date(payment.covers_from, 'ar')} إلى {last}" in receipt
    assert "salma@example.org" in receipt and "US$" in receipt
    assert "بطاقة" not in receipt  # no card: it was not paid by card
