"""The prompt's test on reader pages: one page for everyone, every variant's copy in it, the
control for readers without JavaScript, and a beacon that one client cannot inflate."""

import json
import re
from html import unescape

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Article, PromptStat, PromptVariantStat, Section
from app.services import membership, prompts
from tests.conftest import page_text
from tests.prompting import VARIANT_LINES, active_prompt, make_test

SLUG = "putin-and-erdogan-meet-in-istanbul-amid-ongoing-battles-in-syrias-idlib"
ARTICLE = f"/en/articles/{SLUG}"
TEMPLATES = re.compile(r"<template\b.*?</template>", re.S)


@pytest.fixture(autouse=True)
def content(sample_content):
    return sample_content


def variant_impressions(variant_id):
    return int(db.session.scalar(select(func.sum(PromptVariantStat.impressions))
                                 .where(PromptVariantStat.variant_id == variant_id)) or 0)  # fmt: skip


def prompt_impressions(prompt_id):
    return int(db.session.scalar(select(func.sum(PromptStat.impressions))
                                 .where(PromptStat.prompt_id == prompt_id)) or 0)  # fmt: skip


def attribute(html, name):
    match = re.search(rf'<aside[^>]*\s{name}="([^"]*)"', html)
    return unescape(match.group(1)) if match else None


def test_the_cached_article_is_byte_identical_for_two_readers(app):
    """Two readers without cookies get the very same bytes (the page cache's copy), setting no
    cookie: every variant's copy is in the page, and the browser picks one."""
    _test, control, variant = make_test()
    first, second = app.test_client().get(ARTICLE), app.test_client().get(ARTICLE)
    assert first.status_code == second.status_code == 200
    assert first.get_data() == second.get_data()
    assert "Set-Cookie" not in first.headers and "Set-Cookie" not in second.headers
    assert first.headers["Cache-Control"].startswith("public")
    html = first.get_data(as_text=True)
    assert f'<template data-variant="{variant.id}">' in html
    assert json.loads(attribute(html, "data-split")) == {str(control.id): 0.5, str(variant.id): 0.5}
    assert attribute(html, "data-control") == str(control.id)


def test_without_javascript_the_control_shows(client):
    """Outside the <template>s (which a browser never shows by itself) the prompt is the control:
    the prompt's words and amounts, not the variant's."""
    make_test()
    html = client.get(ARTICLE).get_data(as_text=True)
    shown = TEMPLATES.sub("", html)
    assert active_prompt().line_list[0] in unescape(shown)
    assert VARIANT_LINES.splitlines()[0] not in unescape(shown)
    assert VARIANT_LINES.splitlines()[0] in unescape(html)  # in its template
    # The variant offers $7 a month once a year: $84 a year.
    assert "$1 a month" in page_text(shown) and "$84 a year" in page_text(html)


def test_members_get_neither_the_prompt_nor_its_variants(client, make_user, auth):
    """Members never see the prompt, whatever test runs."""
    make_test()
    user = make_user()
    membership.grant_comp(user, None, "test")
    db.session.commit()
    auth.login()
    html = client.get(ARTICLE).get_data(as_text=True)
    assert "data-prompt" not in html and "<template data-variant" not in html


def test_the_rules_and_the_arabic_plural_forms_are_in_the_page(client):
    """The page carries the staff's rules and, in Arabic, all six forms of the article-count line."""
    prompt = active_prompt("ar")
    prompts.save_prompt(prompt, lang="ar", name=prompt.name, lines=prompt.lines, cta=prompt.cta,
                        monthly_amounts=prompt.monthly_amounts, activate=True, max_shows=2,
                        show_days=7, dismiss_days=30)  # fmt: skip
    article = db.session.scalar(select(Article).where(Article.lang == "ar"))
    html = client.get(f"/ar/articles/{article.slug}").get_data(as_text=True)
    assert json.loads(attribute(html, "data-rules")) == {
        "max_shows": 2,
        "show_days": 7,
        "dismiss_days": 30,
    }
    forms = json.loads(attribute(html, "data-count-forms"))
    assert set(forms) == {"zero", "one", "two", "few", "many", "other"}
    assert "data-dismiss hidden" in html


