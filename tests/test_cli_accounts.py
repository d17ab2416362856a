"""The `flask members` and `flask users` commands."""

from datetime import UTC, datetime

from app.models import MembershipStatus, Role
from app.services import accounts, membership


def test_members_grant_gives_a_comp_until_a_date(runner, make_user):
    """`flask members grant EMAIL --until DATE` makes a complimentary membership through that day."""
    user = make_user()
    result = runner.invoke(args=["members", "grant", "reader@example.org", "--until", "2099-12-31"])
    assert result.exit_code == 0, result.output
    assert user.membership.status == MembershipStatus.COMPLIMENTARY
    assert membership.perks_for(user, now=datetime(2099, 12, 31, 23, tzinfo=UTC)).member
    assert not membership.perks_for(user, now=datetime(2100, 1, 1, 0, 1, tzinfo=UTC)).member


def test_members_grant_names_an_unknown_email(runner):
    """Granting to an unknown email fails with a clear message."""
    result = runner.invoke(args=["members", "grant", "ghost@example.org", "--until", "2099-01-01"])
    assert result.exit_code != 0 and "No account" in result.output


def test_create_staff_makes_an_account_and_mails_a_link(runner):
    """`flask users create-staff EMAIL` creates a staff account with a set-password link."""
    result = runner.invoke(args=["users", "create-staff", "editor@example.org"])
    assert result.exit_code == 0, result.output
    assert "/en/reset-password/" in result.output  # no mail server: the link is printed too
    user = accounts.find_user("editor@example.org")
    assert user.role == Role.STAFF and user.password_hash is None
    result = runner.invoke(args=["users", "create-staff", "editor@example.org", "--admin"])
    assert accounts.find_user("editor@example.org").role == Role.ADMIN


def test_staff_outbox_is_for_staff_only(client, make_user, auth):
    """Signed out: the sign-in page; a reader: 404; staff: the outbox."""
    assert client.get("/en/staff/outbox").headers["Location"].startswith("/en/login")
    make_user()
    make_user("staff@example.org", role=Role.STAFF)
    auth.login()
    assert client.get("/en/staff/outbox").status_code == 404
    auth.logout()
    auth.login(email="staff@example.org")
    assert client.get("/en/staff/outbox").status_code == 200
