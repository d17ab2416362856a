"""The supporters list shows staff every reader with more than one live subscription now, and
those whose second subscription was canceled and refunded automatically."""

import csv
import io

import pytest

from app.extensions import db
from app.models import Role
from app.payments import get_gateway
from tests.conftest import page_text
from tests.paying import pay, start

SEVERAL = "/en/staff/supporters?subscriptions=several"
ENDED = "/en/staff/supporters?subscriptions=second_ended"


@pytest.fixture
def members(client, stripe_emulator, make_user, auth):
    """Two readers paying $1 a month (one to stay alone), then staff signed in instead."""
    readers = []
    for email in ("two@example.org", "one@example.org"):
        readers.append(make_user(email))
        auth.login(email=email)
        pay(client, stripe_emulator, start(client).headers["Location"])
        auth.logout()
    make_user("staff@example.org", role=Role.STAFF)
    auth.login(email="staff@example.org")
    return readers


def second_subscription(client, reader):
    """A subscription made in Stripe's dashboard, waiting for its first payment."""
    second = get_gateway().create_subscription(
        customer_id=reader.stripe_customer_id, amount=500, currency="usd", interval="month",
        idempotency_key=f"dashboard-{reader.id}", metadata={"user_key": reader.key},
    )  # fmt: skip
    client.deliver_webhooks()
    return second


def listed(client, url):
    return {email for email in ("two@example.org", "one@example.org")
            if email in client.get(url).get_data(as_text=True)}  # fmt: skip


def test_a_second_subscription_waiting_to_charge_is_listed_then_ended_and_refunded(
    client, stripe_emulator, members
):
    """Found: listed as more than one live subscription. Paid: canceled and refunded at once,
    so no longer live, and listed as ended instead (the CSV export too)."""
    reader = members[0]
    assert listed(client, SEVERAL) == set() and listed(client, ENDED) == set()
    second = second_subscription(client, reader)
    assert listed(client, SEVERAL) == {"two@example.org"}
    assert listed(client, ENDED) == set()

    gateway = get_gateway()
    intent = second.client_secret.split("_secret_")[0]
    gateway.client.v1.payment_intents.confirm(intent, params={"payment_method": "pm_card_visa"})
    client.deliver_webhooks()
    assert gateway.retrieve_subscription(second.id).status == "canceled"
    assert listed(client, SEVERAL) == set()
    assert listed(client, ENDED) == {"two@example.org"}
    rows = list(
        csv.reader(
            io.StringIO(
                client.get("/en/staff/supporters.csv?subscriptions=second_ended").get_data(
                    as_text=True
                )
            )
        )
    )
    assert [row[0] for row in rows[1:]] == ["two@example.org"]
    timeline = page_text(client.get(f"/en/staff/supporters/{reader.id}"))
    assert "Second live subscription found" in timeline
    assert f"Second subscription cancelled and refunded {second.id}" in timeline


def test_a_second_subscription_that_ends_by_itself_is_no_longer_listed(
    client, stripe_emulator, members
):
    """Canceled elsewhere (Stripe's dashboard) before it charged: not live, and not ended by us."""
    second = second_subscription(client, members[0])
    assert listed(client, SEVERAL) == {"two@example.org"}
    get_gateway().cancel_subscription(second.id, idempotency_key="dashboard-cancel")
    client.deliver_webhooks()
    assert listed(client, SEVERAL) == set() and listed(client, ENDED) == set()


def test_the_one_giving_access_is_never_the_second(client, stripe_emulator, members):
    """A found subscription that has since become the membership's own (the first ended, this one
    paid) is no second one: the filter needs another live beside the one giving access."""
    reader = members[0]
    second = second_subscription(client, reader)
    reader.membership.subscription_id = second.id  # as if the first had ended and this one paid
    db.session.commit()
    assert listed(client, SEVERAL) == set()


def test_the_filter_is_offered_in_both_languages(client, members):
    english = page_text(client.get("/en/staff/supporters"))
    assert "More than one live now" in english and "A second one ended and refunded" in english
    arabic = client.get("/ar/staff/supporters?subscriptions=several").get_data(as_text=True)
    assert '<option value="several" selected>' in arabic


def test_every_account_is_listed_with_what_it_gave(client, make_user, auth):
    """Readers who registered and never paid, and one-time givers, are found too ("Not a member"),
    with their lifetime giving net of refunds and their last payment; the CSV gives decimal
    amounts with a currency column."""
    import csv
    import io
    from datetime import UTC, datetime

    from app.extensions import db
    from app.models import Payment, PaymentStatus, Role
    from tests.conftest import page_text

    make_user("staff@example.org", role=Role.STAFF)
    make_user("registered@example.org")
    giver = make_user("giver@example.org")
    paid = datetime(2026, 11, 3, tzinfo=UTC)
    db.session.add_all([
        Payment(user_id=giver.id, kind="donation", payment_intent_id="pi_a", amount=2500,
                amount_refunded=500, currency="usd", status=PaymentStatus.PAID, paid_at=paid),
        Payment(user_id=giver.id, kind="donation", payment_intent_id="pi_b", amount=1000,
                currency="usd", status=PaymentStatus.FAILED),
    ])  # fmt: skip
    db.session.commit()
    auth.login(email="staff@example.org")
    page = page_text(client.get("/en/staff/supporters?status=none"))
    assert "registered@example.org" in page and "giver@example.org" in page
    assert "$20" in page and "November 3, 2026" in page  # 25 - 5 refunded; the failed one is not
    rows = list(
        csv.DictReader(
            io.StringIO(client.get("/en/staff/supporters.csv?status=none").get_data(as_text=True))
        )
    )
    giver_row = next(row for row in rows if row["email"] == "giver@example.org")
    assert (giver_row["status"], giver_row["given"], giver_row["given_currency"]) == (
        "none",
        "20",
        "USD",
    )
    assert giver_row["last_payment"] == "2026-11-03"
    assert next(row for row in rows if row["email"] == "registered@example.org")["given"] == ""


def test_each_account_says_how_it_came_and_can_be_filtered_by_it(client, make_user, auth):
    """Registered, made on the support form (a giver without an account), made by staff."""
    import csv
    import io

    from app.models import Role, SignupSource
    from app.services import accounts
    from tests.conftest import page_text

    make_user("staff@example.org", role=Role.STAFF)
    accounts.register("reg@example.org", "a long good password 1", "en")
    accounts.create_user("giver@example.org", None, "ar", source=SignupSource.SUPPORT_FORM)
    from app.extensions import db

    db.session.commit()
    auth.login(email="staff@example.org")
    page = page_text(client.get("/en/staff/supporters?source=support_form"))
    assert "giver@example.org" in page and "reg@example.org" not in page
    assert "On the support form" in page
    rows = list(
        csv.DictReader(io.StringIO(client.get("/en/staff/supporters.csv").get_data(as_text=True)))
    )
    sources = {row["email"]: row["signup_source"] for row in rows}
    assert (
        sources["reg@example.org"] == "register" and sources["giver@example.org"] == "support_form"
    )
    assert "من استمارة الدعم" in page_text(client.get("/ar/staff/supporters?source=support_form"))
