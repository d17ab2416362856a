"""A pause told to the member: once when it starts (the day it resumes by itself, the perks' end,
the account page to resume early) and once when it ends (by Stripe's schedule or early, with the
next payment), whether the pause's and the resume's events come once, repeated, shuffled or
backwards; a pause that ends otherwise is not told as resumed."""

import random
from datetime import UTC, timedelta

import pytest

from app.extensions import db
from app.models import MembershipStatus, NoticeKind
from app.services import billing
from app.urls import external_url
from tests.billing.test_cancelling import ask_to_cancel, member, take
from tests.conftest import csrf_token
from tests.services.test_notices import deliver, in_lang, kinds, message_of, sent

K = NoticeKind
MINUTE = timedelta(minutes=1)


def aware(moment):
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def shuffled(deliveries, seed):
    """Each delivery one to three times, in a shuffled order (as Stripe may send them)."""
    rng = random.Random(seed)
    copies = [delivery for delivery in deliveries for _ in range(rng.randint(1, 3))]
    rng.shuffle(copies)
    return copies


PAUSE_KINDS = (K.MEMBERSHIP_PAUSED, K.MEMBERSHIP_RESUMED)


def pause_kinds(user):
    """The pause's messages the member got, oldest first."""
    return [kind.value for kind, _ in sent(user) if kind in PAUSE_KINDS]


@pytest.fixture
def paying(subscriber, stripe_side, post):
    """A monthly member whose first payment's events have all been applied."""
    subscription_id = stripe_side.subscribe(subscriber.stripe_customer_id)
    deliver(post, stripe_side.deliveries())
    db.session.expire_all()
    assert subscriber.membership.subscription_id == subscription_id
    assert subscriber.membership.status == MembershipStatus.ACTIVE
    return subscriber


def subscription_of(user) -> str:
    return user.membership.subscription_id


@pytest.mark.parametrize("seed", [1, 2])
def test_a_pause_and_stripes_resume_are_told_once_whatever_the_events_do(
    paying, stripe_side, post, seed
):
    """Paused for a month: one "paused" naming the resume day, the perks' last day and the account
    page; its events and the renewal voided inside it, shuffled and repeated, add nothing. Stripe
    resumes collection: one "back", naming the next payment, with every delivery again."""
    customer = paying.stripe_customer_id
    resumes_at = billing.pause_support(paying, 1)
    membership = paying.membership
    paid_until = aware(membership.paid_until)
    paused = message_of(paying, K.MEMBERSHIP_PAUSED)
    for day in (in_lang("en", resumes_at), in_lang("en", paid_until)):
        assert day in paused.body and day in paused.html
    account = external_url("accounts.account", lang="en")
    assert f"Resume my membership now:\n{account}\n" in paused.body
    assert f'href="{account}"' in paused.html
    stripe_side.renew(customer, subscription_of(paying))  # voided: collection is paused
    pausing = stripe_side.deliveries()
    deliver(post, shuffled(pausing, seed))
    db.session.expire_all()
    assert paying.membership.status == MembershipStatus.PAUSED
    assert pause_kinds(paying) == ["membership_paused"]

    stripe_side.advance_to(customer, resumes_at + MINUTE)
    resuming = stripe_side.deliveries()
    deliver(post, shuffled([*pausing, *resuming], seed + 10))
    deliver(post, list(reversed(resuming)))
    db.session.expire_all()
    assert paying.membership.status == MembershipStatus.ACTIVE
    assert pause_kinds(paying) == ["membership_paused", "membership_resumed"]
    back = message_of(paying, K.MEMBERSHIP_RESUMED)
    next_payment = in_lang("en", paying.membership.current_period_end)
    assert f"is on {next_payment}." in back.body and next_payment in back.html
    assert "$1" in back.body


def test_the_resume_delivered_before_the_pause_tells_nothing_twice(paying, stripe_side, post):
    """Paused at Stripe and resumed before anything was delivered, then the resume's events first
    and the pause's after them: each re-fetch is Stripe's present, so no pause is told at all."""
    customer = paying.stripe_customer_id
    paid_until = stripe_side.gateway.retrieve_subscription(
        subscription_of(paying)
    ).current_period_end
    stripe_side.gateway.pause_collection(
        subscription_of(paying), resumes_at=paid_until + timedelta(days=3), paid_until=paid_until,
        idempotency_key="pause-backwards",
    )  # fmt: skip
    pausing = stripe_side.deliveries()
    stripe_side.advance_to(customer, paid_until + timedelta(days=4))
    resuming = stripe_side.deliveries()
    deliver(post, [*resuming, *pausing, *resuming])
    db.session.expire_all()
    assert paying.membership.status == MembershipStatus.ACTIVE
    assert pause_kinds(paying) == []


