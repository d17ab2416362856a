"""Two-factor sign-in for staff: the code after the password, enrolment, recovery codes, limits."""

import re
import time

import pyotp
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, OutboxMessage, RecoveryCode, Role
from app.services import accounts, two_factor
from tests.conftest import PASSWORD, csrf_token, page_text

STAFF = "staff@example.org"
CODE_PAGE = "/en/sign-in/code"
SETUP_PAGE = "/en/two-factor/setup"


@pytest.fixture
def required(app, monkeypatch):
    """STAFF_TWO_FACTOR on, as in production."""
    monkeypatch.setitem(app.config, "STAFF_TWO_FACTOR", True)


@pytest.fixture
def enrolled(make_user):
    """A staff account enrolled with a known secret; returns (user, secret, recovery codes)."""
    user = make_user(STAFF, role=Role.STAFF)
    secret = pyotp.random_base32()
    earlier = time.time() - 120  # its enrolment code is spent, the current ones are not
    codes = two_factor.enrol(user, secret, pyotp.TOTP(secret).at(earlier), now=earlier)
    return user, secret, codes


def give_code(client, code, url=CODE_PAGE):
    return client.post(url, data={"code": code, "csrf_token": csrf_token(client, url)})


def actions(action):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


def test_staff_sign_in_asks_for_the_code_before_any_staff_page(client, auth, enrolled, required):
    """With the setting on, the password alone half signs in: staff pages send to the code page."""
    _, secret, _ = enrolled
    response = auth.login(email=STAFF, next="/en/staff/supporters")
    assert response.headers["Location"] == CODE_PAGE
    assert client.get("/en/staff/").headers["Location"] == CODE_PAGE
    assert client.get("/en/account").headers["Location"] == CODE_PAGE  # not signed in at all
    assert client.get(CODE_PAGE).headers["Cache-Control"] == "private, no-store"
    response = give_code(client, pyotp.TOTP(secret).now())
    assert response.headers["Location"] == "/en/staff/supporters"
    assert client.get("/en/staff/").status_code == 200


def test_a_wrong_code_is_refused_and_counted(client, auth, enrolled, required):
    """A wrong code keeps the account out, says so, and counts a failed try on the account."""
    user, _, _ = enrolled
    auth.login(email=STAFF)
    wrong = f"{(int(pyotp.TOTP(user.totp_secret).now()) + 1) % 1_000_000:06d}"
    response = give_code(client, wrong)
    assert response.status_code == 200 and "That code is not right" in page_text(response)
    assert client.get("/en/staff/").headers["Location"] == CODE_PAGE
    db.session.refresh(user)
    assert user.totp_failures == 1


def test_code_tries_are_rate_limited_per_account(client, auth, enrolled, required):
    """Five wrong codes a minute, then 429 with a page in the reader's language."""
    auth.login(email=STAFF, lang="ar")
    url = "/ar/sign-in/code"
    for _ in range(5):
        assert give_code(client, "12345x", url).status_code == 200
    response = give_code(client, "12345x", url)
    assert response.status_code == 429 and 'lang="ar"' in response.get_data(as_text=True)
    db.session.refresh(enrolled[0])
    assert enrolled[0].totp_failures == 5


def test_a_code_is_good_once(client, auth, enrolled, required):
    """A code that signed in once is refused when replayed, even on a fresh sign-in."""
    _, secret, _ = enrolled
    code = pyotp.TOTP(secret).now()
    auth.login(email=STAFF)
    assert give_code(client, code).status_code == 302
    auth.logout()
    auth.login(email=STAFF)
    response = give_code(client, code)
    assert response.status_code == 200 and "That code is not right" in page_text(response)
    later = pyotp.TOTP(secret).at(time.time() + 30)  # the next one is fine (clocks drift)
    assert give_code(client, later).status_code == 302


def test_a_recovery_code_works_once(client, auth, enrolled, required):
    """A recovery code signs in once (audited, the rest counted); used again it is refused."""
    user, _, codes = enrolled
    auth.login(email=STAFF)
    response = give_code(client, codes[3].upper().replace("-", " "))  # as people type them
    assert response.status_code == 302
    assert "Recovery codes left: 9" in page_text(client.get("/en/staff/"))
    [entry] = actions("two-factor recovery code used")
    assert entry.actor_id == user.id and entry.details == {"left": 9}
    auth.logout()
    auth.login(email=STAFF)
    assert "That code is not right" in page_text(give_code(client, codes[3]))


