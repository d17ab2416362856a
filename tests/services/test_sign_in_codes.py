"""The rules of sign-in codes, below the pages: one row per address, old rows cleared, a code good
only for the account it was sent to while that account lasts."""

from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import SignInCode
from app.services import accounts, sign_in_codes
from app.services.sign_in_codes import Problem
from tests.signing_in import emailed_code, emailed_link


def test_a_code_signs_in_the_account_it_was_sent_to(app, make_user):
    """check_code: the account, the code spent; the same code again is expired."""
    user = make_user("a@example.org", password=None)
    with app.test_request_context():
        sign_in_codes.request_code("a@example.org", "en")
        code = emailed_code("a@example.org")
        assert sign_in_codes.check_code(" A@example.org ", code).user == user
        assert sign_in_codes.check_code("a@example.org", code).problem == Problem.EXPIRED


def test_the_fifth_wrong_try_spends_the_code_and_its_link(app, make_user):
    """Wrong tries count down to 0; after the fifth, the link's code is no longer current."""
    make_user("a@example.org", password=None)
    with app.test_request_context():
        sign_in_codes.request_code("a@example.org", "en")
        link = sign_in_codes.read_link(emailed_link("a@example.org").rsplit("/", 1)[1])
        assert sign_in_codes.is_current(link)
        wrong = f"{(int(link.code) + 1) % 1_000_000:06d}"
        left = [sign_in_codes.check_code("a@example.org", wrong).tries_left for _ in range(5)]
        assert left == [4, 3, 2, 1, 0]
        assert not sign_in_codes.is_current(link)
        checked = sign_in_codes.check_code("a@example.org", link.code, from_link=True)
        assert checked.user is None and checked.problem == Problem.TOO_MANY_TRIES


def test_a_malformed_code_is_refused_without_spending_a_try(app, make_user):
    """check_code: anything but 6 digits is MALFORMED and leaves the tries as they were."""
    make_user("a@example.org", password=None)
    with app.test_request_context():
        sign_in_codes.request_code("a@example.org", "en")
        for typed in ("abcdef", "1234567890123", "", "12345"):
            assert sign_in_codes.check_code("a@example.org", typed).problem == Problem.MALFORMED
        row = db.session.scalar(select(SignInCode).where(SignInCode.email == "a@example.org"))
        assert row.wrong_tries == 0
        assert sign_in_codes.is_well_formed("١٢٣ ٤٥٦") and sign_in_codes.is_well_formed("123-456")
        assert not sign_in_codes.is_well_formed("¹²³⁴⁵⁶")


def test_a_deleted_account_cannot_use_a_code_sent_before(app, make_user):
    """Deleting the account in between: its code signs nobody in."""
    user = make_user("a@example.org", password=None)
    with app.test_request_context():
        sign_in_codes.request_code("a@example.org", "en")
        code = emailed_code("a@example.org")
        accounts.delete_account(user)
        assert sign_in_codes.check_code("a@example.org", code).user is None


def test_rows_a_day_past_their_expiry_are_cleared(app):
    """Each request clears the rows that expired more than a day ago; the others stay."""
    with app.test_request_context():
        sign_in_codes.request_code("old@example.org", "en")
        sign_in_codes.request_code("recent@example.org", "en")
        real = sign_in_codes.now
        old = db.session.scalar(select(SignInCode).where(SignInCode.email == "old@example.org"))
        old.expires_at = real() - timedelta(days=1, minutes=1)
        db.session.commit()
        sign_in_codes.request_code("new@example.org", "en")
        emails = set(db.session.scalars(select(SignInCode.email)))
        assert emails == {"recent@example.org", "new@example.org"}


def test_a_link_we_did_not_sign_is_not_read(app):
    """A forged or altered token reads as nothing."""
    with app.test_request_context():
        assert sign_in_codes.read_link("not-a-token") is None
        assert sign_in_codes.read_link("eyJlIjoiYUBleGFtcGxlLm9yZyJ9.forged") is None
