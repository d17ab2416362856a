"""Staff pages for payments received outside Stripe: the form (CSRF, errors in Arabic, Arabic
digits), recording, the supporter page and its timeline, the list, voiding, the overview."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.labels import OFFLINE_METHOD_LABELS
from app.models import (
    AuditEntry,
    MembershipStatus,
    OfflineMethod,
    OutboxMessage,
    Payment,
    PaymentStatus,
    Role,
    SignupSource,
    User,
)
from app.services import accounts
from app.services.offline_payments import last_day
from tests.conftest import csrf_token, page_text

NEW = "/{lang}/staff/offline-payments/new"


@pytest.fixture
def staff(make_user, auth):
    user = make_user("staff@example.org", role=Role.STAFF)
    auth.login(email="staff@example.org")
    return user


def today():
    return datetime.now(UTC).date()


def form(client, lang="en", **values):
    """The form's fields as a browser sends them (with its CSRF token), changed by `values`."""
    data = {
        "csrf_token": csrf_token(client, NEW.format(lang=lang)), "email": "qari@example.org",
        "amount": "30", "currency": "USD", "method": "bank_transfer", "reference": "TR-9",
        "received_on": today().isoformat(), "covers_from": today().isoformat(),
        "covers_until": "", "months": "3", "note": "", "language": "ar",
    }  # fmt: skip
    data.update(values)
    return data


def payments():
    return db.session.scalars(select(Payment).where(Payment.kind == "offline")).all()


def test_the_form_carries_a_csrf_token_and_a_post_without_it_is_refused(client, staff):
    """The form has its CSRF token; a forged post without one records nothing."""
    page = client.get(NEW.format(lang="ar")).get_data(as_text=True)
    assert 'name="csrf_token"' in page and "سجّل دفعة وصلت خارج Stripe" in page
    data = form(client)
    del data["csrf_token"]
    assert client.post(NEW.format(lang="en"), data=data).status_code == 400
    assert payments() == []


def test_mistakes_are_named_in_arabic_and_nothing_is_recorded(client, staff):
    """An amount that is no number, a transfer without its reference, both a last day and
    months, a date received after today: each field says so, in Arabic."""
    tomorrow = (today() + timedelta(days=1)).isoformat()
    data = form(client, lang="ar", amount="ثلاثون", reference="", received_on=tomorrow,
                covers_until=(today() + timedelta(days=30)).isoformat())  # fmt: skip
    response = client.post(NEW.format(lang="ar"), data=data)
    assert response.status_code == 200
    text = page_text(response)
    assert "أدخل المبلغ رقمًا بعملة USD، مثل 25." in text
    assert "لكل تحويل رقم مرجعي: أدخله كما يظهر في الإيصال." in text
    assert "لا يمكن أن تكون الدفعة قد وصلت بعد اليوم." in text
    assert "حدّد اليوم الأخير أو عدد الأشهر، لا الاثنين معًا." in text
    assert payments() == []


def test_a_period_needs_its_end_and_a_sane_length(client, staff):
    """Neither a last day nor months, or 40 months: refused with the reason."""
    neither = client.post(NEW.format(lang="ar"), data=form(client, lang="ar", months=""))
    assert "حدّد اليوم الأخير أو عدد الأشهر." in page_text(neither)
    too_long = client.post(NEW.format(lang="en"), data=form(client, months="40"))
    assert "Enter a whole number of months from 1 to 36." in page_text(too_long)
    assert payments() == []


def test_currencies_in_use_and_their_minor_units_are_taken(client, staff):
    """Syrian pounds are taken in piastres, a replaced currency (STD) not at all; 5.125 dinars is
    finer than KWD is counted."""
    std = client.post(NEW.format(lang="en"), data=form(client, currency="STD"))
    assert "Not a valid choice." in page_text(std)
    syp_fraction = client.post(
        NEW.format(lang="en"), data=form(client, currency="SYP", amount="5.125")
    )
    assert "Enter the amount as a number in SYP, such as 25." in page_text(syp_fraction)
    kwd = client.post(NEW.format(lang="en"), data=form(client, currency="KWD", amount="5.125"))
    assert "Enter the amount as a number in KWD, such as 25." in page_text(kwd)
    assert payments() == []
    client.post(NEW.format(lang="en"), data=form(client, currency="KWD", amount="5.120"))
    assert [(p.amount, p.currency) for p in payments()] == [(5120, "kwd")]


