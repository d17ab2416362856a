"""Data shown to people has a label in their language: every status, event type and audit action
the code records has one, and an Arabic staff page shows none of them in English."""

import ast
import re
from datetime import UTC, datetime
from html import unescape
from pathlib import Path

from app import labels, templating
from app.extensions import db
from app.models import (
    AuditEntry,
    MembershipStatus,
    Payment,
    PaymentStatus,
    Role,
    WebhookEvent,
)
from app.services import audit, billing_events, membership, testmode

APP = Path(__file__).resolve().parent.parent / "app"


def _recorded_actions() -> set[str]:
    """Every action string passed to audit.record, and the automatic ones."""
    actions = set()
    for path in APP.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", "") == "record"
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
            ):
                actions.add(node.args[1].value)
    actions |= {"staff role", "staff removed"}  # services/staff.py picks one of the two
    actions |= {f"test mode: {a}" for a in ("advance", "refund", *testmode.DISPUTE_ACTIONS)}
    from app.services import second_subscriptions

    actions |= {second_subscriptions.FOUND, second_subscriptions.ENDED, second_subscriptions.GONE}
    return actions


def test_every_audit_action_has_a_label():
    assert _recorded_actions() - set(labels.AUDIT_LABELS) == set()


def test_every_event_type_the_ledger_applies_has_a_label():
    assert set(billing_events.HANDLERS) - set(labels.EVENT_LABELS) == set()


def test_every_status_has_a_label():
    assert set(MembershipStatus) <= set(templating.STATUS_LABELS)
    assert set(PaymentStatus) <= set(templating.PAYMENT_STATUS_LABELS)


def _english_labels() -> set[str]:
    found = set()
    for table in (labels.EVENT_LABELS, labels.AUDIT_LABELS, labels.CAUSE_LABELS,
                  labels.DETAIL_LABELS, labels.EVENT_STATE_LABELS, labels.ROLE_LABELS,
                  templating.STATUS_LABELS, templating.PAYMENT_STATUS_LABELS):  # fmt: skip
        found |= {label._args[0] for label in table.values()}
    found |= {label._args[0].split(" #")[0] for label in labels.DETAIL_RECORDS.values()}
    return found | {status.value for status in MembershipStatus if "_" in status.value}


TEST_CLOCK_EVENTS = [f"test_helpers.test_clock.{change}"
                     for change in ("created", "advancing", "ready", "deleted", "internal_failure")]  # fmt: skip


def _visible_text(html: str) -> str:
    """What a reader sees, without <code> (raw ids staff copy) and attributes."""
    html = re.sub(r"<code[^>]*>.*?</code>", " ", html, flags=re.S)
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_arabic_staff_pages_show_no_english_label(client, make_user, auth):
    """A reader with a history of every kind, the team, webhook events in every state and of
    every test-clock type, an audit log with every kind of detail, and the pages that show them,
    in Arabic: no English label, no role, state or event code, no ISO date or currency code."""
    from app.services import staff

    admin = make_user("staff@example.org", role=Role.ADMIN)
    colleague = make_user("zamil@example.org", role=Role.STAFF)
    reader = make_user("qari@example.org", lang="ar")
    staff.set_role(admin, colleague, Role.ADMIN)
    staff.set_role(admin, colleague, Role.READER)
    staff.set_role(admin, colleague, Role.STAFF)
    audit.record(admin, "offline payment recorded", reader.email, subject=reader, payment=7,
                 amount="25 USD", method="cash", received="2026-12-01",
                 covers="2026-12-01 – 2027-02-28")  # fmt: skip
    audit.record(admin, "prompt edit", "دعوة الخريف", activate=True, prompt=3)
    audit.record(None, "stripe import", "", subscriptions_read=1200, accounts_created=0)
    audit.record(admin, "replay", "evt_l1", type="invoice.payment_failed")
    membership.grant_comp(reader, None, "invoice.paid")
    membership.revoke_comp(reader, "customer.subscription.deleted")
    membership.grant_comp(reader, None, "complimentary membership granted by staff")
    audit.record(reader, "grant", reader.email, subject=reader, until="2027-12-01")
    db.session.add(Payment(user_id=reader.id, kind="subscription", invoice_id="in_l1", amount=500,
                           amount_refunded=100, currency="usd", interval="month",
                           status=PaymentStatus.PAID, paid_at=datetime.now(UTC)))  # fmt: skip
    for action in ("grant", "revoke", "export", "replay"):
        audit.record(reader, action, reader.email, subject=reader)
    db.session.add(WebhookEvent(id="evt_l1", type="invoice.payment_failed",
                                created=datetime.now(UTC), payload={}, state="applied",
                                received_at=datetime.now(UTC), attempts=1))  # fmt: skip
    states = ("received", "ignored", "parked", "failed", "applied")
    for n, (event_type, state) in enumerate(zip(TEST_CLOCK_EVENTS, states, strict=True)):
        db.session.add(WebhookEvent(id=f"evt_tc{n}", type=event_type, created=datetime.now(UTC),
                                    payload={}, state=state, received_at=datetime.now(UTC),
                                    attempts=1))  # fmt: skip
    db.session.commit()
    auth.login(email="staff@example.org")
    english = _english_labels()
    codes = [*(role.value for role in Role), *states, *TEST_CLOCK_EVENTS, "USD"]
    for url in (f"/ar/staff/supporters/{reader.id}", "/ar/staff/audit", "/ar/staff/webhooks",
                "/ar/staff/supporters", "/ar/staff/webhooks/evt_l1", "/ar/staff/webhooks/evt_tc0",
                "/ar/staff/team", f"/ar/staff/team/{colleague.id}/remove"):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 200, url
        text = _visible_text(response.get_data(as_text=True))
        shown = sorted(
            label for label in english if re.search(rf"(?<![\w.]){re.escape(label)}(?![\w])", text)
        )
        assert shown == [], (url, shown)
        raw = sorted(
            code for code in codes if re.search(rf"(?<![\w.@]){re.escape(code)}(?![\w@])", text)
        )
        assert raw == [], (url, raw)
        assert not re.search(r"\d{4}-\d{2}-\d{2}", text), url
    assert db.session.query(AuditEntry).count() >= 4