def test_recovery_codes_are_kept_hashed(enrolled):
    """Ten codes, shown once: the database holds only their hashes."""
    user, _, codes = enrolled
    stored = db.session.scalars(
        select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)
    ).all()
    assert len(codes) == len(set(codes)) == len(stored) == 10
    assert not {code.replace("-", "") for code in codes} & set(stored)


def test_arabic_digits_are_read(client, auth, enrolled, required):
    """A code typed on an Arabic keyboard (Arabic-Indic digits) is the same code."""
    _, secret, _ = enrolled
    code = pyotp.TOTP(secret).now().translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    auth.login(email=STAFF, lang="ar")
    assert give_code(client, code, "/ar/sign-in/code").status_code == 302


def secret_on(page):
    return (
        re.search(r'<code class="totp-secret">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")
    )


def test_enrolment_end_to_end(client, auth, make_user, required):
    """A staff member without two-factor is sent to enrol: QR code and key, a first code, the
    recovery codes once; then signed in, and asked for a code at every sign-in."""
    user = make_user(STAFF, role=Role.STAFF)
    assert auth.login(email=STAFF).headers["Location"] == SETUP_PAGE
    assert client.get("/en/staff/").headers["Location"] == SETUP_PAGE
    assert client.get(CODE_PAGE).headers["Location"] == SETUP_PAGE
    page = client.get(SETUP_PAGE).get_data(as_text=True)
    assert '<svg role="img"' in page and 'class="segno"' in page and "<title>" in page
    secret = secret_on(page)
    assert secret_on(client.get(SETUP_PAGE).get_data(as_text=True)) == secret  # the same, reloaded
    response = give_code(client, "000001", SETUP_PAGE)
    assert "That code is not right" in page_text(response)
    response = give_code(client, pyotp.TOTP(secret).now(), SETUP_PAGE)
    assert response.status_code == 200
    codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", response.get_data(as_text=True))
    assert len(codes) == 10
    assert client.get("/en/staff/").status_code == 200
    db.session.refresh(user)
    assert user.totp_secret == secret and len(actions("two-factor enrolled")) == 1
    with client.session_transaction() as session:
        assert "two_factor_enrolling" not in session  # the secret has left the session
    auth.logout()
    assert auth.login(email=STAFF).headers["Location"] == CODE_PAGE
    assert give_code(client, codes[0]).status_code == 302


def test_arabic_setup_page_keeps_the_key_left_to_right(client, auth, make_user, required):
    """In Arabic the key for typing by hand is isolated left to right."""
    make_user(STAFF, role=Role.STAFF, lang="ar")
    auth.login(email=STAFF, lang="ar")
    page = client.get("/ar/two-factor/setup").get_data(as_text=True)
    assert 'dir="rtl"' in page and '<bdi dir="ltr"><code class="totp-secret">' in page


def test_without_the_setting_staff_sign_in_as_before(client, auth, make_user):
    """Off (development, tests): staff without two-factor sign in with their password alone."""
    make_user(STAFF, role=Role.STAFF)
    assert auth.login(email=STAFF).headers["Location"] == "/en/"
    assert client.get("/en/staff/").status_code == 200


def test_voluntary_enrolment_then_always_asked(client, auth, make_user):
    """Off, a staff member may enrol from their account; from then on the code is always asked."""
    make_user(STAFF, role=Role.STAFF)
    auth.login(email=STAFF)
    assert "Two-factor sign-in" in page_text(client.get("/en/account"))
    assert "Two-factor sign-in is off" in page_text(client.get("/en/account/two-factor"))
    secret = secret_on(client.get(SETUP_PAGE).get_data(as_text=True))
    assert give_code(client, pyotp.TOTP(secret).now(), SETUP_PAGE).status_code == 200
    assert client.get("/en/staff/").status_code == 200  # enrolling proved the code
    auth.logout()
    assert auth.login(email=STAFF).headers["Location"] == CODE_PAGE


def test_readers_do_not_enrol(client, auth, make_user):
    """Two-factor pages are for staff: a reader gets 404."""
    make_user()
    auth.login()
    assert client.get(SETUP_PAGE).status_code == 404
    assert client.get("/en/account/two-factor").status_code == 404


def test_an_unchecked_staff_session_is_asked_for_the_code(
    client, auth, make_user, app, monkeypatch
):
    """A session signed in before the setting was turned on (or a remember cookie) is half
    signed in again at the first staff page."""
    user = make_user(STAFF, role=Role.STAFF)
    auth.login(email=STAFF, remember=True)
    monkeypatch.setitem(app.config, "STAFF_TWO_FACTOR", True)
    response = client.get("/en/staff/prompts")
    assert response.headers["Location"] == SETUP_PAGE
    assert client.get("/en/account").headers["Location"] == SETUP_PAGE  # signed out meanwhile
    secret = secret_on(client.get(SETUP_PAGE).get_data(as_text=True))
    response = give_code(client, pyotp.TOTP(secret).now(), SETUP_PAGE)
    assert 'href="/en/staff/prompts"' in response.get_data(as_text=True)
    assert client.get("/en/staff/prompts").status_code == 200
    db.session.refresh(user)
    assert user.totp_secret == secret


def test_a_reset_link_does_not_skip_the_code(client, enrolled, required):
    """A password reset link signs a staff account only half in: the code is still asked."""
    accounts.request_password_reset(STAFF, "en")
    message = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to == STAFF)).all()[-1]
    link = re.sub(r"^http://[^/]+", "", re.search(r"http://\S+", message.body).group(0))
    new = "another olive grove 1988"
    response = client.post(link, data={"password": new, "confirm": new,
                                       "csrf_token": csrf_token(client, link)})  # fmt: skip
    assert response.headers["Location"] == CODE_PAGE
    assert client.get("/en/staff/").headers["Location"] == CODE_PAGE


