"""One-time payments, cards, 3-D Secure, refunds and disputes."""

import datetime

import pytest
import stripe

from stripe_emulator import testing

pytestmark = pytest.mark.own_app


def donation(client, customer_id=None, amount=2500):
    params = {
        "amount": amount,
        "currency": "usd",
        "automatic_payment_methods": {"enabled": True},
        "description": "One-time donation",
        "metadata": {"k": "v"},
    }
    if customer_id:
        params["customer"] = customer_id
    return client.v1.payment_intents.create(params=params)


def test_payment_intent_starts_requires_payment_method(client):
    """A new PaymentIntent waits for a payment method, with a pi_..._secret_ client secret."""
    intent = donation(client)
    assert intent.status == "requires_payment_method"
    assert intent.client_secret.startswith(f"{intent.id}_secret_")


def test_4242_succeeds_with_a_charge(client, emu):
    """4242 succeeds: latest_charge, amount_received, return_url redirect."""
    intent = donation(client)
    result = testing.confirm_payment(emu, intent.client_secret, card_number="4242424242424242")
    assert result["status"] == "succeeded"
    assert "redirect_status=succeeded" in result["redirect_url"]
    intent = client.v1.payment_intents.retrieve(intent.id, params={"expand": ["latest_charge"]})
    assert intent.amount_received == 2500
    assert intent.latest_charge.paid and intent.latest_charge.amount_captured == 2500


@pytest.mark.parametrize(
    ("card", "decline_code"),
    [
        ("4000000000000002", "generic_decline"),
        ("4000000000009995", "insufficient_funds"),
        ("4000000000000341", "generic_decline"),
        ("4111111111111111", "test_mode_live_card"),
    ],
)
def test_declines(client, emu, card, decline_code):
    """Declining cards answer 402 card_declined with Stripe's decline code and a failed charge."""
    intent = donation(client)
    result = testing.confirm_payment(emu, intent.client_secret, card_number=card)
    assert result["error"]["code"] == "card_declined"
    assert result["error"]["decline_code"] == decline_code
    assert result["status"] == "requires_payment_method"
    intent = client.v1.payment_intents.retrieve(intent.id, params={"expand": ["latest_charge"]})
    assert intent.last_payment_error.decline_code == decline_code
    assert intent.latest_charge.status == "failed"
    assert intent.latest_charge.failure_code == "card_declined"


def test_decline_then_success_on_the_same_intent(client, emu):
    """A decline leaves the PaymentIntent usable: a good card then succeeds on it."""
    intent = donation(client)
    testing.confirm_payment(emu, intent.client_secret, card_number="4000000000000002")
    result = testing.confirm_payment(emu, intent.client_secret, card_number="4242424242424242")
    assert result["status"] == "succeeded"
    assert client.v1.payment_intents.retrieve(intent.id).last_payment_error is None


def test_server_side_decline_raises_card_error(client):
    """Confirming with a declining test token raises stripe.CardError carrying the decline."""
    intent = donation(client)
    with pytest.raises(stripe.CardError) as caught:
        client.v1.payment_intents.confirm(
            intent.id, params={"payment_method": "pm_card_chargeDeclined"}
        )
    assert caught.value.code == "card_declined"
    assert caught.value.error.decline_code == "generic_decline"
    assert caught.value.error.payment_intent["status"] == "requires_payment_method"


def test_confirming_a_succeeded_intent_is_refused(client):
    """A succeeded PaymentIntent cannot be confirmed again."""
    intent = donation(client)
    client.v1.payment_intents.confirm(intent.id, params={"payment_method": "pm_card_visa"})
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.payment_intents.confirm(intent.id, params={"payment_method": "pm_card_visa"})
    assert caught.value.code == "payment_intent_unexpected_state"


