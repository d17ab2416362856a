"""Sign-in plumbing: Flask-Login's user loader, session versions, role checks, no-cache for personal pages."""

from functools import wraps

from flask import Flask, abort, g, redirect, request, session, url_for
from flask_login import current_user

from .extensions import db, login_manager
from .models import User


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """`<id>:<session version>`: a session or remember cookie from before sign-out or a password
    change names an older version and is refused."""
    identifier, _, version = user_id.partition(":")
    if not identifier.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(identifier))
    if user is None or not user.is_active or user.session_version != int(version):
        return None
    return user


@login_manager.unauthorized_handler
def sign_in_first():
    lang = g.get("lang") or "en"
    return redirect(url_for("accounts.login", lang=lang, next=request.full_path.rstrip("?")))


def staff_required(view):
    """Staff and admins only; anyone else gets 404, signed-out readers the sign-in page."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.is_staff:
            abort(404)
        return view(*args, **kwargs)

    return wrapper


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.session_protection = "strong"

    @app.after_request
    def personal_pages_are_private(response):
        if "_user_id" in session:
            response.headers["Cache-Control"] = "private, no-store"
            response.vary.add("Cookie")
        return response
