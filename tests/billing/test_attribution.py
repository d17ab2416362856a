"""The prompt under an article carries the prompt and the article to the support form, and both
stay on the payment attempt and the membership."""

import re
from html import unescape

from sqlalchemy import select

from app.extensions import db
from app.models import Article, PaymentAttempt
from tests.paying import start


def test_a_prompt_click_under_an_article_is_kept_on_the_attempt_and_membership(
    client, auth, make_user, sample_content
):
    """Article page -> prompt link with ?prompt=&article= -> hidden fields -> attempt and membership."""
    article = db.session.scalar(select(Article).where(Article.lang == "en"))
    page = client.get(f"/en/articles/{article.slug}").get_data(as_text=True)
    links = [unescape(href) for href in re.findall(r'href="(/en/support\?[^"]+)"', page)]
    assert links and all(f"article={article.id}" in link for link in links), links
    prompt_id = int(re.search(r"prompt=(\d+)", links[0]).group(1))

    form = client.get(links[0]).get_data(as_text=True)
    assert re.search(rf'name="article" type="hidden" value="{article.id}"', form)

    make_user()
    auth.login()
    response = start(client, prompt=str(prompt_id), article=str(article.id))
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    attempt = db.session.scalar(select(PaymentAttempt).order_by(PaymentAttempt.id.desc()))
    assert (attempt.article_id, attempt.prompt_id) == (article.id, prompt_id)
    assert (attempt.user.membership.article_id, attempt.user.membership.prompt_id) == (
        article.id,
        prompt_id,
    )


def test_an_unknown_article_is_dropped(client, auth, make_user):
    """A made-up article id starts the support all the same, without an article."""
    make_user()
    auth.login()
    assert start(client, article="987654").status_code == 302
    attempt = db.session.scalar(select(PaymentAttempt).order_by(PaymentAttempt.id.desc()))
    assert attempt.article_id is None