def test_test_tokens_make_fresh_payment_methods(client):
    """Each use of pm_card_visa makes a new PaymentMethod."""
    first = donation(client)
    second = donation(client)
    a = client.v1.payment_intents.confirm(first.id, params={"payment_method": "pm_card_visa"})
    b = client.v1.payment_intents.confirm(second.id, params={"payment_method": "pm_card_visa"})
    assert a.payment_method != b.payment_method
    assert client.v1.payment_methods.retrieve(a.payment_method).card.last4 == "4242"


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"number": "4242424242424241"}, "incorrect_number"),
        ({"exp_year": 2020}, "invalid_expiry_year"),
        ({"cvc": "12"}, "invalid_cvc"),
    ],
)
def test_card_validation(emu, fields, code):
    """Card creation refuses a Luhn-invalid number, a past expiry, a short CVC."""
    card = {"number": "4242424242424242", "exp_year": datetime.date.today().year + 2, "cvc": "123"}
    card.update(fields)
    with pytest.raises(testing.StripeJsError) as caught:
        testing.create_card(emu, **card)
    assert caught.value.error["code"] == code
    assert caught.value.error["type"] == "card_error"


def test_card_details(client, emu):
    """A card carries brand, last4, expiry, funding, country and a stable fingerprint."""
    first = client.v1.payment_methods.retrieve(testing.create_card(emu, "4242424242424242"))
    second = client.v1.payment_methods.retrieve(testing.create_card(emu, "4242424242424242"))
    assert (first.card.brand, first.card.last4, first.card.funding, first.card.country) == (
        "visa",
        "4242",
        "credit",
        "US",
    )
    assert first.card.fingerprint == second.card.fingerprint


def test_3184_needs_authentication_then_succeeds(client, emu):
    """3184: requires_action with the 3-D Secure page; completing it pays."""
    intent = donation(client)
    result = testing.confirm_payment(emu, intent.client_secret, card_number="4000002760003184")
    assert result["status"] == "requires_action"
    assert "/_emulator/3ds/" in result["redirect_url"]
    back = testing.authenticate(emu, result["redirect_url"], approve=True)
    assert back.startswith("http://127.0.0.1/return?payment_intent=")
    assert "redirect_status=succeeded" in back
    assert client.v1.payment_intents.retrieve(intent.id).status == "succeeded"


def test_failed_authentication(client, emu):
    """Failing 3-D Secure: requires_payment_method, payment_intent_authentication_failure."""
    intent = donation(client)
    result = testing.confirm_payment(emu, intent.client_secret, card_number="4000002760003184")
    back = testing.authenticate(emu, result["redirect_url"], approve=False)
    assert "redirect_status=failed" in back
    intent = client.v1.payment_intents.retrieve(intent.id)
    assert intent.status == "requires_payment_method"
    assert intent.last_payment_error.code == "payment_intent_authentication_failure"


def test_3ds_page_without_pending_authentication(client, emu):
    """The 3-D Secure page approves nothing once no authentication is pending."""
    intent = donation(client)
    result = testing.confirm_payment(emu, intent.client_secret, card_number="4000002760003184")
    testing.authenticate(emu, result["redirect_url"], approve=True)
    with pytest.raises(testing.StripeJsError):
        testing.authenticate(emu, result["redirect_url"], approve=True)


def test_cancel(client):
    """Cancel: canceled."""
    intent = donation(client)
    assert client.v1.payment_intents.cancel(intent.id).status == "canceled"


def paid_charge(client, method="pm_card_visa"):
    intent = donation(client)
    intent = client.v1.payment_intents.confirm(intent.id, params={"payment_method": method})
    return client.v1.charges.retrieve(intent.latest_charge)


def test_partial_then_full_refund(client, flows):
    """A partial refund, then the rest: amount_refunded and refunded follow; too much is 400."""
    charge = paid_charge(client)
    client.v1.refunds.create(params={"charge": charge.id, "amount": 1000})
    assert client.v1.charges.retrieve(charge.id).amount_refunded == 1000
    with pytest.raises(stripe.InvalidRequestError, match=r"greater than unrefunded amount"):
        client.v1.refunds.create(params={"charge": charge.id, "amount": 2000})
    rest = client.v1.refunds.create(params={"payment_intent": charge.payment_intent})
    assert rest.amount == 1500
    charge = client.v1.charges.retrieve(charge.id, params={"expand": ["refunds"]})
    assert charge.refunded and charge.amount_refunded == 2500
    assert len(charge.refunds.data) == 2
    refunded = [e for e in flows.events() if e["type"] == "charge.refunded"]
    assert refunded[-1]["data"]["previous_attributes"] == {
        "amount_refunded": 1000,
        "refunded": False,
    }


