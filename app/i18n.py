"""Locale choice and text direction.

Order: the language in the URL (`/<lang>/...`), then the reader's saved choice (cookie), then the
browser's Accept-Language, then English.
"""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from babel import Locale
from flask import Flask, abort, current_app, g, has_request_context, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BuildError, RoutingException

from .urls import safe_next

LANG_COOKIE = "lang"
RTL_LANGUAGES = {"ar"}
# Each language in its own words, for the language link and the choices of a language.
LANGUAGE_NAMES = {"en": "English", "ar": "العربية"}
# Dates and numbers follow the outlet's own usage: Levantine month names (كانون الثاني) in Arabic.
FORMAT_LOCALES = {"ar": "ar_SY"}


def languages() -> tuple[str, ...]:
    return tuple(current_app.config["LANGUAGES"])


def preferred_language() -> str:
    """The reader's language when the URL does not name one."""
    in_path = request.path.strip("/").partition("/")[0]
    if in_path in languages():
        return in_path
    if current_user and current_user.is_authenticated:
        return current_user.language
    saved = request.cookies.get(LANG_COOKIE)
    if saved in languages():
        return saved
    return request.accept_languages.best_match(languages()) or languages()[0]


def select_locale() -> str:
    lang = g.get("lang")
    if lang:
        return lang
    try:
        return preferred_language()
    except RuntimeError:  # outside a request (CLI, emails): the default locale
        return current_app.config["BABEL_DEFAULT_LOCALE"]


def current_lang() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def format_locale(lang: str | None = None) -> str:
    """The Babel locale used to format dates and numbers for a language."""
    lang = lang or current_lang()
    return FORMAT_LOCALES.get(lang, lang)


def language_name(code: str, lang: str | None = None) -> str:
    """A language named in the page's language or `lang` (what a page says about a language, not
    the link to it): "Arabic" on an English page, "الإنجليزية" on an Arabic one."""
    return Locale.parse(code).get_display_name(format_locale(lang)) or code


def text_direction(lang: str | None = None) -> str:
    return "rtl" if (lang or current_lang()) in RTL_LANGUAGES else "ltr"


def other_language(lang: str) -> str:
    return next(code for code in languages() if code != lang)


# Pages whose address names something of one language (a slug): their views find the other
# language's counterpart themselves.
LANGUAGE_SPECIFIC = frozenset({"readers.article", "readers.section", "readers.tag"})


# Query parameters naming where to go after the page (sign-in's `next`): a language link moves
# them to its language, so the reader does not land back in the language they left.
RETURN_PARAMETERS = frozenset({"next"})


def path_in(target: str, lang: str) -> str:
    """`target`, a path on this site, in `lang` when it names a page meaning the same in every
    language (the account, support or sign-in pages: `/ar/account?x=1` -> `/en/account?x=1`);
    anything else (an article, whose slug is one language's, or not one of our pages) as it is."""
    if not target or safe_next(target, "") != target or not has_request_context():
        return target
    parts = urlsplit(target)
    try:
        endpoint, values = current_app.url_map.bind("").match(parts.path, method="GET")
    except (HTTPException, RoutingException):
        return target
    if endpoint in LANGUAGE_SPECIFIC or values.get("lang") not in languages():
        return target
    try:
        path = url_for(endpoint, **{**values, "lang": lang})
    except BuildError:
        return target
    return urlunsplit(("", "", path, parts.query, parts.fragment))


def _query_in(query: str, lang: str) -> str:
    """The query string with its return parameters moved to `lang` (untouched when none moves)."""
    pairs = parse_qsl(query, keep_blank_values=True)
    moved = [(k, path_in(v, lang) if k in RETURN_PARAMETERS else v) for k, v in pairs]
    return urlencode(moved, safe="/") if moved != pairs else query


def same_page_in(lang: str) -> str | None:
    """This page's address in `lang` (query string kept, a return address in it moved to `lang`
    too), for pages whose address means the same in every language: the account, support,
    sign-in and staff pages."""
    rule = request.url_rule if has_request_context() else None
    if rule is None or "GET" not in (rule.methods or ()):
        return None
    endpoint = request.endpoint or ""
    if endpoint in LANGUAGE_SPECIFIC or "lang" not in rule.arguments:
        return None
    try:
        path = url_for(endpoint, **{**(request.view_args or {}), "lang": lang})
    except BuildError:
        return None
    query = _query_in(request.query_string.decode(), lang) if request.method == "GET" else ""
    return f"{path}?{query}" if query else path


def init_app(app: Flask) -> None:
    @app.url_value_preprocessor
    def pull_lang(endpoint, values):
        """`/<lang>/...` routes: the language comes out of the URL into `g.lang`."""
        if values and "lang" in values:
            lang = values.pop("lang")
            if lang not in languages():
                abort(404)
            g.lang = lang

    @app.url_defaults
    def add_lang(endpoint, values):
        if (
            "lang" not in values
            and g.get("lang")
            and app.url_map.is_endpoint_expecting(endpoint, "lang")
        ):
            values["lang"] = g.lang

    @app.context_processor
    def inject_language():
        lang = current_lang()
        context = {
            "lang": lang,
            "dir": text_direction(lang),
            "other_lang": other_language(lang),
            "language_names": LANGUAGE_NAMES,
            "language_name": language_name,
        }
        same_page = same_page_in(other_language(lang))
        if same_page:  # templates may set a better one (an article's other version)
            context["other_language_path"] = same_page
        return context
