"""The support and gift forms' rate limits: only submissions that start a payment count, and the
page shown past a limit says, in the reader's language, roughly how long to wait."""

from tests.billing.test_gift_journey import give
from tests.conftest import page_text
from tests.paying import start


def test_past_the_limit_the_page_says_how_long_to_wait(client, app, monkeypatch):
    """An hour's limit: about 60 minutes, and Retry-After in seconds."""
    monkeypatch.setitem(app.config, "RATELIMIT_SUPPORT_IP", "1 per hour")
    assert start(client, email="first@example.org").status_code == 302
    limited = start(client, email="second@example.org")
    assert limited.status_code == 429
    assert "Please try again in about 60 minutes." in page_text(limited)
    assert 3500 <= int(limited.headers["Retry-After"]) <= 3601


def test_the_wait_is_said_with_arabic_plural_forms(client, app, monkeypatch):
    """A minute's limit: one minute; a day's: 24 hours, each in its Arabic form."""
    monkeypatch.setitem(app.config, "RATELIMIT_SUPPORT_IP", "1 per minute")
    assert start(client, lang="ar", email="first@example.org").status_code == 302
    limited = start(client, lang="ar", email="second@example.org")
    assert limited.status_code == 429 and 'lang="ar"' in limited.get_data(as_text=True)
    assert "يرجى المحاولة مجددًا بعد دقيقة واحدة تقريبًا." in page_text(limited)
    assert 1 <= int(limited.headers["Retry-After"]) <= 61
    monkeypatch.setitem(app.config, "RATELIMIT_SUPPORT_IP", "1 per day")
    assert start(client, lang="ar", email="third@example.org").status_code == 302
    limited = start(client, lang="ar", email="fourth@example.org")
    assert "يرجى المحاولة مجددًا بعد 24 ساعة تقريبًا." in page_text(limited)


def test_support_forms_that_fail_their_checks_do_not_count(client, app, monkeypatch):
    """Three submissions refused by the form's checks (400, 422) use none of the two payments allowed."""
    monkeypatch.setitem(app.config, "RATELIMIT_SUPPORT_IP", "2 per hour")
    for amount in ("0", "abc", "999999999"):
        refused = start(client, amount="other", other_amount=amount, email="a@example.org")
        assert refused.status_code in (400, 422)
    assert start(client, email="a@example.org").status_code == 302
    assert start(client, email="b@example.org").status_code == 302
    assert start(client, email="c@example.org").status_code == 429


def test_a_readers_own_limit_counts_only_payments_started(client, app, monkeypatch):
    """The per-account limit too: a form sent back for a missing amount is not counted."""
    monkeypatch.setitem(app.config, "RATELIMIT_SUPPORT_ACCOUNT", "1 per hour")
    assert start(client, amount="other", email="a@example.org").status_code in (400, 422)
    assert start(client, email="a@example.org").status_code == 302
    assert start(client, frequency="once", email="a@example.org").status_code == 429


def test_gift_forms_that_fail_their_checks_do_not_count(client, app, monkeypatch):
    """The gift form: lengths not offered are sent back without using the one payment allowed."""
    monkeypatch.setitem(app.config, "RATELIMIT_SUPPORT_IP", "1 per hour")
    for months in ("2", "5"):
        assert give(client, months=months, email="giver@example.org").status_code == 400
    assert give(client, email="giver@example.org").status_code == 302
    assert give(client, email="other@example.org").status_code == 429
