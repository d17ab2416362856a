"""Prompt impressions and clicks, counted first-party."""

from datetime import date

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Prompt, PromptStat
from app.services import prompts


def en_prompt():
    return db.session.scalar(select(Prompt).where(Prompt.lang == "en", Prompt.active))


def stat(prompt_id, day):
    return db.session.scalar(
        select(PromptStat).where(PromptStat.prompt_id == prompt_id, PromptStat.day == day)
    )


def test_each_language_has_the_outlets_prompt_active():
    """Migrations install the outlet's own words, one active prompt per language."""
    assert prompts.get_active_prompt("en").lines[0] == (
        "Propaganda distorts the truth and prolongs the war.."
    )
    assert prompts.get_active_prompt("ar").lines[0].startswith("البروباغندا")
    assert prompts.get_active_prompt("en").monthly_amounts == (100, 500, 1000)


def test_counts_are_upserted_per_prompt_and_day():
    """Impressions and clicks add up in one row per prompt and day."""
    prompt = en_prompt()
    day = date(2026, 1, 2)
    for _ in range(3):
        prompts.record_prompt_event(prompt.id, "impressions", day)
    prompts.record_prompt_event(prompt.id, "clicks", day)
    row = stat(prompt.id, day)
    db.session.refresh(row)
    assert (row.impressions, row.clicks) == (3, 1)


def test_unknown_prompts_and_events_are_not_counted():
    """Counting refuses an unknown prompt or event kind."""
    assert prompts.record_prompt_event(999_999, "impressions") is False
    assert prompts.record_prompt_event(en_prompt().id, "purchases") is False


def test_only_one_active_prompt_per_language():
    """Activating a prompt retires the language's previous one."""
    old = en_prompt()
    new = Prompt(lang="en", name="new", lines="x", cta="y", monthly_amounts=[100], currency="usd")
    db.session.add(new)
    db.session.flush()
    prompts.activate_prompt(new)
    assert en_prompt().id == new.id
    db.session.refresh(old)
    assert old.active is False


def test_the_beacon_counts_an_impression(client):
    """POST /beacon counts without CSRF, cookie or cached page, and refuses junk."""
    prompt_id = en_prompt().id
    response = client.post("/beacon", data={"prompt": prompt_id})
    assert response.status_code == 204
    assert "Set-Cookie" not in response.headers
    assert client.post("/beacon", data={"prompt": "x"}).status_code == 400
    pixel = client.get(f"/beacon/{prompt_id}.gif")
    assert pixel.headers["Content-Type"] == "image/gif"
    rows = db.session.scalars(select(PromptStat).where(PromptStat.prompt_id == prompt_id)).all()
    assert sum(row.impressions for row in rows) == 2


def test_a_prompt_click_is_counted_on_the_support_page(client):
    """Arriving on the support page from a prompt counts a click."""
    prompt_id = en_prompt().id
    client.get(f"/en/support?frequency=monthly&amount=100&prompt={prompt_id}")
    rows = db.session.scalars(select(PromptStat).where(PromptStat.prompt_id == prompt_id)).all()
    assert sum(row.clicks for row in rows) == 1


@pytest.fixture
def redis_counts(app, monkeypatch):
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url("redis://127.0.0.1:6379/15")
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379 (counts fall back to the database)")
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:6379/15")
    client.delete(prompts.REDIS_KEY, prompts.REDIS_KEY + ":flushing")
    yield client
    client.delete(prompts.REDIS_KEY, prompts.REDIS_KEY + ":flushing")


def test_redis_counts_flush_into_the_database(redis_counts):
    """With Redis, counts gather in a hash and move to the database on flush."""
    prompt = en_prompt()
    day = date(2026, 3, 4)
    prompts.record_prompt_event(prompt.id, "impressions", day)
    prompts.record_prompt_event(prompt.id, "impressions", day)
    assert stat(prompt.id, day) is None
    assert prompts.flush_prompt_counts() == 1
    assert stat(prompt.id, day).impressions == 2
    assert prompts.flush_prompt_counts() == 0
