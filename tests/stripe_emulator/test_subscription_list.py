"""GET /v1/subscriptions as Stripe documents it: the status filter, pages, cursors, expand."""

import pytest
import stripe

from .conftest import DAY, START

pytestmark = pytest.mark.own_app


def _ids(listing) -> list[str]:
    return [subscription.id for subscription in listing.data]


@pytest.fixture
def statuses(client, flows):
    """One subscription of each status the emulator reaches, by status (created in this order)."""
    made = {}
    _, active = flows.active()
    made["active"] = active.id
    made["incomplete"] = flows.subscribe(flows.customer().id).id
    _, ending = flows.active()
    client.v1.subscriptions.update(ending.id, params={"cancel_at_period_end": True})
    made["ending"] = ending.id
    _, canceled = flows.active()
    client.v1.subscriptions.cancel(canceled.id)
    made["canceled"] = canceled.id
    clock = flows.clock()
    made["incomplete_expired"] = flows.subscribe(flows.customer(clock.id).id).id
    flows.advance(clock.id, START + DAY)
    for status, subscription_id in made.items():
        expected = "active" if status == "ending" else status
        assert client.v1.subscriptions.retrieve(subscription_id).status == expected
    return made


def test_default_listing_leaves_out_canceled_subscriptions(client, statuses):
    """Without `status`, every subscription but the canceled ones (incomplete_expired included)."""
    listed = set(_ids(client.v1.subscriptions.list()))
    assert listed == set(statuses.values()) - {statuses["canceled"]}


def test_status_all_lists_every_subscription(client, statuses):
    """status=all includes canceled ones; a subscription set to cancel at the period end is
    still listed as active."""
    listing = client.v1.subscriptions.list(params={"status": "all"})
    assert set(_ids(listing)) == set(statuses.values())
    by_id = {subscription.id: subscription for subscription in listing.data}
    assert by_id[statuses["ending"]].status == "active"
    assert by_id[statuses["ending"]].cancel_at_period_end is True


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("canceled", {"canceled"}),
        ("ended", {"canceled", "incomplete_expired"}),
        ("active", {"active", "ending"}),
        ("incomplete", {"incomplete"}),
        ("past_due", set()),
    ],
)
def test_status_filter(client, statuses, status, expected):
    """status=<one status> lists that status; ended is canceled plus incomplete_expired."""
    listed = set(_ids(client.v1.subscriptions.list(params={"status": status})))
    assert listed == {statuses[name] for name in expected}


def test_unknown_status_is_refused(client):
    """A status Stripe does not know answers 400 naming the parameter."""
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.subscriptions.list(params={"status": "lapsed"})  # type: ignore[typeddict-item]
    assert caught.value.param == "status"


def test_unknown_parameter_is_refused(client):
    """A parameter the list does not take answers parameter_unknown, never silently ignored."""
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.subscriptions.list(params={"colour": "red"})  # type: ignore[typeddict-unknown-key]
    assert caught.value.code == "parameter_unknown"


@pytest.fixture
def many(client, flows):
    """25 incomplete subscriptions, newest first (as Stripe lists them)."""
    customer = flows.customer()
    made = [flows.subscribe(customer.id).id for _ in range(25)]
    return made[::-1]


def test_limit_defaults_to_ten_and_has_more_says_what_is_left(client, many):
    """Ten a page by default; has_more until the last page, which is false even when full."""
    first = client.v1.subscriptions.list()
    assert _ids(first) == many[:10] and first.has_more
    last = client.v1.subscriptions.list(params={"limit": 5, "starting_after": many[19]})
    assert _ids(last) == many[20:] and not last.has_more


@pytest.mark.parametrize("limit", [0, 101])
def test_limit_outside_one_to_a_hundred_is_refused(client, many, limit):
    """limit must be between 1 and 100."""
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.subscriptions.list(params={"limit": limit})
    assert caught.value.param == "limit"


def test_cursors_page_forwards_and_backwards(client, many):
    """starting_after gives the older page after a cursor, ending_before the newer one."""
    after = client.v1.subscriptions.list(params={"limit": 3, "starting_after": many[4]})
    assert _ids(after) == many[5:8] and after.has_more
    before = client.v1.subscriptions.list(params={"limit": 3, "ending_before": many[4]})
    assert _ids(before) == many[1:4] and before.has_more
    newest = client.v1.subscriptions.list(params={"limit": 3, "ending_before": many[2]})
    assert _ids(newest) == many[:2] and not newest.has_more


def test_auto_paging_keeps_the_filter_across_pages(client, flows, many):
    """The SDK's auto-pagination walks every page with the same status filter."""
    customer = flows.customer()
    canceled = []
    for _ in range(3):
        subscription = flows.subscribe(customer.id)
        client.v1.subscriptions.cancel(subscription.id)
        canceled.insert(0, subscription.id)
    pages = client.v1.subscriptions.list(params={"status": "all", "limit": 4})
    assert [s.id for s in pages.auto_paging_iter()] == canceled + many
    default = client.v1.subscriptions.list(params={"limit": 4})
    assert [s.id for s in default.auto_paging_iter()] == many


def test_expand_data_customer(client, flows):
    """expand[]=data.customer puts each customer in its subscription; a deleted customer is the
    stub Stripe keeps, and its canceled subscription is still listed under status=all."""
    kept = flows.customer(email="kept@example.org")
    gone = flows.customer(email="gone@example.org")
    flows.subscribe(kept.id)
    flows.subscribe(gone.id)
    client.v1.customers.delete(gone.id)
    listing = client.v1.subscriptions.list(params={"status": "all", "expand": ["data.customer"]})
    customers = {s.customer.id: s.customer for s in listing.data}
    assert customers[kept.id].email == "kept@example.org"
    assert customers[gone.id].deleted is True
    with pytest.raises(stripe.InvalidRequestError, match="cannot be expanded"):
        client.v1.subscriptions.list(params={"expand": ["customer"]})


def test_created_bounds(client, flows):
    """created[gte] / created[lt] keep the subscriptions created in that range."""
    early, late = flows.clock(START), flows.clock(START + 10 * DAY)
    first = flows.subscribe(flows.customer(early.id).id).id
    second = flows.subscribe(flows.customer(late.id).id).id
    since = client.v1.subscriptions.list(params={"created": {"gte": START + DAY}})
    assert _ids(since) == [second]
    until = client.v1.subscriptions.list(params={"created": {"lt": START + DAY}})
    assert _ids(until) == [first]
    assert _ids(client.v1.subscriptions.list(params={"created": START})) == [first]
