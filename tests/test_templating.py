"""Money and dates formatted by Babel for the locale."""

from contextlib import contextmanager
from datetime import datetime

import pytest
from flask import g
from flask_babel import force_locale

from app.templating import money_html, money_plain, split_after_paragraph


@contextmanager
def page_in(app, lang):
    """A request for a page in `lang`."""
    with app.test_request_context(f"/{lang}/"):
        g.lang = lang
        yield


@pytest.mark.parametrize(
    ("lang", "amount", "currency", "expected"),
    [
        ("en", 100, "usd", "$1"),
        ("en", 1250, "usd", "$12.50"),
        ("en", 1000, "jpy", "¥1,000"),  # zero-decimal: yen, not hundredths
        ("en", 5120, "kwd", "KWD\xa05.120"),  # three-decimal: fils
        ("en", 500, "isk", "ISK\xa05"),  # Stripe counts krónur in hundredths, Babel in whole ones
        ("en", 12345, "huf", "HUF\xa0123.45"),  # two-decimal at Stripe for charges, zero in Babel
        ("en", 12345, "twd", "NT$123.45"),
        ("en", 150000, "idr", "IDR\xa01,500"),
        ("en", 150000, "syp", "SYP\xa01,500"),
        ("ar", 100, "usd", "1\xa0US$"),
        ("ar", 1250, "usd", "12.50\xa0US$"),
        ("ar", 500, "isk", "5\xa0ISK"),
        ("ar", 12345, "huf", "123.45\xa0HUF"),
        ("ar", 5120, "kwd", "5.120\xa0د.ك."),
        ("ar", 150000, "lbp", "1,500\xa0ل.ل."),
        ("ar", 15000000, "syp", "150,000\xa0ل.س."),
    ],
)
def test_money(app, lang, amount, currency, expected):
    """The `money` filter: minor units counted as Stripe counts them (app/currency.py), written
    in the page locale's format, isolated left to right (right to left when the symbol is in
    Arabic letters, so that its final stop stays last); whole amounts without decimals."""
    with page_in(app, lang):
        direction = "rtl" if lang == "ar" and currency in ("kwd", "lbp", "syp") else "ltr"
        assert str(money_html(amount, currency)) == f'<bdi dir="{direction}">{expected}</bdi>'


def test_plain_text_amounts_are_isolated_in_arabic_only(app):
    """An email's text part has no <bdi>: in Arabic the amount is wrapped in isolates (right to
    left for a symbol in Arabic letters); English text gets the amount as written."""
    with app.test_request_context("/"), force_locale("ar"):  # as emails are rendered
        assert money_plain(500, "usd") == "\u20665\xa0US$\u2069"
        assert money_plain(15_000_000, "syp") == "\u2067150,000\xa0ل.س.\u2069"
    with app.test_request_context("/"), force_locale("en"):
        assert money_plain(500, "usd") == "$5"


def test_money_filters_in_templates(app):
    """`money` and `exact_money` (a Fraction of minor units, rounded half up) in a template."""
    from fractions import Fraction

    from flask import render_template_string

    with page_in(app, "ar"):
        html = render_template_string(
            "{{ 500|money('isk') }} {{ value|exact_money('usd') }} {{ none|exact_money('usd') }}",
            value=Fraction(1001, 2), none=None,
        )  # fmt: skip
    assert html == (
        '<bdi dir="ltr">5\xa0ISK</bdi> <bdi dir="ltr">5.01\xa0US$</bdi> <bdi dir="ltr">0\xa0US$</bdi>'
    )


def test_the_smallest_support_follows_the_setting(app, monkeypatch):
    """`support_minimum()` ("from $1 a month") is one whole unit of SUPPORT_CURRENCY."""
    from app.templating import support_minimum

    with page_in(app, "en"):
        assert str(support_minimum()) == '<bdi dir="ltr">$1</bdi>'
        monkeypatch.setitem(app.config, "SUPPORT_CURRENCY", "kwd")
        assert str(support_minimum()) == '<bdi dir="ltr">KWD\xa01</bdi>'


def test_arabic_dates_use_levantine_months(app, client):
    """Arabic dates read as the outlet writes them (كانون الثاني)."""
    from app.templating import long_date

    with app.test_request_context("/ar/"):
        from flask import g

        g.lang = "ar"
        assert long_date(datetime(2020, 1, 8, 12)) == "8 كانون الثاني 2020"


def test_split_after_paragraph():
    """The in-article slot goes after the given paragraph, or nowhere in short bodies."""
    head, tail = split_after_paragraph("<p>1</p><p>2</p><p>3</p>", 2)
    assert (str(head), str(tail)) == ("<p>1</p><p>2</p>", "<p>3</p>")
    head, tail = split_after_paragraph("<p>1</p>", 3)
    assert (str(head), str(tail)) == ("<p>1</p>", "")


def test_an_address_reads_in_order_inside_arabic_text(client, make_user, auth):
    """The `address` filter isolates an email left to right (escaped); the Arabic account page
    shows the reader's address that way."""
    from app.templating import address_html

    assert str(address_html("a-1@x.org")) == '<bdi dir="ltr">a-1@x.org</bdi>'
    assert str(address_html("<b>@x.org")) == '<bdi dir="ltr">&lt;b&gt;@x.org</bdi>'
    make_user("new-1.3ad6c8@example.org")
    auth.login(email="new-1.3ad6c8@example.org")
    page = client.get("/ar/account").get_data(as_text=True)
    assert '<bdi dir="ltr">new-1.3ad6c8@example.org</bdi>' in page
