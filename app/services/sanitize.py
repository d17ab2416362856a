"""Article HTML sanitizing: an allowlist fit for news, nothing that runs or loads from unknown hosts."""

import re
from html import unescape
from urllib.parse import urlsplit

import nh3

TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "u", "s", "small",
    "sub", "sup", "mark", "abbr", "cite", "q", "code", "pre", "span",
    "ul", "ol", "li", "dl", "dt", "dd", "a", "blockquote",
    "figure", "figcaption", "img", "picture", "source",
    "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td", "colgroup", "col",
}  # fmt: skip
ATTRIBUTES = {
    "*": {"lang", "dir", "title"},
    "a": {"href", "hreflang"},
    "img": {"src", "alt", "width", "height", "loading", "srcset", "sizes"},
    "source": {"srcset", "media", "type", "sizes"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
    "ol": {"start", "reversed"},
    "abbr": {"title"},
    "iframe": {"src", "width", "height", "title", "allowfullscreen"},
}
URL_SCHEMES = {"http", "https", "mailto"}
_EMPTY_IFRAME = re.compile(r"<iframe(?![^>]*\ssrc=)[^>]*>\s*</iframe>")
_TAG = re.compile(r"<[^>]*>")


def sanitize_html(html: str, embed_hosts: frozenset[str] = frozenset()) -> str:
    """Clean article HTML: no scripts, handlers, styles or `javascript:` URLs; iframes only
    from `embed_hosts` (https), every other iframe removed entirely."""
    tags = TAGS | {"iframe"} if embed_hosts else TAGS

    def keep_attribute(tag: str, attr: str, value: str) -> str | None:
        if tag == "iframe" and attr == "src":
            parts = urlsplit(value)
            return value if parts.scheme == "https" and parts.hostname in embed_hosts else None
        return value

    cleaned = nh3.clean(
        html,
        tags=tags,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        attribute_filter=keep_attribute,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    return _EMPTY_IFRAME.sub("", cleaned).strip()


def plain_text(html: str) -> str:
    """Rendered WordPress text (title, excerpt, caption) as plain text."""
    text = nh3.clean(html, tags=set(), attributes={})
    return " ".join(unescape(_TAG.sub("", text)).split())