def test_a_prompt_limited_to_sections_shows_only_there(client):
    """With sections chosen, the prompt goes only on articles (and listings) of those sections."""
    article = db.session.scalar(
        select(Article).where(Article.lang == "en", Article.section_id.is_not(None))
    )
    other = Section(lang="en", slug="elsewhere", name="Elsewhere")
    db.session.add(other)
    db.session.flush()
    prompt = active_prompt()
    prompts.save_prompt(prompt, lang="en", name=prompt.name, lines=prompt.lines, cta=prompt.cta,
                        monthly_amounts=prompt.monthly_amounts, activate=True, section_ids=[other.id])  # fmt: skip
    assert "data-prompt" not in client.get(f"/en/articles/{article.slug}").get_data(as_text=True)
    assert "data-prompt" not in client.get("/en/").get_data(as_text=True)
    prompts.save_prompt(active_prompt(), lang="en", name=prompt.name, lines=prompt.lines, cta=prompt.cta,
                        monthly_amounts=prompt.monthly_amounts, activate=True,
                        section_ids=[article.section_id])  # fmt: skip
    assert "data-prompt" in client.get(f"/en/articles/{article.slug}").get_data(as_text=True)
    section = db.session.get(Section, article.section_id)
    assert "data-prompt" in client.get(f"/en/sections/{section.slug}").get_data(as_text=True)


def test_hammering_the_beacon_with_one_page_view_counts_once(client):
    """Fifty beacons of one page view: one impression, for the prompt and for the variant."""
    test, _control, variant = make_test()
    beacon = {"prompt": test.prompt_id, "variant": variant.id, "view": "f" * 32}
    for _ in range(50):
        assert client.post("/beacon", data=beacon).status_code in (204, 429)
    assert variant_impressions(variant.id) == 1
    assert prompt_impressions(test.prompt_id) == 1


def test_hammering_the_beacon_with_new_page_views_hits_the_rate_limit(app, client, monkeypatch):
    """One client making up a new page view for every beacon is stopped at its limit; another
    client is still counted."""
    monkeypatch.setitem(app.config, "RATELIMIT_BEACON_IP", "5 per minute")
    test, _control, variant = make_test()
    statuses = [
        client.post(
            "/beacon", data={"prompt": test.prompt_id, "variant": variant.id, "view": f"{n:032x}"}
        ).status_code
        for n in range(20)
    ]
    assert statuses == [204] * 5 + [429] * 15
    assert variant_impressions(variant.id) == 5
    neighbour = app.test_client()
    neighbour.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    data = {"prompt": test.prompt_id, "variant": variant.id, "view": "e" * 32}
    assert neighbour.post("/beacon", data=data).status_code == 204
    assert variant_impressions(variant.id) == 6


def test_the_pixel_is_rate_limited_too(app, client, monkeypatch):
    """Readers without JavaScript count through a pixel, limited in the same way (and counted for
    the prompt only: they are in no test)."""
    monkeypatch.setitem(app.config, "RATELIMIT_BEACON_IP", "3 per minute")
    test, _control, variant = make_test()
    statuses = [client.get(f"/beacon/{test.prompt_id}.gif").status_code for _ in range(6)]
    assert statuses == [200] * 3 + [429] * 3
    assert prompt_impressions(test.prompt_id) == 3 and variant_impressions(variant.id) == 0


def test_the_split_is_published_for_the_browser(client):
    """The split new readers get is one public JSON per language, without cookie."""
    test, control, variant = make_test(share=3)
    response = client.get("/en/prompt-weights.json")
    assert response.get_json() == {
        "test": test.id,
        "weights": {str(control.id): 0.25, str(variant.id): 0.75},
    }
    assert "Set-Cookie" not in response.headers
    assert client.get("/ar/prompt-weights.json").get_json() == {"test": None, "weights": None}


def test_the_support_page_carries_the_variant_on(client):
    """Arriving from a variant, the support form carries it to the payment it starts."""
    test, _control, variant = make_test()
    html = client.get(f"/en/support?prompt={test.prompt_id}&variant={variant.id}").get_data(
        as_text=True
    )
    assert re.search(rf'name="variant" type="hidden" value="{variant.id}"', html)
