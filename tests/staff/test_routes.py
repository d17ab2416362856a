"""Staff pages: access for every role, the dashboard in both languages, CSV, audit, replay."""

import csv
import io
import json
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, MembershipStatus, Role, WebhookEvent
from app.services import accounts, membership
from tests.conftest import csrf_token, page_text

STAFF_PAGES = [
    "/en/staff/", "/ar/staff/", "/en/staff/charts/mrr.svg", "/en/staff/charts/cash.svg",
    "/en/staff/charts/movements.svg", "/en/staff/charts/retention.svg",
    "/en/staff/supporters", "/en/staff/supporters.csv", "/en/staff/prompts", "/en/staff/prompts/new",
    "/en/staff/webhooks", "/en/staff/audit", "/en/staff/outbox", "/en/staff/test-mode",
]  # fmt: skip


@pytest.fixture
def people(make_user):
    make_user("reader@example.org")
    make_user("staff@example.org", role=Role.STAFF)
    make_user("admin@example.org", role=Role.ADMIN)


@pytest.mark.parametrize("url", [*STAFF_PAGES, "/en/staff/team"])
def test_signed_out_readers_are_sent_to_sign_in(client, url):
    """Signed out: the sign-in page."""
    response = client.get(url)
    assert response.status_code == 302 and response.headers["Location"].startswith(
        f"{url[:3]}/login"
    )


@pytest.mark.parametrize("url", [*STAFF_PAGES, "/en/staff/team"])
def test_readers_get_404(client, people, auth, url):
    """A reader sees nothing of the staff pages."""
    auth.login()
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("url", STAFF_PAGES)
def test_staff_and_admins_get_every_staff_page(client, people, auth, url):
    """Staff and admins get 200 on every staff page."""
    for email in ("staff@example.org", "admin@example.org"):
        auth.login(email=email)
        assert client.get(url).status_code == 200, (email, url)
        auth.logout()


def test_only_admins_manage_staff(client, people, auth):
    """The staff accounts page is for admins; what they change is audited."""
    auth.login(email="staff@example.org")
    assert client.get("/en/staff/team").status_code == 404
    auth.logout()
    auth.login(email="admin@example.org")
    token = csrf_token(client, "/en/staff/team")
    client.post(
        "/en/staff/team", data={"email": "reader@example.org", "role": "staff", "csrf_token": token}
    )
    assert accounts.find_user("reader@example.org").role == Role.STAFF
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "staff role"))
    assert entry.actor.email == "admin@example.org"
    assert entry.details == {"role": "staff", "previous": "reader"}


def x_labels(svg):
    axis = re.search(r'<g class="axis x[^"]*">(.*?)</g></g>', svg, re.S).group(1)
    return re.findall(r"<text[^>]*>([^<]+)</text>", axis)


def test_the_dashboard_in_arabic_with_mirrored_charts(client, people, auth):
    """The overview speaks Arabic; its charts are images with alt text, months named in Arabic."""
    auth.login(email="staff@example.org")
    page = client.get("/ar/staff/").get_data(as_text=True)
    assert (
        'lang="ar" dir="rtl"' in page
        and 'src="/ar/staff/charts/mrr.svg"' in page
        and "alt=" in page
    )
    chart = client.get("/ar/staff/charts/mrr.svg")
    assert chart.mimetype == "image/svg+xml" and chart.headers[
        "Content-Security-Policy"
    ].startswith("default-src 'none'")
    labels = x_labels(chart.get_data(as_text=True))
    assert len(labels) == 12 and any(
        "كانون" in label or "آذار" in label or "أيار" in label for label in labels
    )


def test_charts_mirror_for_right_to_left():
    """Right to left: the months run the other way and the value axis moves to the right."""
    from datetime import date

    from app.staff import charts

    history = [(date(2026, month, 1), {"usd": 100 * month}) for month in range(1, 13)]
    ltr = charts.mrr_chart(history, "usd", "MRR", "MRR", rtl=False, locale="en")
    rtl = charts.mrr_chart(history, "usd", "MRR", "MRR", rtl=True, locale="en")
    assert x_labels(ltr)[0] == "Jan 2026" and x_labels(rtl) == x_labels(ltr)[::-1]

    def points(svg):
        return [
            (float(x), float(y))
            for x, y in re.findall(r'<circle cx="([0-9.]+)" cy="([0-9.]+)"', svg)
        ]

    assert len(points(rtl)) == len(points(ltr)) == 12
    # December, the newest and largest value (drawn highest: smallest y), is rightmost in English and
    # leftmost in Arabic
    newest_ltr = min(points(ltr), key=lambda point: point[1])
    newest_rtl = min(points(rtl), key=lambda point: point[1])
    assert newest_ltr[0] == max(x for x, _ in points(ltr))
    assert newest_rtl[0] == min(x for x, _ in points(rtl))
    assert 'class="axis y2' in rtl and 'class="axis y2' not in ltr
    assert 'class="no_data"' not in rtl