def test_resetting_ones_own_takes_a_code(client, auth, enrolled):
    """Turning off one's own two-factor needs a current code; it is audited."""
    user, secret, codes = enrolled
    auth.login(email=STAFF)
    give_code(client, pyotp.TOTP(secret).now())
    url = "/en/account/two-factor"
    assert "Recovery codes left: 10" in page_text(client.get(url))
    assert "That code is not right" in page_text(give_code(client, "nonsense", url))
    db.session.refresh(user)
    assert user.totp_secret is not None
    response = give_code(client, codes[0], url)
    assert response.headers["Location"] == url  # the setting is off: signed in, without it
    db.session.refresh(user)
    assert user.totp_secret is None and len(actions("two-factor reset")) == 1
    assert db.session.scalar(select(RecoveryCode).where(RecoveryCode.user_id == user.id)) is None


def test_resetting_ones_own_when_required_enrols_again(client, auth, enrolled, required):
    """With the setting on, turning it off leads straight to enrolling again."""
    _, secret, codes = enrolled
    auth.login(email=STAFF)
    give_code(client, pyotp.TOTP(secret).now())
    response = give_code(client, codes[1], "/en/account/two-factor")
    assert response.headers["Location"] == SETUP_PAGE
    assert client.get("/en/staff/").headers["Location"] == SETUP_PAGE


def test_the_cli_resets_a_locked_out_account(runner, enrolled):
    """`flask users reset-two-factor EMAIL`, for the last admin without a phone; audited."""
    user, _, _ = enrolled
    result = runner.invoke(args=["users", "reset-two-factor", STAFF])
    assert result.exit_code == 0, result.output
    db.session.refresh(user)
    assert user.totp_secret is None
    [entry] = actions("two-factor reset")
    assert entry.actor_id is None and entry.subject_id == user.id


def test_the_password_still_comes_first(client, auth, enrolled, required):
    """A wrong password never reaches the code page."""
    response = auth.login(email=STAFF, password=PASSWORD + "x")
    assert response.status_code == 200
    assert client.get(CODE_PAGE).headers["Location"] == "/en/login"
