"""The signed-in reader as page variants read it: plain columns in one query, the same rules."""

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import g, session
from flask_login import current_user, login_user
from sqlalchemy import Engine, inspect

from app import create_app
from app.auth import Identity, current_reader
from app.extensions import db
from app.models import Membership, Role, User
from app.services import accounts, membership
from config import TestingConfig
from tests.conftest import PASSWORD


def _new_request_signed_in_as(app, user):
    """A request context whose session is `user`'s, the account not loaded yet (as a new request
    carrying their session cookie)."""
    context = app.test_request_context("/en/")
    context.push()
    login_user(user)
    g.pop("_login_user")
    db.session.expunge_all()
    return context


def test_current_reader_reads_every_column_without_loading_the_account(app, make_user):
    """The reader comes as an Identity with the account's and the membership's own values, and no
    account or membership object is loaded into the session."""
    user = make_user("member@example.org")
    membership.grant_comp(user, datetime(2099, 1, 1, tzinfo=UTC), "test")
    db.session.commit()
    columns = {attr.key: getattr(user, attr.key) for attr in inspect(User).column_attrs}
    member = {attr.key: getattr(user.membership, attr.key)
              for attr in inspect(Membership).column_attrs}  # fmt: skip
    context = _new_request_signed_in_as(app, user)
    try:
        reader = current_reader()
        assert isinstance(reader, Identity) and current_user._get_current_object() is reader
        assert not any(
            isinstance(obj, (User, Membership)) for obj in db.session.identity_map.values()
        )
        assert {key: getattr(reader, key) for key in columns} == columns
        assert {key: getattr(reader.membership, key) for key in member} == member
        assert reader.get_id() == user.get_id() and reader.is_authenticated and reader.is_active
        assert membership.perks_for(reader) == membership.MEMBER_PERKS
    finally:
        context.pop()


def test_an_identity_is_read_only_and_names_what_it_lacks(app, make_user):
    """Writing to it, or asking it for something that is not a column, fails at once."""
    user = make_user("reader@example.org", role=Role.STAFF)
    context = _new_request_signed_in_as(app, user)
    try:
        reader = current_reader()
        assert reader.is_staff and reader.membership is None
        with pytest.raises(AttributeError, match="is read only"):
            reader.language = "ar"
        with pytest.raises(AttributeError, match=r"Identity\.payments: not a column"):
            _ = reader.payments
    finally:
        context.pop()


def test_current_reader_keeps_an_account_already_loaded(app, make_user):
    """When the request has loaded the account already, that account is the reader."""
    user = make_user()
    with app.test_request_context("/en/"):
        login_user(user)
        assert current_reader() is user


@pytest.mark.parametrize("change", ["session_version", "deleted"])
def test_current_reader_refuses_what_the_loader_refuses(app, make_user, change):
    """A session from before a sign-out everywhere, or of a deleted account, is signed out."""
    user = make_user()
    context = _new_request_signed_in_as(app, user)
    try:
        stale = db.session.get(User, user.id)
        if change == "session_version":
            stale.session_version += 1
        else:
            stale.deleted_at = datetime.now(UTC)
        db.session.commit()
        db.session.expunge_all()
        assert not current_reader().is_authenticated
    finally:
        context.pop()


def test_a_fresh_worker_can_load_an_account_at_its_first_request():
    """In a new process, once the app is made, the loader's `User.membership` exists (a backref,
    made when the mappers are configured), so a worker's first request may be a signed-in one."""
    code = (
        "from app import create_app\nfrom app.models import User\nfrom config import TestingConfig\n"
        "create_app(TestingConfig())\nprint(hasattr(User, 'membership'))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parent.parent,
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert done.stdout.strip().splitlines()[-1:] == ["True"], done.stdout + done.stderr


@pytest.mark.own_app
def test_with_the_session_on_the_engine_the_reader_is_read_on_a_connection_of_its_own(tmp_path):
    """As in production (the session bound to the engine, not to a test's connection): the reader
    is read on a pooled connection of its own, the session left without a transaction, with the
    same values and the same refusal of an older session version."""
    config = TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path}/own.sqlite"
    app = create_app(config)
    with app.app_context():
        db.create_all()
        user = accounts.create_user("own@example.org", PASSWORD, "en", role=Role.STAFF)
        membership.grant_comp(user, None, "test")
        db.session.commit()
        user_id, cookie_id = user.id, user.get_id()
    for version_moved in (False, True):
        with app.test_request_context("/en/"):
            assert isinstance(db.session.get_bind(), Engine)
            login_user(db.session.get(User, user_id))
            g.pop("_login_user")
            session["_user_id"] = cookie_id  # the cookie's version, whatever the account's now
            db.session.close()
            reader = current_reader()
            assert not db.session().in_transaction()
            if version_moved:
                assert not reader.is_authenticated
            else:
                assert isinstance(reader, Identity) and reader.get_id() == cookie_id
                assert reader.is_staff and reader.email == "own@example.org"
                assert membership.perks_for(reader) == membership.MEMBER_PERKS
                account = db.session.get(User, user_id)
                account.session_version += 1  # signed out everywhere
                db.session.commit()