def test_supporter_search_filters_and_pages(client, people, auth, make_user):
    """Search by email, filter by status, and page through."""
    for n in range(55):
        user = make_user(f"fan{n:02d}@example.org")
        membership.grant_comp(user, None, "test")
    db.session.commit()
    auth.login(email="staff@example.org")
    page = client.get("/en/staff/supporters?status=complimentary").get_data(as_text=True)
    assert page.count("fan") == 50 and 'rel="next"' in page
    assert "fan54@example.org" in client.get("/en/staff/supporters?q=FAN54").get_data(as_text=True)
    second = client.get("/en/staff/supporters?status=complimentary&page=2").get_data(as_text=True)
    assert second.count("fan") == 5


def test_csv_export_neutralises_formulas_and_is_audited(client, people, auth, make_user):
    """Cells starting with = + - @ are neutralised; the export is streamed and written to the audit log."""
    for email in ("=cmd|calc@example.org", "+1@example.org", "-2@example.org", "@3@example.org"):
        membership.grant_comp(make_user(email), None, "test")
    db.session.commit()
    auth.login(email="staff@example.org")
    response = client.get("/en/staff/supporters.csv?status=complimentary")
    assert response.headers["Content-Disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    emails = {row[0] for row in rows[1:]}
    assert emails == {
        "'=cmd|calc@example.org",
        "'+1@example.org",
        "'-2@example.org",
        "'@3@example.org",
    }
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "export")) is not None


def test_grant_and_revoke_are_audited_and_on_the_timeline(client, people, auth):
    """Staff grant and revoke a comp; both are audited and shown on the supporter's page."""
    auth.login(email="staff@example.org")
    reader = accounts.find_user("reader@example.org")
    url = f"/en/staff/supporters/{reader.id}"
    client.post(f"{url}/grant", data={"until": "2099-01-31", "csrf_token": csrf_token(client, url)})
    db.session.refresh(reader)
    assert reader.membership.status == MembershipStatus.COMPLIMENTARY
    # Through the end of the day chosen: that day is the last one shown.
    assert reader.membership.comp_until.date().isoformat() == "2099-01-31"
    client.post(f"{url}/revoke", data={"csrf_token": csrf_token(client, url)})
    db.session.refresh(reader.membership)
    assert reader.membership.status == MembershipStatus.LAPSED
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.subject_id == reader.id)
    ).all()
    assert sorted(actions) == ["grant", "revoke"]
    page = client.get(url).get_data(as_text=True)
    assert "Complimentary membership granted by staff" in page  # the cause, on the timeline
    assert "Complimentary membership revoked" in page and "staff@example.org" in page  # audit


def test_replay_applies_a_failed_event_once(
    client, auth, make_user, stripe_emulator, stripe_side, subscriber, post
):
    """A failed event replayed from the ledger page applies once; a second replay is refused."""
    stripe_side.subscribe(subscriber.stripe_customer_id)
    paid = stripe_side.deliveries().one("invoice.paid")
    stripe_emulator.faults.fail_next(1, kind="connection")  # Stripe down while it is applied
    assert post(paid).status_code == 500
    make_user("staff@example.org", role=Role.STAFF)
    auth.login(email="staff@example.org")
    url = f"/en/staff/webhooks/{paid.id}"
    assert "Replay this event" in client.get(url).get_data(as_text=True)
    client.post(f"{url}/replay", data={"csrf_token": csrf_token(client, url)})
    row = db.session.get(WebhookEvent, paid.id)
    db.session.refresh(row)
    assert row.state == "applied" and row.attempts == 2
    db.session.refresh(subscriber)
    assert subscriber.membership.status == MembershipStatus.ACTIVE
    client.post(f"{url}/replay", data={"csrf_token": csrf_token(client, url)})
    db.session.refresh(row)
    assert row.attempts == 2
    assert (
        db.session.scalar(select(AuditEntry).where(AuditEntry.action == "replay")).target == paid.id
    )
    assert json.loads(json.dumps(row.payload))["id"] == paid.id


