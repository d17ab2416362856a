"""Money and dates formatted by Babel for the locale."""

from datetime import datetime

import pytest

from app.templating import format_money, split_after_paragraph


@pytest.mark.parametrize(
    ("amount", "currency", "locale", "expected"),
    [
        (100, "usd", "en", "$1"),
        (1250, "usd", "en", "$12.50"),
        (1000, "jpy", "en", "¥1,000"),
        (100, "usd", "ar_SY", "US$"),
    ],
)
def test_money(app, amount, currency, locale, expected):
    """Minor units become the locale's currency format; zero-decimal currencies stay whole."""
    with app.test_request_context():
        assert expected in format_money(amount, currency, locale)


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
