"""Sign-in plumbing: Flask-Login's user loader, session versions, role checks, the second factor,
no-cache for personal pages."""

import time
from functools import cache, wraps

from flask import Flask, abort, current_app, g, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import Column, Engine, Select, bindparam, inspect, select
from sqlalchemy.orm import configure_mappers, joinedload

from .extensions import db, login_manager
from .models import Membership, Role, User
from .services import two_factor

# The half-signed-in account: its password (or emailed link) checked, its code not yet.
PENDING = "two_factor_pending"
PENDING_MAX_AGE = 900  # seconds: time enough to install an authenticator app
# The account (`id:session version`) whose code this session has checked.
CHECKED = "two_factor_checked"
# An execution option: the transaction only reads (app/__init__.py begins it so on SQLite).
READ_ONLY = "enab_read_only"
# Set while `current_reader` loads the signed-in reader: an `Identity` is enough.
IDENTITY_ONLY = "identity_only"


@login_manager.user_loader
def load_user(user_id: str) -> "User | Identity | None":
    """`<id>:<session version>`: a session or remember cookie from before sign-out or a password
    change names an older version and is refused. The membership comes in the same query: every
    page asks for the reader's perks. For `current_reader`, the account and its membership are read
    as plain rows (an `Identity`) instead of loaded as objects."""
    identifier, _, version = user_id.partition(":")
    if not identifier.isdigit() or not version.isdigit():
        return None
    session = db.session()
    alone = not (session.in_transaction() or session.new or session.dirty or session.deleted)
    if g.get(IDENTITY_ONLY):
        user: User | Identity | None = _identity(session, alone, int(identifier))
    else:
        user = _account(session, alone, int(identifier))
    if user is None or not user.is_active or user.session_version != int(version):
        return None
    return user


def _account(session, alone: bool, user_id: int) -> User | None:
    if alone:  # its own transaction, which only reads (SQLite: without the write lock)
        session.connection(execution_options={READ_ONLY: True})
    user = session.get(User, user_id, options=[joinedload(User.membership)])
    if alone:
        # A page that reads nothing else holds no transaction while it renders; the account stays
        # loaded for the request.
        session.expire_on_commit, expire = False, session.expire_on_commit
        try:
            session.commit()
        finally:
            session.expire_on_commit = expire
    return user


def current_reader() -> "User | Identity":
    """`current_user` for a page that needs of the account only its columns and its membership's
    (a page variant, which fills in a few personal parts): when not loaded yet in this request, it
    is loaded as an `Identity`, by the same rules (session protection, session version, the
    remember cookie) but from one plain query. It stays `current_user` for the rest of the request."""
    if "_login_user" in g:  # Flask-Login's own: already loaded
        return current_user._get_current_object()
    setattr(g, IDENTITY_ONLY, True)
    try:
        return current_user._get_current_object()
    finally:
        g.pop(IDENTITY_ONLY, None)


class Record:
    """A table row's columns as attributes, read only; asking for anything else (a relationship, a
    method of the model) fails at once, naming it."""

    __slots__ = ("_columns",)

    def __init__(self, columns: dict) -> None:
        object.__setattr__(self, "_columns", columns)

    def __getattr__(self, name: str):
        try:
            return self._columns[name]
        except KeyError:
            raise AttributeError(
                f"{type(self).__name__}.{name}: not a column (load the account for it)"
            ) from None

    def __setattr__(self, name: str, value) -> None:
        raise AttributeError(f"{type(self).__name__} is read only")


class Identity(Record):
    """The signed-in reader as read by `current_reader`: every column of the account (`users`),
    `membership` (every column of theirs, or None), and Flask-Login's and `User`'s properties."""

    __slots__ = ()
    is_authenticated = True
    is_anonymous = False

    @property
    def membership(self) -> Record | None:
        return self._columns["membership"]

    @property
    def is_active(self) -> bool:
        return self.deleted_at is None

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.STAFF, Role.ADMIN)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"


def _columns(model) -> list[tuple[str, Column]]:
    return [(attr.key, attr.columns[0]) for attr in inspect(model).column_attrs]


@cache
def _identity_query() -> tuple[Select, list[str], list[str]]:
    """The account's and its membership's columns in one query (built once, when first asked)."""
    users, memberships = _columns(User), _columns(Membership)
    query = (
        select(*(column.label(f"u_{key}") for key, column in users),
               *(column.label(f"m_{key}") for key, column in memberships))
        .outerjoin(Membership, Membership.user_id == User.id)
        .where(User.id == bindparam("id"))
    )  # fmt: skip
    return query, [key for key, _ in users], [key for key, _ in memberships]