def test_prompt_preview_then_save_and_activate(client, people, auth):
    """Staff preview a prompt, then save it as the active one; readers see it at once."""
    auth.login(email="staff@example.org")
    data = {"lang": "en", "name": "Winter", "lines": "Winter is hard..\\nHelp us report it..", "cta": "Give",
            "amounts": "2, 7", "activate": "y", "csrf_token": csrf_token(client, "/en/staff/prompts/new")}  # fmt: skip
    preview = client.post("/en/staff/prompts/new", data={**data, "preview": "Preview"}).get_data(
        as_text=True
    )
    assert "Winter is hard.." in preview and "$7 a month" in preview.replace(
        '<bdi dir="ltr">', ""
    ).replace("</bdi>", "")
    client.post("/en/staff/prompts/new", data={**data, "submit": "Save"})
    auth.logout()
    assert "Winter is hard.." in client.get("/en/").get_data(as_text=True)
    assert (
        db.session.scalar(select(AuditEntry).where(AuditEntry.action == "prompt edit")) is not None
    )


def test_the_filter_form_and_its_links_work_with_a_language(client, people, auth, make_user):
    """Filtering by the supporters' language keeps the page's own language apart (no clash)."""
    user = make_user("arabic@example.org", lang="ar")
    membership.grant_comp(user, None, "test")
    db.session.commit()
    auth.login(email="staff@example.org")
    response = client.get("/ar/staff/supporters?language=ar&status=complimentary")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "arabic@example.org" in html and "/ar/staff/supporters.csv?language=ar" in html
    assert "arabic@example.org" not in client.get("/en/staff/supporters?language=en").get_data(
        as_text=True
    )


def test_a_new_prompt_is_titled_as_new(client, people, auth):
    """Creating a prompt: "New prompt" in the title and heading, in both languages."""
    auth.login(email="staff@example.org")
    english = client.get("/en/staff/prompts/new").get_data(as_text=True)
    assert "<title>New prompt" in english and "Edit prompt" not in english
    arabic = client.get("/ar/staff/prompts/new").get_data(as_text=True)
    assert "<title>دعوة دعم جديدة" in arabic and "تعديل دعوة الدعم" not in arabic


def test_webhook_states_have_english_labels_too(client, people, auth):
    """The state filter and column name each state in words, in English as in Arabic."""
    from datetime import UTC, datetime

    db.session.add(WebhookEvent(id="evt_s1", type="test_helpers.test_clock.created",
                                created=datetime.now(UTC), payload={}, state="parked",
                                received_at=datetime.now(UTC), attempts=1))  # fmt: skip
    db.session.commit()
    auth.login(email="staff@example.org")
    html = client.get("/en/staff/webhooks").get_data(as_text=True)
    options = re.findall(r'<option value="[a-z]+"[^>]*>([^<]+)</option>', html)
    assert options == [
        "Received, not applied yet",
        "Applied",
        "Ignored",
        "Parked",
        "Failed to apply",
    ]
    assert "<td>Parked</td>" in html and "Test clock created" in page_text(html)
    assert "أُنشئت ساعة الاختبار" in page_text(client.get("/ar/staff/webhooks"))


def test_the_overviews_monthly_tables_name_months(client, people, auth):
    """Each monthly table names its months ("January 2026"), never a month's first day."""
    from datetime import UTC, date, datetime

    from flask_babel import force_locale, gettext

    from app.templating import month_year

    auth.login(email="staff@example.org")
    today = datetime.now(UTC).date()
    starts = [date(today.year - (today.month - n <= 0), (today.month - n - 1) % 12 + 1, 1)
              for n in range(12)]  # fmt: skip
    for lang in ("en", "ar"):
        months = {month_year(start, lang) for start in starts}
        with client.application.test_request_context(), force_locale(lang):
            heading = gettext("Month")
        html = client.get(f"/{lang}/staff/").get_data(as_text=True)
        tables = [t for t in html.split("<table")[1:] if f'<th scope="col">{heading}</th>' in t]
        assert len(tables) == 4, lang  # MRR, cash, retention, cash outside Stripe
        for table in tables:
            cells = re.findall(r"<tr><td>([^<]+)</td>", table)
            assert len(cells) == 12 and set(cells) <= months, (lang, cells)
