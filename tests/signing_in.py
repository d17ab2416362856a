"""What a reader does to sign in with a code: ask for it, read the email, type the code or open the
link and press its button (CSRF included, as a browser would)."""

import re
from urllib.parse import urlsplit

from sqlalchemy import select

from app.extensions import db
from app.models import OutboxMessage
from tests.conftest import csrf_token

CODE_LINE = re.compile(r"^\s+(\d{6})\s*$", re.M)
LINK = re.compile(r"https?://[^\s\u2066\u2069]+/sign-in/email/link/[^\s\u2066\u2069]+")


def ask_for_code(client, email, lang="en", next=""):
    """Submit the "sign in with a code" form; the response (a redirect to the code page)."""
    url = f"/{lang}/sign-in/email"
    data = {"email": email, "next": next, "csrf_token": csrf_token(client, url)}
    return client.post(url, data=data)


def last_email(address) -> OutboxMessage:
    """The newest message written to `address`."""
    message = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.to == address).order_by(OutboxMessage.id.desc())
    )
    assert message is not None, f"no email to {address}"
    return message


def emailed_code(address) -> str:
    """The 6-digit code in the newest email to `address`."""
    found = CODE_LINE.search(last_email(address).body)
    assert found, "no code in the email"
    return found.group(1)


def emailed_link(address) -> str:
    """The sign-in link of the newest email to `address`, as a path on this site."""
    found = LINK.search(last_email(address).body)
    assert found, "no sign-in link in the email"
    return urlsplit(found.group(0)).path


def give_code(client, code, lang="en", remember=False):
    """Type `code` on the code page and press Sign in."""
    url = f"/{lang}/sign-in/email/code"
    data = {"code": code, "csrf_token": csrf_token(client, url)}
    if remember:
        data["remember"] = "y"
    return client.post(url, data=data)


def press_the_link_button(client, path):
    """Open the emailed link's page and press its one button."""
    return client.post(path, data={"csrf_token": csrf_token(client, path)})
