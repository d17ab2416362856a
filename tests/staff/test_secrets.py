"""Secrets stay secret: the outbox in production, set-password links, roles, two-factor resets."""

import time

import pyotp
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEntry, OutboxMessage, Role
from app.services import accounts, two_factor
from tests.conftest import csrf_token, page_text

CODE_PAGE = "/en/sign-in/code"
READER, STAFF, ADMIN, OTHER_ADMIN = (
    "reader@example.org", "staff@example.org", "admin@example.org", "admin2@example.org",
)  # fmt: skip


@pytest.fixture
def people(make_user):
    return {
        email: make_user(email, role=role)
        for email, role in [(READER, Role.READER), (STAFF, Role.STAFF), (ADMIN, Role.ADMIN),
                            (OTHER_ADMIN, Role.ADMIN)]
    }  # fmt: skip


def mails_to(email):
    return db.session.scalar(select(func.count()).where(OutboxMessage.to == email))


def actions(action):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


def resend(client, user, page_lang="en"):
    url = f"/{page_lang}/staff/supporters/{user.id}"
    return client.post(f"{url}/set-password-email", data={"csrf_token": csrf_token(client, url)})


# The outbox ----------------------------------------------------------------------------------------


def test_the_production_outbox_shows_no_bodies(client, auth, people, app, monkeypatch):
    """In production the outbox lists recipient, subject, language and state, never a body: a
    reset link there would open the account to any staff member."""
    accounts.request_password_reset(READER, "en")
    body = db.session.scalars(select(OutboxMessage.body).where(OutboxMessage.to == READER)).one()
    link = body.split("http", 1)[1].split()[0]
    monkeypatch.setitem(app.config, "ENV_NAME", "production")
    auth.login(email=STAFF)
    page = client.get("/en/staff/outbox").get_data(as_text=True)
    assert READER in page and "reset-password" not in page and link not in page
    assert "<pre>" not in page and "English" in page
    assert any(state in page for state in ("Queued", "Sent", "Kept in the outbox", "Failed"))


def test_the_development_outbox_shows_bodies(client, auth, people):
    """Outside production (no mail server, a developer's machine) the bodies are there to read."""
    accounts.request_password_reset(READER, "en")
    auth.login(email=STAFF)
    assert "/en/reset-password/" in client.get("/en/staff/outbox").get_data(as_text=True)


# Set-password links --------------------------------------------------------------------------------


def test_a_staff_account_cannot_obtain_a_set_password_link_for_an_admin(client, auth, people):
    """Staff resending the set-password email of an admin: 404, nothing sent."""
    auth.login(email=STAFF)
    assert resend(client, people[ADMIN]).status_code == 404
    assert mails_to(ADMIN) == 0


def test_staff_cannot_resend_set_password_links_at_all(client, auth, people):
    """The resend button is for admins: staff get 404 for a reader too, and no button."""
    auth.login(email=STAFF)
    assert resend(client, people[READER]).status_code == 404
    assert mails_to(READER) == 0
    page = client.get(f"/en/staff/supporters/{people[READER].id}").get_data(as_text=True)
    assert "set-password-email" not in page


@pytest.mark.parametrize("target", [STAFF, OTHER_ADMIN, ADMIN])
def test_admins_cannot_send_links_for_staff_or_admin_accounts(client, auth, people, target):
    """Not even an admin gets a link sent for a staff or admin account; the page says why, in
    the page's language."""
    auth.login(email=ADMIN)
    response = resend(client, people[target])
    assert response.status_code == 302 and mails_to(target) == 0
    assert "set their own passwords" in page_text(client.get(response.headers["Location"]))
    assert actions("resend set-password email") == []
    response = resend(client, people[target], page_lang="ar")
    assert 'lang="ar"' in (page := client.get(response.headers["Location"]).get_data(as_text=True))
    assert "set their own passwords" not in page_text(page)


def test_admins_resend_a_readers_link_and_it_is_audited(client, auth, people):
    """An admin resends a reader's set-password email: sent, and in the audit log."""
    auth.login(email=ADMIN)
    resend(client, people[READER])
    assert mails_to(READER) == 1
    [entry] = actions("resend set-password email")
    assert entry.actor_id == people[ADMIN].id and entry.subject_id == people[READER].id


# Roles ---------------------------------------------------------------------------------------------


def post_team(client, email, role):
    token = csrf_token(client, "/en/staff/team")
    return client.post("/en/staff/team", data={"email": email, "role": role, "csrf_token": token})


def remove(client, user, lang="en", confirm="yes"):
    """Remove staff access as the confirmation page does (`confirm=None`: without confirming)."""
    data = {"csrf_token": csrf_token(client, "/en/staff/team")}
    if confirm is not None:
        data["confirm"] = confirm
    return client.post(f"/{lang}/staff/team/{user.id}/remove", data=data)


def test_staff_cannot_change_roles(client, auth, people):
    """Staff cannot make themselves (or anyone) admin, nor remove anyone."""
    auth.login(email=STAFF)
    token = csrf_token(client, "/en/staff/")
    data = {"email": STAFF, "role": "admin", "csrf_token": token}
    assert client.post("/en/staff/team", data=data).status_code == 404
    removal = f"/en/staff/team/{people[ADMIN].id}/remove"
    assert client.post(removal, data={"csrf_token": token, "confirm": "yes"}).status_code == 404
    db.session.refresh(people[STAFF])
    db.session.refresh(people[ADMIN])
    assert people[STAFF].role == Role.STAFF and people[ADMIN].role == Role.ADMIN
    assert actions("staff role") == actions("staff removed") == []


