"""Staff accounts and what only admins may do to accounts: roles and set-password links. Every
change is in the audit log."""

from ..models import Role, SignupSource, User
from . import accounts, audit


class NotAllowed(accounts.AccountError):
    """The actor may not do this (the view names why)."""


class OwnAccount(NotAllowed):
    """Admins do not change their own role: another admin must (so one always remains)."""


class StaffAccount(NotAllowed):
    """Staff and admin accounts reset their own passwords; nobody is sent a link to them."""


def _admins_only(actor: User) -> None:
    if actor.role != Role.ADMIN:
        raise NotAllowed("admins only")


def appoint(actor: User, email: str, role: Role, lang: str) -> tuple[User, bool]:
    """Make the account of `email` (created when new) staff or admin. Returns it and whether it
    is new; the caller mails a new account its set-password link once committed."""
    _admins_only(actor)
    user = accounts.find_user(email)
    created = user is None
    if user is None:
        user = accounts.create_user(email, None, lang, role=Role.READER, source=SignupSource.STAFF)
    set_role(actor, user, role)
    return user, created


def set_role(actor: User, user: User, role: Role) -> None:
    """Change `user`'s role: admins only, never their own, audited (with the role before)."""
    _admins_only(actor)
    if user.role == role:
        return
    if actor.id == user.id:
        raise OwnAccount("own role")
    action = "staff removed" if role == Role.READER else "staff role"
    audit.record(actor, action, user.email, subject=user, role=role.value, previous=user.role.value)
    user.role = role


def resend_set_password_link(actor: User, user: User) -> None:
    """Mail a reader a fresh set-password link, on an admin's request (audited). Never for a staff
    or admin account: the link is the account, and theirs opens the staff pages."""
    _admins_only(actor)
    if user.is_staff:
        raise StaffAccount("staff account")
    if not user.is_active:
        raise NotAllowed("deleted account")
    audit.record(actor, "resend set-password email", user.email, subject=user)
    accounts.send_set_password_link(user)  # commits, with the audit entry