def _identity(session, alone: bool, user_id: int) -> Identity | None:
    query, user_keys, membership_keys = _identity_query()
    bind = session.get_bind()
    if not alone:  # what the session has under way counts
        row = session.connection().execute(query, {"id": user_id}).first()
    elif isinstance(bind, Engine):
        # A connection of the pool's for this one read, in a transaction of its own that only
        # reads (SQLite: without the write lock): cheaper than one of the session's.
        with bind.connect() as connection:
            connection.execution_options(**{READ_ONLY: True})
            row = connection.execute(query, {"id": user_id}).first()
    else:  # a connection the session is bound to (the tests': inside their rolled-back transaction)
        row = bind.execute(query, {"id": user_id}).first()
    if row is None:
        return None
    account = dict(zip(user_keys, row[: len(user_keys)], strict=True))
    member = dict(zip(membership_keys, row[len(user_keys) :], strict=True))
    account["membership"] = Record(member) if member["id"] is not None else None
    return Identity(account)


@login_manager.unauthorized_handler
def sign_in_first():
    lang = g.get("lang") or "en"
    pending = pending_user()
    if pending is not None:  # half signed in: the code (or enrolling) is what is missing
        return redirect(url_for(_code_page(pending), lang=lang))
    return redirect(url_for("accounts.login", lang=lang, next=request.full_path.rstrip("?")))


def _code_page(user: User) -> str:
    return "accounts.second_factor" if user.totp_secret else "accounts.two_factor_setup"


def sign_in(user: User, remember: bool = False, next_url: str = "", code_checked: bool = False):
    """Sign `user` in, in a fresh session. An account that needs a code not checked yet is only
    half signed in: nothing but the code page knows it. Returns that page's address, or None
    when signed in."""
    session.clear()
    if two_factor.required_for(user) and not code_checked:
        logout_user()  # and a remember cookie from before goes too
        session[PENDING] = {"uid": user.id, "v": user.session_version, "remember": remember,
                            "next": next_url, "at": int(time.time())}  # fmt: skip
        return url_for(_code_page(user), lang=g.get("lang") or user.language)
    login_user(user, remember=remember)
    if code_checked:
        session[CHECKED] = user.get_id()
    return None


def pending_user() -> User | None:
    """The half-signed-in account of this session, while its sign-in is recent and current."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_MAX_AGE:
        return None
    user = db.session.get(User, pending.get("uid") or 0)
    if user is None or not user.is_active or user.session_version != pending.get("v"):
        return None
    return user


def finish_sign_in(user: User) -> str:
    """The half-signed-in `user` has given their code: sign them in; returns where they were going."""
    pending = session.get(PENDING) or {}
    sign_in(user, remember=bool(pending.get("remember")), code_checked=True)
    return pending.get("next") or ""


def mark_code_checked(user: User) -> None:
    """`user`, signed in, has just proved their code (enrolling): this session counts as checked."""
    session[CHECKED] = user.get_id()


def code_checked() -> bool:
    return current_user.is_authenticated and session.get(CHECKED) == current_user.get_id()


def staff_required(view):
    """Staff and admins only; anyone else gets 404, signed-out readers the sign-in page. A staff
    session whose code is required but unchecked (a remember cookie, a new role, the setting
    just turned on) goes back to half signed in and is asked for it."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.is_staff:
            abort(404)
        if two_factor.required_for(current_user) and not code_checked():
            user = current_user._get_current_object()
            remember = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
            here = request.full_path.rstrip("?") if request.method == "GET" else ""
            return redirect(sign_in(user, remember=remember in request.cookies, next_url=here))
        return view(*args, **kwargs)

    return wrapper


def admin_required(view):
    """Admins only (staff too get 404)."""

    @staff_required
    @wraps(view)
    def wrapper(*args, **kwargs):
        if current_user.role != Role.ADMIN:
            abort(404)
        return view(*args, **kwargs)

    return wrapper


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    # `User.membership` is a backref, there only once the mappers are configured: a worker's first
    # request, signed in, would otherwise ask the loader for it before any query has configured them.
    configure_mappers()

    @app.after_request
    def personal_pages_are_private(response):
        if "_user_id" in session or PENDING in session:
            response.headers["Cache-Control"] = "private, no-store"
            response.vary.add("Cookie")
        return response
