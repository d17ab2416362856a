"""Accounts as the services make them."""

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import SignupSource, User
from app.services import accounts


@pytest.mark.parametrize("email", ["", "   "])
def test_no_account_is_made_without_an_address(app, email):
    """The forms ask for an address; a caller that passes none gets an error, not an account
    that a later empty form would then have to sign in to."""
    with pytest.raises(ValueError, match="email address"):
        accounts.create_user(email, None, "en", source=SignupSource.SUPPORT_FORM)
    assert db.session.scalar(select(func.count(User.id))) == 0
