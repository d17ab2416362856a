"""Session cookies checked once per worker: the same sessions as Flask's, none looser."""

import time

from app.sessions import CheckedOnceSessions


def _open(app, value):
    """The session a request carrying `value` as its session cookie gets."""
    name = app.config["SESSION_COOKIE_NAME"]
    with app.test_request_context("/", headers={"Cookie": f"{name}={value}"}) as context:
        return app.session_interface.open_session(app, context.request)


def _signed(app, data: dict) -> str:
    return app.session_interface.get_signing_serializer(app).dumps(data)


def test_the_app_opens_sessions_so(app):
    """The app's session interface is this one."""
    assert isinstance(app.session_interface, CheckedOnceSessions)


def test_each_request_gets_its_own_copy_of_a_cookie_seen_before(app):
    """A request changing its session, even inside a list, changes nothing for the next request
    that brings the same cookie."""
    value = _signed(app, {"_flashes": [["message", "one"]], "_user_id": "1:1"})
    first = _open(app, value)
    first["_flashes"].append(["message", "two"])
    first["_user_id"] = "2:1"
    again = _open(app, value)
    assert dict(again) == {"_flashes": [["message", "one"]], "_user_id": "1:1"}
    assert not again.modified


def test_an_altered_cookie_is_refused_though_its_original_was_seen(app):
    """One character changed in a genuine cookie, its payload or its signature, gives an empty
    session."""
    value = _signed(app, {"_user_id": "1:1"})
    assert _open(app, value)["_user_id"] == "1:1"
    payload, _, signature = value.rpartition(".")
    altered_signature = f"{payload}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    altered_payload = ("x" if value[1] != "x" else "y").join((value[:1], value[2:]))
    for forged in (altered_signature, altered_payload):
        assert dict(_open(app, forged)) == {}, forged


def test_a_cookie_too_old_is_refused_though_seen_before(app, monkeypatch):
    """Past PERMANENT_SESSION_LIFETIME a cookie is refused, as Flask refuses it, even one this
    worker has verified before."""
    value = _signed(app, {"_user_id": "1:1"})
    assert _open(app, value)["_user_id"] == "1:1"
    later = time.time() + app.permanent_session_lifetime.total_seconds() + 60
    monkeypatch.setattr(time, "time", lambda: later)
    assert dict(_open(app, value)) == {}


def test_a_session_without_a_cookie_is_a_new_one(app):
    """No cookie: an empty, new session, as Flask's."""
    with app.test_request_context("/") as context:
        session = app.session_interface.open_session(app, context.request)
    assert dict(session) == {} and not session.modified
