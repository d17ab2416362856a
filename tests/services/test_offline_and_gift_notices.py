"""Two messages about money outside a subscription: the receipt for a payment staff recorded
outside Stripe (with the link to choose a password when the account was made for it, in one
email), and the giver told when their gift was opened; each once, in the reader's language, and
never for an entry voided or a gift refunded first."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import (
    Gift,
    GiftState,
    Notice,
    NoticeKind,
    OfflineMethod,
    OutboxMessage,
    Payment,
    PaymentKind,
    PaymentStatus,
    Role,
    User,
)
from app.services import accounts, gift_checkout, gift_redemption, notices, offline_payments
from app.services.offline_payments import OfflineEntry
from app.urls import external_url
from stripe_emulator import testing
from tests.paying import OK
from tests.services.test_gifts import FRIEND, deliver, order
from tests.services.test_notices import in_lang, kinds, message_of, plain

K = NoticeKind
NOW = datetime(2027, 3, 10, 9, 0, tzinfo=UTC)


def mail_to(address):
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.to == address)).all()


@pytest.fixture
def staff(make_user):
    return make_user("staff@example.org", role=Role.STAFF)


@pytest.fixture
def record(staff):
    """Factory: staff record three months paid outside Stripe for `email`, as the form does."""

    def make(email="qari@example.org", method=OfflineMethod.BANK_TRANSFER, lang="ar"):
        entry = OfflineEntry(email=email, amount=3000, currency="usd", method=method,
                             covers_from=date(2027, 3, 1), covers_until=date(2027, 5, 31),
                             received_on=NOW.date(), reference="TR-1", lang=lang)  # fmt: skip
        payment, _ = offline_payments.record_offline_payment(staff, entry, now=NOW)
        db.session.commit()
        return payment

    return make


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_voiding_a_receipted_entry_withdraws_its_receipt_once(record, staff, make_user, lang):
    """Staff void an entry whose receipt went out: the reader hears, in their language, that
    receipt number N for that amount and date is withdrawn and its period no longer counts as
    paid; once, however often the void is asked for."""
    reader = make_user("payer@example.org", lang=lang)
    payment = record(email="payer@example.org")
    number = notices.receipt_number(payment)
    offline_payments.void_offline_payment(staff, payment, "wrong reader", now=NOW)
    db.session.commit()
    with pytest.raises(offline_payments.NotVoidable):
        offline_payments.void_offline_payment(staff, payment, "again", now=NOW)
    db.session.rollback()
    assert notices.offline_payment_voided(reader, payment) is None
    assert kinds(reader) == ["offline_receipt", "offline_voided"]
    told = message_of(reader, K.OFFLINE_VOIDED)
    assert told.lang == lang and number in told.body and number in told.html
    expected = {
        "en": ("A correction to your Enab Baladi receipt", "The payment of $30 on",
               "no longer counts as paid"),
        "ar": ("تصحيح لإيصال دعمك لعنب بلدي", "سُجّلت الدفعة البالغة", "محسوبة مدفوعة"),
    }[lang]  # fmt: skip
    assert told.subject == expected[0]
    assert expected[1] in plain(told.body) and expected[2] in told.body
    for day in (in_lang(lang, NOW.date()), in_lang(lang, date(2027, 5, 31))):
        assert day in told.body and day in told.html
    assert ('dir="rtl"' in told.html) == (lang == "ar")


def test_an_entry_never_receipted_is_voided_in_silence(staff, make_user):
    """No receipt went out (the reader's account was deleted before, say): none is withdrawn."""
    reader = make_user("payer@example.org")
    payment = Payment(kind=PaymentKind.OFFLINE, user_id=reader.id, amount=500, currency="usd",
                      method=OfflineMethod.CASH, status=PaymentStatus.PAID,
                      covers_from=date(2027, 7, 1), covers_until=date(2027, 7, 31))  # fmt: skip
    db.session.add(payment)
    db.session.flush()
    offline_payments.void_offline_payment(staff, payment, "typed twice", now=NOW)
    assert kinds(reader) == [] and mail_to("payer@example.org") == []


# A payment recorded outside Stripe -----------------------------------------------------------------


def test_a_new_reader_gets_one_email_the_receipt_with_the_password_link_in_arabic(record):
    """An address without an account: one email, not two — the receipt, right to left, naming
    the method, amount, period and receipt page, with the link to choose a password."""
    payment = record()
    reader = db.session.get(User, payment.user_id)
    [email] = mail_to("qari@example.org")
    assert kinds(reader) == ["offline_receipt"] and message_of(reader, K.OFFLINE_RECEIPT) == email
    assert email.lang == "ar" and '<html lang="ar" dir="rtl">' in email.html
    assert email.subject == "إيصال دعمك لعنب بلدي"
    assert "طريقة الدفع: تحويل مصرفي" in email.body and "TR-1" in email.body
    period = f"عضوية من {in_lang('ar', date(2027, 3, 1))} إلى {in_lang('ar', date(2027, 5, 31))}"
    assert period in email.body and period in email.html
    assert "US$" in plain(email.body)
    receipt = external_url("accounts.receipt", lang="ar", payment_id=payment.id)
    assert receipt in email.body and f'href="{receipt}"' in email.html
    assert "/ar/reset-password/" in email.body and "أُنشئ لك حساب في عنب بلدي." in email.body
    link = email.body.split("/ar/reset-password/")[1].split()[0].rstrip("\u2069")
    assert accounts.user_for_reset(link) == reader


def test_a_reader_with_an_account_gets_the_receipt_alone(record, make_user):
    """An existing English account: the receipt, in English, and no password link."""
    reader = make_user("payer@example.org")
    record(email="payer@example.org", method=OfflineMethod.MONEY_TRANSFER)
    [email] = mail_to("payer@example.org")
    assert kinds(reader) == ["offline_receipt"] and email.lang == "en"
    assert "Paid by: Money transfer service" in email.body and "$30" in email.body
    assert "reset-password" not in email.body and "password" not in email.html


def test_an_entry_voided_first_is_never_receipted_and_none_twice(record, staff, make_user):
    """A receipt asked again for the same entry is not written; one asked for an entry voided
    before it was claimed is not written either."""
    reader = make_user("payer@example.org")
    payment = record(email="payer@example.org")
    assert notices.offline_payment_recorded(reader, payment) is None
    voided = Payment(kind=PaymentKind.OFFLINE, user_id=reader.id, amount=500, currency="usd",
                     method=OfflineMethod.CASH, status=PaymentStatus.VOIDED,
                     covers_from=date(2027, 7, 1), covers_until=date(2027, 7, 31))  # fmt: skip
    db.session.add(voided)
    db.session.flush()
    assert notices.offline_payment_recorded(reader, voided) is None
    assert kinds(reader) == ["offline_receipt"] and len(mail_to("payer@example.org")) == 1
    claims = select(Notice).where(
        Notice.kind == K.OFFLINE_RECEIPT, Notice.object_id == str(voided.id)
    )
    assert db.session.scalar(claims) is None


def test_staff_recording_on_the_page_sends_one_email_to_a_new_reader(client, auth, staff):
    """The staff form for an unknown address: the reader's one email is the receipt carrying the
    password link, and the supporter timeline lists it."""
    from tests.conftest import csrf_token, page_text

    auth.login(email="staff@example.org")
    today = datetime.now(UTC).date()
    data = {
        "csrf_token": csrf_token(client, "/en/staff/offline-payments/new"),
        "email": "new@example.org", "amount": "30", "currency": "USD", "method": "cash",
        "reference": "", "received_on": today.isoformat(), "covers_from": today.isoformat(),
        "covers_until": "", "months": "1", "note": "", "language": "en",
    }  # fmt: skip
    response = client.post("/en/staff/offline-payments/new", data=data)
    assert response.status_code == 302
    [email] = mail_to("new@example.org")
    assert "Paid by: Cash to a trusted person" in email.body and "/en/reset-password/" in email.body
    timeline = page_text(client.get(response.headers["Location"]))
    assert "Email: Receipt for a payment outside Stripe" in timeline


# A gift opened, told to its giver -------------------------------------------------------------------


@pytest.fixture
def gift_from(make_user, stripe_side, post):
    """Factory: a gift paid by a new giver in `lang` and delivered to its recipient."""

    def run(giver_email="giver@example.org", lang="en", **overrides) -> Gift:
        giver = make_user(giver_email, lang=lang)
        started = gift_checkout.start_gift(order(**overrides), giver=giver, giver_email=None,
                                           lang=lang, ip="192.0.2.1")  # fmt: skip
        result = testing.confirm_payment(stripe_side.emulator, started.client_secret,
                                         card_number=OK,
                                         publishable_key=stripe_side.gateway.publishable_key)  # fmt: skip
        assert result["status"] == "succeeded", result
        deliver(post, stripe_side.deliveries())
        gift = db.session.scalar(select(Gift).where(Gift.giver_id == giver.id))
        assert gift.state == GiftState.SENT
        return gift

    return run


def told_of_gifts():
    return db.session.scalars(select(Notice).where(Notice.kind == K.GIFT_REDEEMED)).all()


def test_the_giver_hears_once_that_the_gift_was_opened_in_arabic(gift_from):
    """Redeemed: one message to the giver, in their Arabic, right to left, with the membership's
    first and last days and never the recipient's address; a second press tells nothing more."""
    gift = gift_from(lang="ar", months=3)
    redeemed = gift_redemption.redeem_gift(gift)
    with pytest.raises(gift_redemption.GiftRefused):
        gift_redemption.redeem_gift(gift)
    db.session.rollback()
    giver = gift.giver
    assert kinds(giver) == ["gift_receipt", "gift_redeemed"] and len(told_of_gifts()) == 1
    told = message_of(giver, K.GIFT_REDEEMED)
    assert told.to == giver.email and told.lang == "ar"
    assert '<html lang="ar" dir="rtl">' in told.html
    assert told.subject == "فُعّلت هديتك من عضوية عنب بلدي"
    assert "3 أشهر" in told.body
    for day in (in_lang("ar", redeemed.starts), in_lang("ar", redeemed.until)):
        assert day in told.body and day in told.html
    assert FRIEND not in told.body and FRIEND not in told.html


def test_a_gift_that_starts_later_tells_the_giver_its_own_dates(gift_from, make_user, stripe_side):
    """The recipient's cancelled subscription runs on: the giver is told the gift's membership
    starts when that ends."""
    friend = make_user(FRIEND)
    subscription = stripe_side.subscribe(stripe_side.customer(friend, FRIEND))
    stripe_side.cancel_at_period_end(subscription)
    gift = gift_from(months=1, monthly_amount=100)
    period_end = friend.membership.current_period_end.replace(tzinfo=UTC)
    gift_redemption.redeem_gift(gift)
    body = message_of(gift.giver, K.GIFT_REDEEMED).body
    assert "The gift of 1 month of Enab Baladi membership" in body
    assert f"runs from {in_lang('en', period_end)} to" in body


def test_no_word_to_the_giver_of_a_gift_not_redeemed_or_without_a_giver(
    gift_from, stripe_side, post
):
    """A gift not redeemed (sent, or refunded before it was), or redeemed after its giver's
    account was deleted, is told to no one."""
    refunded = gift_from()
    notices.gift_redeemed(refunded)
    stripe_side.refund(stripe_side.charge_of(refunded.payment_intent_id))
    deliver(post, stripe_side.deliveries())
    db.session.refresh(refunded)
    assert refunded.state == GiftState.REFUNDED
    notices.gift_redeemed(refunded)
    orphan = gift_from(giver_email="gone@example.org")
    orphan.giver = None  # as the account's deletion leaves it
    db.session.commit()
    gift_redemption.redeem_gift(orphan)
    assert orphan.state == GiftState.REDEEMED and told_of_gifts() == []


# Password links nobody asked for ------------------------------------------------------------------


def test_the_password_link_of_an_offline_receipt_works_for_a_week_and_says_so(record, monkeypatch):
    """The receipt for a new reader says 7 days (in Arabic here), and its link still works after
    six of them."""
    import time

    import itsdangerous.timed

    record()
    [email] = mail_to("qari@example.org")
    assert "خلال 7 أيام" in email.body and "خلال 7 أيام" in email.html
    assert "ساعة" not in email.body
    token = email.body.split("/ar/reset-password/")[1].split()[0]

    class SixDaysLater:
        @staticmethod
        def time():
            return time.time() + 6 * 24 * 3600

    monkeypatch.setattr(itsdangerous.timed, "time", SixDaysLater)
    assert accounts.user_for_reset(token) is not None


def test_the_recipient_of_a_gift_gets_a_password_link_for_a_week(gift_from):
    """Redeeming makes the recipient's account: its password email says 7 days."""
    gift = gift_from(lang="en")
    gift_redemption.redeem_gift(gift)
    [email] = [m for m in mail_to(FRIEND) if m.subject == "Set your Enab Baladi password"]
    assert "open this link within 7 days" in email.body and "an hour" not in email.body


# When the giver is told the recipient hears of it -------------------------------------------------


def test_the_receipt_of_a_gift_for_today_says_it_was_emailed_today(gift_from):
    """Delivered with its payment: the giver's receipt says today, not a date, in both parts."""
    gift = gift_from(lang="en")
    receipt = message_of(gift.giver, K.GIFT_RECEIPT)
    said = "We have emailed them today, with your message and a link that starts their membership."
    assert said in receipt.body and said in receipt.html
    assert "We will email them on" not in receipt.body


def test_the_receipt_of_a_gift_for_later_names_its_date_in_arabic(make_user, stripe_side, post):
    """Delivered by the hourly job on its date: the Arabic receipt names that date."""
    from datetime import timedelta

    from app.services import gifts

    giver = make_user("giver@example.org", lang="ar")
    later = gifts.today() + timedelta(days=5)
    started = gift_checkout.start_gift(order(deliver_on=later, lang="ar"), giver=giver,
                                       giver_email=None, lang="ar", ip="192.0.2.1")  # fmt: skip
    testing.confirm_payment(stripe_side.emulator, started.client_secret, card_number=OK,
                            publishable_key=stripe_side.gateway.publishable_key)  # fmt: skip
    deliver(post, stripe_side.deliveries())
    receipt = message_of(giver, K.GIFT_RECEIPT)
    assert f"سنرسل إليه في {in_lang('ar', later)} رسالة فيها كلمتك" in receipt.body
    assert "أرسلنا إليه اليوم" not in receipt.body and mail_to(FRIEND) == []