def test_every_membership_cause_the_code_records_has_a_label():
    """The causes passed to membership changes, as string literals, are labelled (an event type's
    label serves for those recorded with the event's type)."""
    causes = set()
    for path in APP.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", "")
                in ("apply_subscription", "sync_subscription", "grant_comp", "revoke_comp")
                and node.args
                and isinstance(node.args[-1], ast.Constant)
                and isinstance(node.args[-1].value, str)
            ):
                causes.add(node.args[-1].value)
    assert causes and causes - set(labels.CAUSE_LABELS) == set()


def test_every_signup_source_has_a_label():
    from app.models import SignupSource

    assert set(SignupSource) == set(labels.SIGNUP_SOURCE_LABELS)


def test_every_cause_passed_by_name_has_a_label():
    """Causes given as `cause="..."` or as a `cause` parameter's default (the changes a member
    chooses when cancelling, pausing or giving more) are labelled too."""
    causes = set()
    for path in APP.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                causes |= {keyword.value.value for keyword in node.keywords
                           if keyword.arg == "cause" and isinstance(keyword.value, ast.Constant)}  # fmt: skip
            elif isinstance(node, ast.FunctionDef):
                arguments = node.args.args[-len(node.args.defaults) :] if node.args.defaults else []
                causes |= {default.value for argument, default in zip(arguments, node.args.defaults, strict=True)
                           if argument.arg == "cause" and isinstance(default, ast.Constant)}  # fmt: skip
    assert "paused instead of cancelling" in causes
    assert causes - set(labels.CAUSE_LABELS) == set()


def page_in(app, lang):
    """A request for a page in `lang`."""
    from contextlib import contextmanager

    from flask import g
    from flask_babel import refresh

    @contextmanager
    def page():
        with app.test_request_context(f"/{lang}/staff/audit"):
            g.lang = lang
            refresh()  # the locale another page of this test chose is not kept
            yield

    return page()


def test_every_role_webhook_state_and_test_clock_event_has_a_label():
    """Roles, the ledger's states and Stripe's test-clock events are labelled in labels.py."""
    from app.services.ledger import DONE

    assert set(Role) == set(labels.ROLE_LABELS)
    assert {"received", "parked", "failed", "duplicate", *DONE} <= set(labels.EVENT_STATE_LABELS)
    assert set(TEST_CLOCK_EVENTS) <= set(labels.EVENT_LABELS)


def test_languages_are_named_in_the_pages_language(app):
    """Arabic on an English page, الإنجليزية on an Arabic one; the list separator is the page's."""
    from app.i18n import language_name

    with page_in(app, "en"):
        assert (language_name("ar"), language_name("en")) == ("Arabic", "English")
        assert labels.listed(["Receipt", "Arabic"]) == "Receipt, Arabic"
    with page_in(app, "ar"):
        assert (language_name("en"), language_name("ar")) == ("الإنجليزية", "العربية")
        assert labels.listed(["إيصال", "الإنجليزية", "ب"]) == "إيصال، الإنجليزية، ب"


def test_months_are_named_as_months(app):
    """The overview's monthly tables name a month, not its first day."""
    from datetime import date

    with page_in(app, "en"):
        assert templating.month_year(date(2026, 1, 1)) == "January 2026"
    with page_in(app, "ar"):
        assert templating.month_year(date(2026, 1, 1)) == "كانون الثاني 2026"
