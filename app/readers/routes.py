"""Reader pages. Views parse input, call one service, render."""

import base64

from flask import (
    Response,
    abort,
    current_app,
    g,
    jsonify,
    make_response,
    redirect,
    request,
    url_for,
)
from flask_babel import gettext as _

from ..extensions import csrf, limiter
from ..i18n import LANG_COOKIE, languages, other_language, preferred_language
from ..pagecache import cacheable
from ..pagevariants import render_variant
from ..services import content, prompt_tests, prompts
from ..urls import safe_next
from . import bp

PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


@bp.get("/")
def root():
    response = redirect(url_for("readers.home", lang=preferred_language()))
    response.headers["Vary"] = "Cookie, Accept-Language"
    return response


@bp.get("/language/<code>")
def choose_language(code):
    """Save the reader's language choice and go on to `next` (same-site only)."""
    if code not in languages():
        abort(404)
    response = redirect(safe_next(request.args.get("next"), url_for("readers.home", lang=code)))
    response.set_cookie(LANG_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


@bp.get("/<lang>/")
@cacheable
def home():
    return render_variant("readers/listing.html", _home)


def _home() -> dict:
    page = content.list_latest(g.lang, request.args.get("page", 1, type=int))
    if page.number > 1 and not page.items:
        abort(404)
    return {"heading": _("Latest news"), "is_home": True, "page": page, **_chrome()}


@bp.get("/<lang>/articles/<slug>")
@cacheable
def article(slug):
    return render_variant(
        "readers/article.html",
        lambda: {"view": content.get_article(g.lang, slug) or abort(404), **_chrome()},
    )


@bp.get("/<lang>/sections/<slug>")
@cacheable
def section(slug):
    return _listing(content.find_section, slug, content.list_section_articles,
                    content.counterpart_section, "readers.section")  # fmt: skip


@bp.get("/<lang>/tags/<slug>")
@cacheable
def tag(slug):
    return _listing(content.find_tag, slug, content.list_tag_articles,
                    content.counterpart_tag, "readers.tag")  # fmt: skip


def _listing(find, slug, list_articles, counterpart, endpoint):
    """A section's or tag's stories, a page at a time; the language link leads to the same
    section or tag in the other language when there is one."""

    def context() -> dict:
        found = find(g.lang, slug) or abort(404)
        page = list_articles(found, request.args.get("page", 1, type=int))
        other = counterpart(found, other_language(g.lang))
        other_path = url_for(endpoint, lang=other.lang, slug=other.slug) if other else None
        section_id = found.id if endpoint == "readers.section" else None
        return {"heading": found.name, "page": page, "other_language_path": other_path,
                "section_id": section_id, **_chrome()}  # fmt: skip

    return render_variant("readers/listing.html", context)


def _beacon_limit() -> str:
    return current_app.config["RATELIMIT_BEACON_IP"]


@bp.post("/beacon")
@csrf.exempt
@limiter.limit(_beacon_limit)
def beacon():
    """Count what `navigator.sendBeacon` reports from app/static/js/prompt.js: a prompt's impression
    (and its test variant's), or a click on a variant, once per page view (`view`, made in the
    browser) and at most RATELIMIT_BEACON_IP times per client. No cookie, no cached page touched."""
    prompt_id = request.form.get("prompt", type=int)
    event = request.form.get("event", "impressions")
    view, variant_id = request.form.get("view", ""), request.form.get("variant", type=int)
    if prompt_id is None or not prompt_tests.count_page_view(prompt_id, event, view, variant_id):
        return Response(status=400)
    return Response(status=204, headers={"Cache-Control": "no-store"})


@bp.get("/<lang>/prompt-weights.json")
@cacheable
def prompt_weights():
    """The split new readers of the running test get (the same for everyone, cached like a page):
    {"test": id, "weights": {variant id: share}}, or nulls without a test."""
    test = prompt_tests.running_test(g.lang)
    weights = prompt_tests.current_weights(g.lang) or {}
    return jsonify(test=test.id if test else None,
                   weights={str(key): round(value, 6) for key, value in weights.items()} or None)  # fmt: skip


@bp.get("/beacon/<int:prompt_id>.gif")
@limiter.limit(_beacon_limit)
def beacon_pixel(prompt_id):
    """The prompt's impression for readers without JavaScript (a <noscript> image). They all see the
    control, chosen by no draw, so a test counts none of them."""
    prompts.record_prompt_event(prompt_id, "impressions")
    response = make_response(PIXEL)
    response.headers.update({"Content-Type": "image/gif", "Cache-Control": "no-store"})
    return response


def _chrome() -> dict:
    """What every reader page shows around its content: navigation and the support prompt (with
    its running test's variants and the article-count line's plural forms)."""
    prompt = prompts.get_active_prompt(g.lang)
    return {
        "nav_sections": content.list_nav_sections(g.lang),
        "prompt": prompt,
        "prompt_test": prompt_tests.running_test(g.lang) if prompt and prompt.testing else None,
        "article_count_forms": prompt_tests.article_count_forms(g.lang) if prompt else None,
    }