def test_an_admin_cannot_demote_or_remove_themselves(client, auth, people):
    """An admin's own role is changed by another admin only."""
    auth.login(email=ADMIN)
    response = post_team(client, ADMIN, "staff")
    assert "You cannot change your own role" in page_text(client.get(response.headers["Location"]))
    remove(client, people[ADMIN])
    db.session.refresh(people[ADMIN])
    assert people[ADMIN].role == Role.ADMIN and actions("staff role") == []


def test_every_role_change_is_audited(client, auth, people):
    """Promoting, demoting and removing are each in the audit log, with the role before."""
    auth.login(email=ADMIN)
    post_team(client, STAFF, "admin")
    post_team(client, OTHER_ADMIN, "staff")
    remove(client, people[OTHER_ADMIN])
    changes = [(e.target, e.details) for e in actions("staff role") + actions("staff removed")]
    assert changes == [
        (STAFF, {"role": "admin", "previous": "staff"}),
        (OTHER_ADMIN, {"role": "staff", "previous": "admin"}),
        (OTHER_ADMIN, {"role": "reader", "previous": "staff"}),
    ]


def test_removing_staff_access_asks_first_and_removes_only_once_confirmed(client, auth, people):
    """The team page's button opens a confirmation page; a post without its confirmation removes
    nothing and leads there; confirming removes the access, audited."""
    auth.login(email=ADMIN)
    team = client.get("/ar/staff/team").get_data(as_text=True)
    confirm_url = f"/ar/staff/team/{people[STAFF].id}/remove"
    assert f'href="{confirm_url}"' in team and 'method="post" action="' + confirm_url not in team
    page = client.get(confirm_url)
    assert page.status_code == 200
    text = page_text(page)
    assert STAFF in text and "عضو في فريق العمل" in text and "إلغاء صلاحية فريق العمل" in text
    html = page.get_data(as_text=True)
    assert 'name="confirm" value="yes"' in html and 'name="csrf_token"' in html
    for unconfirmed in (None, "", "no"):
        response = remove(client, people[STAFF], lang="ar", confirm=unconfirmed)
        assert response.status_code == 302 and response.headers["Location"].endswith(confirm_url)
    db.session.refresh(people[STAFF])
    assert people[STAFF].role == Role.STAFF and actions("staff removed") == []
    response = remove(client, people[STAFF], lang="ar")
    assert response.headers["Location"].endswith("/ar/staff/team")
    db.session.refresh(people[STAFF])
    assert people[STAFF].role == Role.READER
    [entry] = actions("staff removed")
    assert entry.actor_id == people[ADMIN].id and entry.details == {
        "role": "reader",
        "previous": "staff",
    }


def test_the_confirmation_needs_csrf_and_an_admin(client, auth, people):
    """Confirmed without the form's token: refused; staff get no confirmation page at all."""
    auth.login(email=ADMIN)
    response = client.post(f"/en/staff/team/{people[STAFF].id}/remove", data={"confirm": "yes"})
    assert response.status_code == 400
    auth.logout()
    auth.login(email=STAFF)
    assert client.get(f"/en/staff/team/{people[OTHER_ADMIN].id}/remove").status_code == 404
    db.session.refresh(people[STAFF])
    assert people[STAFF].role == Role.STAFF and actions("staff removed") == []


# Two-factor resets ---------------------------------------------------------------------------------


def enrol(user):
    secret = pyotp.random_base32()
    two_factor.enrol(user, secret, pyotp.TOTP(secret).now())


def sign_in_with_code(client, auth, user):
    auth.login(email=user.email)
    code = pyotp.TOTP(user.totp_secret).at(time.time() + 30)  # not the one enrolling used
    client.post(CODE_PAGE, data={"code": code, "csrf_token": csrf_token(client, CODE_PAGE)})


def test_an_admin_resets_another_staff_members_two_factor(client, auth, people, app):
    """A lost phone: an admin resets it (audited); the member is signed out and enrols again."""
    enrol(people[STAFF])
    enrol(people[ADMIN])
    sign_in_with_code(client, auth, people[ADMIN])
    page = page_text(client.get("/en/staff/team"))
    assert "Reset two-factor sign-in" in page
    version = people[STAFF].session_version
    client.post(f"/en/staff/team/{people[STAFF].id}/two-factor/reset",
                data={"csrf_token": csrf_token(client, "/en/staff/team")})  # fmt: skip
    db.session.refresh(people[STAFF])
    assert people[STAFF].totp_secret is None and people[STAFF].session_version == version + 1
    [entry] = actions("two-factor reset")
    assert entry.actor_id == people[ADMIN].id and entry.subject_id == people[STAFF].id


def test_nobody_resets_their_own_two_factor_without_a_code(client, auth, people):
    """The team page's reset is for others; staff cannot reach it at all."""
    enrol(people[ADMIN])
    enrol(people[STAFF])
    sign_in_with_code(client, auth, people[STAFF])
    token = csrf_token(client, "/en/staff/")
    reset = f"/en/staff/team/{people[STAFF].id}/two-factor/reset"
    assert client.post(reset, data={"csrf_token": token}).status_code == 404
    auth.logout()
    sign_in_with_code(client, auth, people[ADMIN])
    reset = f"/en/staff/team/{people[ADMIN].id}/two-factor/reset"
    response = client.post(reset, data={"csrf_token": csrf_token(client, "/en/staff/team")})
    assert "You cannot reset your own" in page_text(client.get(response.headers["Location"]))
    db.session.refresh(people[ADMIN])
    db.session.refresh(people[STAFF])
    assert people[ADMIN].totp_secret and people[STAFF].totp_secret
    assert actions("two-factor reset") == []
