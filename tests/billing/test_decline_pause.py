"""The card-testing pause: declines from one address or reader pause new payments, except the
declines of readers who have paid since (readers sharing a connection who mistyped a card)."""

from tests.paying import DECLINED, pay, start

PAUSED = "new payments are paused for an hour"


def browser(app, stripe_emulator):
    """Another reader's browser behind the same address (the test client's 127.0.0.1)."""
    client = app.test_client()
    client.emulator = stripe_emulator
    return client


def decline_then_pay(client, stripe_emulator, email):
    """A signed-out reader mistypes their card once, then pays on the same page."""
    response = start(client, email=email)
    assert response.status_code == 302, response.status_code
    pay_url = response.headers["Location"]
    assert pay(client, stripe_emulator, pay_url, DECLINED).error
    done = pay(client, stripe_emulator, pay_url)
    assert done.response.status_code == 200


def test_readers_who_declined_then_paid_do_not_pause_their_address(app, stripe_emulator):
    """Three readers on one connection each decline once and then pay: a fourth can still pay."""
    for n in range(3):
        decline_then_pay(browser(app, stripe_emulator), stripe_emulator, f"home{n}@example.org")
    fourth = start(browser(app, stripe_emulator), email="home3@example.org")
    assert fourth.status_code == 302 and "/support/pay/" in fourth.headers["Location"]


def test_a_card_tester_on_fresh_emails_is_paused(app, stripe_emulator):
    """Declines on new accounts that never pay still add up: the fourth try is refused."""
    for n in range(3):
        client = browser(app, stripe_emulator)
        response = start(client, email=f"tester{n}@example.org")
        assert pay(client, stripe_emulator, response.headers["Location"], DECLINED).error
    refused = start(browser(app, stripe_emulator), email="tester3@example.org")
    assert refused.status_code == 422 and PAUSED in refused.get_data(as_text=True)


def test_one_readers_success_does_not_clear_other_readers_declines(app, stripe_emulator):
    """Two readers decline, a third declines and then pays: the two declines still count, so one
    more decline from the address pauses it."""
    for n in range(2):
        client = browser(app, stripe_emulator)
        response = start(client, email=f"other{n}@example.org")
        assert pay(client, stripe_emulator, response.headers["Location"], DECLINED).error
    decline_then_pay(browser(app, stripe_emulator), stripe_emulator, "payer@example.org")
    client = browser(app, stripe_emulator)
    response = start(client, email="other2@example.org")
    assert response.status_code == 302
    assert pay(client, stripe_emulator, response.headers["Location"], DECLINED).error
    refused = start(browser(app, stripe_emulator), email="next@example.org")
    assert refused.status_code == 422 and PAUSED in refused.get_data(as_text=True)


def test_a_reader_who_paid_after_declines_can_start_another_payment(
    client, stripe_emulator, make_user, auth
):
    """Three declines and then a success on the same page: the reader may give again at once."""
    make_user()
    auth.login()
    pay_url = start(client).headers["Location"]
    for _ in range(3):
        assert pay(client, stripe_emulator, pay_url, DECLINED).error
    assert pay(client, stripe_emulator, pay_url).response.status_code == 200
    donation = start(client, frequency="once", amount="500")
    assert donation.status_code == 302 and "/support/pay/" in donation.headers["Location"]
