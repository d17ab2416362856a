"""Article HTML sanitizing."""

import pytest

from app.services.sanitize import plain_text, sanitize_html


@pytest.mark.parametrize(
    ("dirty", "forbidden"),
    [
        ("<p>a<script>alert(1)</script></p>", "<script"),
        ('<img src="x.png" onerror="alert(1)">', "onerror"),
        ('<a href="javascript:alert(1)">x</a>', "javascript:"),
        ('<a href="JaVaScRiPt:alert(1)">x</a>', "alert"),
        ('<p style="position:fixed">x</p>', "style"),
        ('<iframe src="https://evil.example/x"></iframe>', "iframe"),
        ("<object data='x.swf'></object>", "object"),
        ('<svg onload="alert(1)"></svg>', "onload"),
        ("<form action='https://evil.example'><input></form>", "form"),
    ],
)
def test_dangerous_markup_never_survives(dirty, forbidden):
    """Scripts, handlers, javascript: URLs, styles, iframes and plugins are removed."""
    assert forbidden not in sanitize_html(dirty).lower()


def test_news_markup_is_kept():
    """Headings, lists, links, figures, quotes and tables survive."""
    html = (
        "<h2>Sub</h2><p>Text <strong>bold</strong> <a href='https://example.org/a'>link</a></p>"
        "<ul><li>one</li></ul><blockquote><p>quote</p></blockquote>"
        "<figure><img src='/static/media/a.svg' alt='A'><figcaption>Cap</figcaption></figure>"
        "<table><thead><tr><th>h</th></tr></thead><tbody><tr><td>d</td></tr></tbody></table>"
    )
    cleaned = sanitize_html(html)
    for tag in ("<h2>", "<strong>", "<ul>", "<blockquote>", "<figure>", "<figcaption>", "<table>"):
        assert tag in cleaned
    assert 'href="https://example.org/a"' in cleaned
    assert 'rel="noopener noreferrer"' in cleaned


def test_iframes_from_allowed_hosts_only():
    """An embed from an allowed https host stays; any other iframe disappears entirely."""
    html = (
        '<iframe src="https://video.example/embed/1"></iframe>'
        '<iframe src="https://evil.example/"></iframe>'
        '<iframe src="http://video.example/embed/2"></iframe>'
    )
    cleaned = sanitize_html(html, frozenset({"video.example"}))
    assert cleaned == '<iframe src="https://video.example/embed/1"></iframe>'


def test_plain_text_unescapes_rendered_titles():
    """WordPress's rendered titles become plain text: entities decoded, tags dropped."""
    assert plain_text("Syria&#8217;s <em>Idlib</em> &amp; Aleppo") == "Syria’s Idlib & Aleppo"