def test_a_pause_seen_only_through_its_webhook_is_told_once(paying, stripe_side, post):
    """A pause made at Stripe (not on our pages) is told when its event arrives, once however
    often it comes, and the resume after it too."""
    customer = paying.stripe_customer_id
    paid_until = stripe_side.gateway.retrieve_subscription(
        subscription_of(paying)
    ).current_period_end
    resumes_at = paid_until + timedelta(days=3)
    stripe_side.gateway.pause_collection(subscription_of(paying), resumes_at=resumes_at,
                                         paid_until=paid_until, idempotency_key="pause-hook")  # fmt: skip
    deliver(post, stripe_side.deliveries(), times=3)
    assert pause_kinds(paying) == ["membership_paused"]
    assert in_lang("en", resumes_at) in message_of(paying, K.MEMBERSHIP_PAUSED).body
    stripe_side.advance_to(customer, resumes_at + MINUTE)
    deliver(post, stripe_side.deliveries(), times=3)
    assert pause_kinds(paying) == ["membership_paused", "membership_resumed"]


def test_a_pause_that_ends_in_a_cancellation_is_not_told_as_resumed(paying, stripe_side, post):
    """Paused, then cancelled while paused, then that cancellation undone (paused again: the same
    pause, not told twice), then cancelled and ended: never "back"."""
    customer = paying.stripe_customer_id
    billing.pause_support(paying, 1)
    billing.cancel_support(paying)
    billing.resume_support(paying)  # undoes the cancellation: still paused
    db.session.expire_all()
    assert paying.membership.status == MembershipStatus.PAUSED
    billing.cancel_support(paying)
    stripe_side.renew(customer, subscription_of(paying))
    deliver(post, stripe_side.deliveries(), times=2)
    db.session.expire_all()
    assert paying.membership.status == MembershipStatus.LAPSED
    assert pause_kinds(paying) == ["membership_paused"]
    assert "subscription_ended" in kinds(paying)


def test_the_cancellation_flows_pause_and_an_early_resume_in_arabic(client, make_user, auth):
    """On our pages, in Arabic: a break of two months is confirmed right to left with its dates;
    resuming now from the account page says it is back; a second break later is a new pause,
    told again."""
    reader = make_user("qari@example.org", lang="ar")
    auth.login("qari@example.org", lang="ar")
    member(client, client.emulator, lang="ar")
    offers_url = ask_to_cancel(client, "need_a_break", lang="ar").headers["Location"]
    take(client, offers_url, "pause", lang="ar", months="2")
    db.session.expire_all()
    assert reader.membership.status == MembershipStatus.PAUSED
    paused = message_of(reader, K.MEMBERSHIP_PAUSED)
    assert paused.lang == "ar" and '<html lang="ar" dir="rtl">' in paused.html
    assert paused.subject == "عضويتك في عنب بلدي موقوفة مؤقتًا"
    assert in_lang("ar", reader.membership.paused_until) in paused.body
    assert "تتوقف مزايا العضوية ما دامت عضويتك موقوفة" in paused.body
    assert f'href="{external_url("accounts.account", lang="ar")}"' in paused.html

    client.post("/ar/account/support/resume",
                data={"csrf_token": csrf_token(client, "/ar/account")})  # fmt: skip
    db.session.expire_all()
    assert reader.membership.status == MembershipStatus.ACTIVE
    back = message_of(reader, K.MEMBERSHIP_RESUMED)
    assert back.lang == "ar" and 'dir="rtl"' in back.html and "عادت عضويتك" in back.body
    assert in_lang("ar", reader.membership.current_period_end) in back.body

    offers_url = ask_to_cancel(client, "need_a_break", lang="ar").headers["Location"]
    take(client, offers_url, "pause", lang="ar", months="1")
    db.session.expire_all()
    assert reader.membership.status == MembershipStatus.PAUSED
    assert pause_kinds(reader) == ["membership_paused", "membership_resumed", "membership_paused"]