def test_refunds_only_when_expanded(client):
    """charge.refunds appears only with expand[]=refunds."""
    charge = paid_charge(client)
    assert "refunds" not in client.v1.charges.retrieve(charge.id)


def test_expanded_refunds_hold_the_ten_newest_and_page_the_rest(client):
    """expand[]=refunds lists the charge's 10 newest refunds, has_more beyond them, and its URL
    (/v1/charges/:id/refunds) pages through all of them: the 10 most recent refunds come on the
    charge, the rest from that endpoint (Stripe's API reference of GET /v1/charges/:id/refunds;
    refunds only when expanded since https://docs.stripe.com/changelog/2022-11-15/deprecates-charges-auto-expand).
    """
    charge = paid_charge(client)
    made = [
        client.v1.refunds.create(params={"charge": charge.id, "amount": 100}).id for _ in range(12)
    ]
    charge = client.v1.charges.retrieve(charge.id, params={"expand": ["refunds"]})
    assert [refund.id for refund in charge.refunds.data] == made[::-1][:10]
    assert charge.refunds.has_more
    assert charge.refunds.url == f"/v1/charges/{charge.id}/refunds"
    assert [refund.id for refund in charge.refunds.auto_paging_iter()] == made[::-1]
    listed = client.v1.charges.list(params={"expand": ["data.refunds"]}).data[0]
    assert listed.refunds.data[0].id == made[-1]


def test_a_detached_card_cannot_be_used_again(client, flows):
    """A detached PaymentMethod pays for nothing and cannot be attached again
    (https://docs.stripe.com/api/payment_methods/detach: "Detachment is permanent and
    irreversible")."""
    customer = flows.customer()
    card = client.v1.payment_methods.attach("pm_card_visa", params={"customer": customer.id})
    assert client.v1.payment_methods.detach(card.id).customer is None
    with pytest.raises(stripe.InvalidRequestError, match="may not be used again") as caught:
        client.v1.payment_methods.attach(card.id, params={"customer": customer.id})
    assert caught.value.param == "payment_method"
    intent = donation(client)
    with pytest.raises(stripe.InvalidRequestError, match="may not be used again"):
        client.v1.payment_intents.confirm(intent.id, params={"payment_method": card.id})
    assert client.v1.payment_intents.retrieve(intent.id).status == "requires_payment_method"


def dispute_of(client, emu):
    charge = paid_charge(client, "pm_card_createDispute")
    assert client.v1.disputes.list(params={"charge": charge.id}).data == []
    emu.settle()
    return charge, client.v1.disputes.list(params={"charge": charge.id}).data[0]


def test_0259_is_disputed_after_settle(client, emu):
    """0259 succeeds, then a fraudulent needs_response dispute opens (charge.disputed)."""
    charge, dispute = dispute_of(client, emu)
    assert (dispute.reason, dispute.status, dispute.amount) == (
        "fraudulent",
        "needs_response",
        2500,
    )
    assert client.v1.charges.retrieve(charge.id).disputed
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.refunds.create(params={"charge": charge.id})
    assert caught.value.code == "charge_disputed"


@pytest.mark.parametrize(
    ("text", "status"), [("winning_evidence", "won"), ("losing_evidence", "lost")]
)
def test_dispute_evidence_decides(client, emu, flows, text, status):
    """winning_evidence wins, losing_evidence loses, after under_review and settle()."""
    _, dispute = dispute_of(client, emu)
    updated = client.v1.disputes.update(
        dispute.id, params={"evidence": {"uncategorized_text": text}}
    )
    assert updated.status == "under_review"
    emu.settle()
    assert client.v1.disputes.retrieve(dispute.id).status == status
    types = flows.types()
    assert types.index("charge.dispute.updated") < types.index("charge.dispute.closed")


def test_dispute_close_loses(client, emu):
    """Closing a dispute accepts it: lost."""
    _, dispute = dispute_of(client, emu)
    assert client.v1.disputes.close(dispute.id).status == "lost"