def test_arabic_digits_are_read_and_a_new_reader_gets_an_account(client, staff):
    """'٢٥٫٥٠' dollars for '٣' months: recorded for a new account made by staff, who is emailed
    a set-password link in Arabic; staff land on the supporter page."""
    start = today()
    response = client.post(
        NEW.format(lang="ar"), data=form(client, lang="ar", amount="٢٥٫٥٠", months="٣")
    )
    assert response.status_code == 302
    (payment,) = payments()
    reader = db.session.get(User, payment.user_id)
    assert response.headers["Location"].endswith(f"/ar/staff/supporters/{reader.id}")
    assert (payment.amount, payment.currency, payment.method) == (
        2550,
        "usd",
        OfflineMethod.BANK_TRANSFER,
    )
    assert payment.covers_from == start and payment.recorded_by_id == staff.id
    assert payment.covers_until == last_day(start, 3)
    assert reader.signup_source == SignupSource.STAFF and reader.language == "ar"
    assert reader.membership.status == MembershipStatus.OFFLINE
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to == "qari@example.org"))
    assert mail is not None and mail.lang == "ar" and "/ar/reset-password/" in mail.body


def test_an_overlap_is_shown_on_the_form(client, staff):
    """A second entry over the same days is refused on its first-day field, in Arabic."""
    client.post(NEW.format(lang="en"), data=form(client))
    response = client.post(NEW.format(lang="ar"), data=form(client, lang="ar", reference="TR-10"))
    assert "تتداخل هذه الفترة مع فترة مسجّلة من قبل" in page_text(response)
    assert len(payments()) == 1


def test_the_supporter_page_offers_it_and_words_it_in_the_timeline(client, staff, make_user):
    """The supporter page links to the form for this reader, lists the entry with its method and
    reference, and the timeline says what came, how and for which days, in Arabic."""
    reader = make_user("qari@example.org", lang="ar")
    page = client.get(f"/en/staff/supporters/{reader.id}").get_data(as_text=True)
    assert "Record a payment received outside Stripe" in page
    assert re.search(r"/en/staff/offline-payments/new\?email=qari(@|%40)example.org", page)
    prefilled = client.get("/en/staff/offline-payments/new?email=qari%40example.org")
    assert 'value="qari@example.org"' in prefilled.get_data(as_text=True)
    client.post(NEW.format(lang="en"), data=form(client, method="money_transfer", reference="WU-5"))
    text = page_text(client.get(f"/ar/staff/supporters/{reader.id}"))
    assert "دفعات وصلت خارج Stripe" in text and "WU-5" in text
    assert "وصل مبلغ" in text and "خارج Stripe (شركة حوالات مالية)، عن الفترة من" in text
    assert "عضو (دفع بتحويل أو يدًا بيد)" in text
    assert "سُجّلت دفعة وصلت خارج Stripe" in text  # the audit entry and the membership change


def test_staff_void_an_entry_with_a_reason_and_it_is_audited(client, staff):
    """Voiding needs a reason; then the entry is voided (kept), the days withdrawn, audited."""
    client.post(NEW.format(lang="en"), data=form(client))
    (payment,) = payments()
    url = f"/en/staff/offline-payments/{payment.id}/void"
    token = csrf_token(client, f"/en/staff/supporters/{payment.user_id}")
    client.post(url, data={"csrf_token": token, "reason": ""})
    assert db.session.get(Payment, payment.id).status == PaymentStatus.PAID
    response = client.post(url, data={"csrf_token": token, "reason": "wrong reader",
                                      "next": "/en/staff/offline-payments"})  # fmt: skip
    assert response.headers["Location"].endswith("/en/staff/offline-payments")
    db.session.expire_all()
    voided = db.session.get(Payment, payment.id)
    assert voided.status == PaymentStatus.VOIDED and voided.void_reason == "wrong reader"
    assert db.session.get(User, payment.user_id).membership.status == MembershipStatus.NONE
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.actor_id == staff.id)
    ).all()
    assert actions == ["offline payment recorded", "offline payment voided"]
    flashed = page_text(client.get(response.headers["Location"]))
    assert "The reader has been emailed that its receipt is withdrawn." in flashed
    listed = page_text(client.get("/ar/staff/offline-payments"))
    assert "ملغاة" in listed and "wrong reader" in listed


def test_the_list_and_the_overview_show_the_money_under_its_method(client, staff):
    """The list shows each entry; the overview counts this month's per method and currency."""
    client.post(NEW.format(lang="en"), data=form(client, amount="30"))
    client.post(NEW.format(lang="en"), data=form(client, email="b@example.org", amount="20",
                                                 method="cash", reference=""))  # fmt: skip
    listed = page_text(client.get("/en/staff/offline-payments"))
    assert "qari@example.org" in listed and "Cash to a trusted person" in listed
    html = client.get("/en/staff/").get_data(as_text=True)
    figure = re.search(r'data-stat="offline-bank_transfer-usd">([^<]*)<', html).group(1)
    assert figure.startswith("1 · ")
    assert "$30" in html and 'data-stat="offline-cash-usd"' in html
    assert re.search(r'data-stat="offline-members">2<', html)
    assert re.search(r'data-stat="mrr">', html)  # no Stripe plan: MRR shows nothing per currency


