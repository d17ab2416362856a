"""An audit entry's details read in the page's language: labels, dates, money, counts, records."""

import pytest

from app import audit_details
from tests.test_labels import page_in


@pytest.mark.parametrize(
    ("lang", "key", "value", "shown"),
    [
        ("en", "role", "staff", "Staff member"),
        ("ar", "previous", "reader", "قارئ (دون صلاحية فريق العمل)"),
        ("en", "until", "2027-12-01", "December 1, 2027"),
        ("ar", "received", "2026-01-05", "5 كانون الثاني 2026"),
        ("en", "covers", "2026-12-01 – 2027-02-28", "December 1, 2026 – February 28, 2027"),
        ("ar", "covers", "2026-12-01 – 2027-02-28", "1 كانون الأول 2026 – 28 شباط 2027"),
        ("en", "amount", "25 USD", "$25"),
        ("ar", "amount", "25 USD", "25\xa0US$"),
        ("en", "amount", "150000 SYP", "SYP\xa0150,000"),
        ("ar", "amount", "7.50 SYP", "7.50\xa0ل.س."),
        ("en", "payment", 7, "payment #7"),
        ("ar", "payment", 7, "الدفعة رقم 7"),
        ("ar", "message_id", 12, "الرسالة رقم 12"),
        ("en", "method", "cash", "Cash to a trusted person"),
        ("en", "type", "test_helpers.test_clock.created", "Test clock created"),
        ("ar", "activate", True, "نعم"),
        ("en", "subscriptions_read", 1200, "1,200"),
        ("en", "status", "incomplete_expired", "First payment never made, expired"),
        ("en", "filters", {"status": "pending", "language": "ar", "q": "fan"},
         "Status: First payment not completed, Language: Arabic, Email or Stripe id: fan"),
        ("ar", "filters", {"interval": "year", "language": "en"}, "الخطة: سنويًا، اللغة: الإنجليزية"),
        ("en", "reference", "TR-9", "TR-9"),
        ("en", "charge", "ch_123", "ch_123"),
        ("en", "until", "someday", "someday"),  # not a date: as recorded
    ],
)  # fmt: skip
def test_audit_details_read_in_the_pages_language(app, lang, key, value, shown):
    """Each kind of detail as the page's language writes it: labels, long dates, money, counts
    and records; what has no form of its own, as it was recorded."""
    with page_in(app, lang):
        assert audit_details.detail_value(key, value) == shown


def test_a_record_reads_whole_and_empty_details_are_left_out(app):
    """A detail naming a record has no key of its own; empty ones are not shown."""
    with page_in(app, "ar"):
        shown = audit_details.audit_details(
            {"payment": 7, "role": "admin", "reference": "", "kept": None}
        )
    assert shown == [(None, "الدفعة رقم 7"), ("الدور", "مدير")]
