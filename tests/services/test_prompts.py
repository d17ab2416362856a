"""Prompt impressions and clicks, counted first-party."""

import time
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
    """POST /beacon counts without CSRF, cookie or cached page, and refuses junk (no prompt, or
    no page-view id)."""
    prompt_id = en_prompt().id
    response = client.post("/beacon", data={"prompt": prompt_id, "view": "ab" * 16})
    assert response.status_code == 204
    assert "Set-Cookie" not in response.headers
    assert client.post("/beacon", data={"prompt": "x", "view": "cd" * 16}).status_code == 400
    assert client.post("/beacon", data={"prompt": prompt_id}).status_code == 400
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

    def clear():
        client.delete(prompts.REDIS_KEY, *client.keys(prompts.FLUSHING_PREFIX + "*"))

    clear()
    yield client
    clear()


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


def test_a_flush_left_by_a_crash_is_drained_and_new_counts_are_kept(redis_counts):
    """A flush that crashed after renaming left its counts under its own key: the next flush
    drains that key once it is old enough, and the counts gathered since are kept as well (a fixed
    ":flushing" key would have been overwritten by the next rename)."""
    prompt = en_prompt()
    day = date(2026, 3, 4)
    crashed = f"{prompts.FLUSHING_PREFIX}{time.time() - 3600:.3f}:crashed"
    redis_counts.hset(crashed, f"{prompt.id}:{day.isoformat()}:impressions", 5)
    prompts.record_prompt_event(prompt.id, "impressions", day)
    assert prompts.flush_prompt_counts() == 2
    assert stat(prompt.id, day).impressions == 6
    assert redis_counts.keys(prompts.FLUSHING_PREFIX + "*") == []


def test_a_flush_in_progress_is_left_to_its_owner(redis_counts):
    """A key a flush renamed a moment ago is that flush's; another flush does not drain it too."""
    prompt = en_prompt()
    day = date(2026, 3, 4)
    running = f"{prompts.FLUSHING_PREFIX}{time.time():.3f}:running"
    redis_counts.hset(running, f"{prompt.id}:{day.isoformat()}:clicks", 3)
    assert prompts.flush_prompt_counts() == 0
    assert redis_counts.hget(running, f"{prompt.id}:{day.isoformat()}:clicks") == b"3"


def test_two_flushes_never_count_one_key_twice(redis_counts):
    """Each flush claims a key by renaming it; the second finds nothing left to move."""
    prompt = en_prompt()
    day = date(2026, 3, 4)
    for _ in range(4):
        prompts.record_prompt_event(prompt.id, "clicks", day)
    assert prompts.flush_prompt_counts() == 1
    assert prompts.flush_prompt_counts() == 0
    assert stat(prompt.id, day).clicks == 4


def test_variant_counts_gather_in_redis_and_flush_into_their_table(redis_counts):
    """With Redis, a test variant's counts share the prompt's hash and land in their own table."""
    from app.models import PromptVariantStat
    from tests.prompting import make_test

    _test, _control, variant = make_test()
    day = date(2026, 3, 5)
    prompts.record_variant_event(variant.id, "impressions", day)
    prompts.record_variant_event(variant.id, "clicks", day)
    prompts.record_prompt_event(en_prompt().id, "impressions", day)
    assert prompts.flush_prompt_counts() == 3
    row = db.session.scalar(
        select(PromptVariantStat).where(PromptVariantStat.variant_id == variant.id)
    )
    assert (row.day, row.impressions, row.clicks) == (day, 1, 1)
    assert stat(en_prompt().id, day).impressions == 1
