"""Previews of every supporter email in both languages, rendered from sample data."""

from flask import Response, abort, current_app, render_template

from ..auth import staff_required
from ..i18n import languages, text_direction
from ..security import content_security_policy
from ..services import email_previews
from . import bp

# The email's own HTML, framed by the preview page: its inline styles and nothing else (no
# script, nothing fetched), and only our pages may frame it.
EMAIL_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
)


def _preview(kind: str, msg_lang: str) -> email_previews.Preview:
    found = email_previews.kind_named(kind)
    if found is None or msg_lang not in languages():
        abort(404)
    return email_previews.render_preview(found, msg_lang)


@bp.get("/<lang>/staff/emails")
@staff_required
def email_list():
    return render_template("staff/emails.html", kinds=email_previews.kinds(), languages=languages())


@bp.get("/<lang>/staff/emails/<kind>/<msg_lang>")
@staff_required
def email_preview(kind, msg_lang):
    """The subject, the plain-text part and, framed, the HTML part of one email."""
    preview = _preview(kind, msg_lang)
    response = current_app.make_response(render_template(
        "staff/email_preview.html", preview=preview, msg_dir=text_direction(msg_lang),
        sample_email=email_previews.SAMPLE_EMAIL,
    ))  # fmt: skip
    response.headers["Content-Security-Policy"] = content_security_policy(
        current_app.config, frame_src="'self'"
    )
    return response


@bp.get("/<lang>/staff/emails/<kind>/<msg_lang>.html")
@staff_required
def email_preview_html(kind, msg_lang):
    """The email's HTML part alone, for the preview page's frame (which runs no script)."""
    preview = _preview(kind, msg_lang)
    if preview.html is None:
        abort(404)
    response = Response(preview.html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = EMAIL_POLICY
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Cache-Control"] = "private, no-store"
    return response
