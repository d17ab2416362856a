"""The emulator's HTTP surface: auth, errors, idempotency, pagination, expand, faults, CORS."""

import pytest
import stripe
from werkzeug.test import Client

from .conftest import sdk

pytestmark = pytest.mark.own_app


def test_missing_key_is_401(emu):
    """A request without an API key is refused with 401 invalid_request_error."""
    response = Client(emu.wsgi).get("/v1/customers")
    assert response.status_code == 401
    assert response.get_json()["error"]["type"] == "invalid_request_error"


def test_live_key_refused(emu):
    """sk_live_ keys get a 401 saying the emulator is test mode only."""
    with pytest.raises(stripe.AuthenticationError, match="test mode only"):
        sdk(emu, "sk_live_x").v1.customers.list()


def test_publishable_key_cannot_read_customers(emu):
    """A pk_test_ key only reaches the endpoints stripe.js uses."""
    response = Client(emu.wsgi).get("/v1/customers", headers={"Authorization": "Bearer pk_test_x"})
    assert response.status_code == 401


def test_missing_object_is_404_resource_missing(client):
    """An unknown id raises InvalidRequestError 404 with code resource_missing, param id."""
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.customers.retrieve("cus_missing")
    assert caught.value.http_status == 404
    assert caught.value.code == "resource_missing"
    assert caught.value.param == "id"
    assert caught.value.user_message == "No such customer: 'cus_missing'"


def test_unknown_subscription_parameter_is_refused(client, flows):
    """A typo in subscription parameters answers 400 parameter_unknown naming it."""
    customer = flows.customer()
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.subscriptions.create(
            params={"customer": customer.id, "items": [{"pric": "price_x"}]}  # type: ignore[typeddict-unknown-key]
        )
    assert caught.value.code == "parameter_unknown"
    assert caught.value.param == "items[0][pric]"


def test_unknown_payment_intent_parameter_is_refused(client):
    """PaymentIntent create refuses unknown parameters too."""
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.payment_intents.create(params={"amount": 500, "currency": "usd", "colour": "x"})  # type: ignore[typeddict-unknown-key]
    assert caught.value.param == "colour"


def test_idempotent_replay_returns_the_saved_answer(client, emu):
    """Same key, same parameters: the first answer again, with Idempotent-Replayed."""
    first = client.v1.customers.create(
        params={"email": "a@example.com"}, options={"idempotency_key": "k1"}
    )
    again = client.v1.customers.create(
        params={"email": "a@example.com"}, options={"idempotency_key": "k1"}
    )
    assert again.id == first.id
    assert again.last_response.headers["Idempotent-Replayed"] == "true"
    assert len(client.v1.customers.list().data) == 1


def test_idempotency_key_with_other_parameters_is_refused(client):
    """Same key, other parameters: 400 idempotency_error."""
    client.v1.customers.create(params={"email": "a@example.com"}, options={"idempotency_key": "k"})
    with pytest.raises(stripe.IdempotencyError, match="same parameters"):
        client.v1.customers.create(
            params={"email": "b@example.com"}, options={"idempotency_key": "k"}
        )


def test_validation_failures_are_not_saved(client):
    """A request refused by validation saves nothing: the key then serves a corrected request."""
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.customers.create(
            params={"emial": "a@example.com"},  # type: ignore[typeddict-unknown-key]
            options={"idempotency_key": "k"},
        )
    created = client.v1.customers.create(
        params={"email": "a@example.com"}, options={"idempotency_key": "k"}
    )
    assert created.email == "a@example.com"


def test_auto_paging_iter_walks_every_page(client):
    """Lists page newest first; auto_paging_iter crosses pages."""
    made = [client.v1.customers.create(params={"email": f"{n}@example.com"}).id for n in range(25)]
    first = client.v1.customers.list(params={"limit": 10})
    assert first.has_more and [c.id for c in first.data] == made[::-1][:10]
    seen = [c.id for c in client.v1.customers.list(params={"limit": 10}).auto_paging_iter()]
    assert seen == made[::-1]


def test_ending_before_pages_backwards(client):
    """ending_before gives the page just newer than the cursor."""
    made = [client.v1.customers.create(params={"email": f"{n}@example.com"}).id for n in range(5)]
    page = client.v1.customers.list(params={"ending_before": made[1], "limit": 2})
    assert [c.id for c in page.data] == [made[3], made[2]]
    assert page.has_more


def test_unknown_expansion_is_refused(client, flows):
    """expand[] on a field that cannot be expanded answers Stripe's 400."""
    customer = flows.customer()
    with pytest.raises(stripe.InvalidRequestError, match=r"cannot be expanded \(email\)"):
        client.v1.customers.retrieve(customer.id, params={"expand": ["email"]})


def test_connection_fault_raises_api_connection_error(client, emu):
    """faults.fail_next(kind=connection) makes the SDK raise APIConnectionError once."""
    emu.faults.fail_next(1, kind="connection")
    with pytest.raises(stripe.APIConnectionError):
        client.v1.customers.list()
    assert client.v1.customers.list().data == []


def test_500_fault_answers_api_error(client, emu):
    """faults.fail_next(kind=500) answers Stripe's api_error with status 500."""
    emu.faults.fail_next(1, kind="500")
    with pytest.raises(stripe.APIError) as caught:
        client.v1.customers.list()
    assert caught.value.http_status == 500


def test_cors_preflight_and_request_id(emu):
    """OPTIONS on /v1 answers the preflight; answers carry Request-Id and CORS headers."""
    web = Client(emu.wsgi)
    preflight = web.options("/v1/payment_methods")
    assert preflight.status_code == 204
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    answer = web.get("/v1/customers", headers={"Authorization": "Bearer sk_test_x"})
    assert answer.headers["Request-Id"].startswith("req_")
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert web.get("/healthz").get_data(as_text=True) == "ok"


def test_requests_are_recorded(client, emu):
    """emu.requests lists (method, path, params) received."""
    client.v1.customers.create(params={"email": "a@example.com", "metadata": {"k": "v"}})
    assert emu.requests[-1] == (
        "POST",
        "/v1/customers",
        {"email": "a@example.com", "metadata": {"k": "v"}},
    )


def test_deleted_customer_retrieves_as_deleted(client, flows):
    """A deleted customer retrieves as {id, object, deleted: true}."""
    customer = flows.customer()
    client.v1.customers.delete(customer.id)
    found = client.v1.customers.retrieve(customer.id)
    assert found.to_dict() == {"id": customer.id, "object": "customer", "deleted": True}


def test_customer_default_must_be_attached(client, flows):
    """invoice_settings.default_payment_method must be attached to the customer."""
    customer = flows.customer()
    other = client.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2040, "cvc": "123"},
        }
    )
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.customers.update(
            customer.id, params={"invoice_settings": {"default_payment_method": other.id}}
        )
    assert caught.value.param == "invoice_settings[default_payment_method]"


def test_price_lookup_key_needs_transfer(client, flows):
    """A lookup key already in use needs transfer_lookup_key."""
    flows.product()
    params = {
        "product": "enab_membership",
        "unit_amount": 500,
        "currency": "usd",
        "lookup_key": "monthly",
        "recurring": {"interval": "month"},
    }
    first = client.v1.prices.create(params=params)
    with pytest.raises(stripe.InvalidRequestError, match="already uses that lookup key"):
        client.v1.prices.create(params=params)
    moved = client.v1.prices.create(params={**params, "transfer_lookup_key": True})
    found = client.v1.prices.list(params={"lookup_keys": ["monthly"]}).data
    assert [p.id for p in found] == [moved.id] and moved.id != first.id