@pytest.mark.parametrize("url", ["/en/staff/offline-payments", "/en/staff/offline-payments/new"])
def test_readers_get_404(client, make_user, auth, url):
    """Readers see nothing of these pages."""
    make_user()
    auth.login()
    assert client.get(url).status_code == 404


def test_a_reader_cannot_void(client, make_user, auth, staff):
    """A reader's post to void is answered 404 and changes nothing."""
    client.post(NEW.format(lang="en"), data=form(client))
    (payment,) = payments()
    accounts.create_user("other@example.org", "olive grove 1987", "en")
    db.session.commit()
    auth.logout()
    auth.login(email="other@example.org")
    token = csrf_token(client, "/en/account")
    url = f"/en/staff/offline-payments/{payment.id}/void"
    assert client.post(url, data={"csrf_token": token, "reason": "x"}).status_code == 404
    assert db.session.scalar(select(func.count()).where(Payment.status == "voided")) == 0


def test_arabic_pages_show_no_english_label(client, staff):
    """The list, the supporter page, the form and the audit log, in Arabic, after an entry was
    recorded and voided: every status, method, cause and action shows translated."""
    from tests.test_labels import _english_labels, _visible_text

    client.post(NEW.format(lang="en"), data=form(client))
    (payment,) = payments()
    token = csrf_token(client, "/en/staff/offline-payments")
    client.post(f"/en/staff/offline-payments/{payment.id}/void",
                data={"csrf_token": token, "reason": "x"})  # fmt: skip
    english = _english_labels() | {str(label._args[0]) for label in OFFLINE_METHOD_LABELS.values()}
    for url in ("/ar/staff/offline-payments", f"/ar/staff/supporters/{payment.user_id}",
                NEW.format(lang="ar"), "/ar/staff/audit", "/ar/staff/"):  # fmt: skip
        text = _visible_text(client.get(url).get_data(as_text=True))
        shown = sorted(
            label for label in english if re.search(rf"(?<![\w.]){re.escape(label)}(?![\w])", text)
        )
        assert shown == [], (url, shown)


def test_the_audit_log_names_the_method_not_its_code(client, staff):
    """An offline entry's audit details say the method in the page's language, never its code."""
    client.post(NEW.format(lang="en"), data=form(client))
    (payment,) = payments()
    text = page_text(client.get("/ar/staff/audit").get_data(as_text=True))
    assert payment.method == OfflineMethod.BANK_TRANSFER
    assert "تحويل مصرفي" in text
    assert "bank_transfer" not in text


def test_syrian_pounds_are_offered_recorded_and_shown_in_both_languages(client, staff):
    """The form offers SYP (named in the page's language) right after the support currency and no
    replaced currency; 150,000 pounds are kept in piastres and written as pounds on the list,
    the overview, the receipt, its email and the audit log, in English and in Arabic."""
    english_form = client.get(NEW.format(lang="en")).get_data(as_text=True)
    codes = re.findall(r'<option[^>]*value="([A-Z]{3})"', english_form)
    assert codes[:2] == ["USD", "SYP"] and "STD" not in codes and "BGN" not in codes
    assert "SYP · Syrian Pound" in english_form
    assert "SYP · ليرة سورية" in client.get(NEW.format(lang="ar")).get_data(as_text=True)
    client.post(
        NEW.format(lang="ar"), data=form(client, lang="ar", currency="SYP", amount="150000")
    )
    (payment,) = payments()
    assert (payment.amount, payment.currency) == (15_000_000, "syp")
    for lang, shown in (("en", "SYP\xa0150,000"), ("ar", "150,000\xa0ل.س.")):
        assert shown in client.get(f"/{lang}/staff/offline-payments").get_data(as_text=True)
        overview = client.get(f"/{lang}/staff/").get_data(as_text=True)
        figure = re.search(
            r'data-stat="offline-bank_transfer-syp">([^<]*<bdi[^>]*>[^<]*)', overview
        )
        assert figure and shown in figure.group(1), lang
        receipt = client.get(f"/{lang}/account/receipts/{payment.id}").get_data(as_text=True)
        assert shown in receipt, lang
        assert shown in page_text(client.get(f"/{lang}/staff/audit")).replace(" ", "\xa0"), lang
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to == "qari@example.org"))
    assert "150,000\xa0ل.س." in mail.body
