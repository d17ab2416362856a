"""The support prompt: the active copy per language, its amount choices and targeting rules, and
first-party counting (per prompt, and per variant of a running test)."""

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask import current_app
from redis.exceptions import RedisError, ResponseError
from sqlalchemy import case, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError

from ..currency import support_currency
from ..extensions import cache, db
from ..models import Prompt, PromptStat, PromptTest, PromptTestStatus, PromptVariantStat, Section
from ..models.prompts import COPY_FIELDS
from ..pagecache import bump_content_version, content_version

log = logging.getLogger(__name__)
EVENTS = ("impressions", "clicks")
REDIS_KEY = "prompt-stats"
FLUSHING_PREFIX = REDIS_KEY + ":flushing:"
# A flush takes well under a second; a key this old belongs to one that crashed.
ABANDONED_FLUSH_SECONDS = 600


class PromptLocked(ValueError):
    """A prompt's copy cannot change while a test of it runs (its control would change too)."""


@dataclass(frozen=True)
class PromptView:
    """What a page needs to show a prompt (plain data, safe to cache). A test's variants have the
    same copy fields (services/prompt_tests.VariantView), so one template draws both."""

    id: int
    lang: str
    lines: tuple[str, ...]
    cta: str
    monthly_amounts: tuple[int, ...]
    currency: str
    frequency: str = "monthly"
    highlighted_amount: int | None = None
    article_count: bool = False
    max_shows: int = 0
    show_days: int = 0
    dismiss_days: int = 0
    section_ids: tuple[int, ...] = ()
    testing: bool = False  # a test of it runs (services/prompt_tests.running_test has its variants)

    @property
    def highlighted(self) -> int:
        """The amount drawn as the main button."""
        if self.highlighted_amount in self.monthly_amounts:
            return self.highlighted_amount  # type: ignore[return-value]
        return self.monthly_amounts[0] if self.monthly_amounts else 0

    def shows_in(self, section_id: int | None) -> bool:
        """Whether the prompt goes on a page of this section (None: no section, as the home page
        and tags): everywhere when staff chose no sections."""
        return not self.section_ids or section_id in self.section_ids

    @property
    def rules(self) -> dict[str, int]:
        """The rules the browser applies (app/static/js/prompt.js)."""
        return {"max_shows": self.max_shows, "show_days": self.show_days,
                "dismiss_days": self.dismiss_days}  # fmt: skip


def get_active_prompt(lang: str) -> PromptView | None:
    """The active prompt for a language, cached per content version."""
    key = f"prompt:{content_version()}:{lang}"
    view = cache.get(key)
    if view is None:
        running = (
            select(PromptTest.id)
            .where(PromptTest.prompt_id == Prompt.id, PromptTest.status == PromptTestStatus.RUNNING)
            .exists()
        )
        row = db.session.execute(
            select(Prompt, running).where(Prompt.lang == lang, Prompt.active)
        ).first()
        view = _view(row[0], testing=bool(row[1])) if row else False
        cache.set(key, view)
    return view or None


def _view(prompt: Prompt, testing: bool = False) -> PromptView:
    return PromptView(
        id=prompt.id,
        lang=prompt.lang,
        lines=tuple(prompt.line_list),
        cta=prompt.cta,
        monthly_amounts=tuple(prompt.monthly_amounts),
        currency=prompt.currency,
        frequency=prompt.frequency or "monthly",
        highlighted_amount=prompt.highlighted_amount,
        article_count=bool(prompt.article_count),
        max_shows=prompt.max_shows or 0,
        show_days=prompt.show_days or 0,
        dismiss_days=prompt.dismiss_days or 0,
        section_ids=tuple(prompt.section_ids or ()),
        testing=testing,
    )


def activate_prompt(prompt: Prompt) -> None:
    """Make `prompt` the one active prompt of its language."""
    for other in db.session.scalars(
        select(Prompt).where(Prompt.lang == prompt.lang, Prompt.active, Prompt.id != prompt.id)
    ):
        other.active = False
    db.session.flush()
    prompt.active = True
    db.session.commit()
    bump_content_version()


def record_prompt_event(
    prompt_id: int, event: str, day: date | None = None, times: int = 1
) -> bool:
    """Count one impression or click (or `times` of them); False when the prompt or event is
    unknown."""
    if event not in EVENTS or db.session.get(Prompt, prompt_id) is None:
        return False
    return _count(PromptStat, prompt_id, event, day, times)


def record_variant_event(
    variant_id: int, event: str, day: date | None = None, times: int = 1
) -> bool:
    """Count one impression or click of a test's variant (or `times` of them; the caller checked
    the variant runs)."""
    if event not in EVENTS:
        return False
    return _count(PromptVariantStat, variant_id, event, day, times)


# Redis hash fields: "<prompt id>:<day>:<event>", and "v<variant id>:<day>:<event>" for variants.
_FIELD_PREFIX = {PromptStat: "", PromptVariantStat: "v"}


def _count(table, row_id: int, event: str, day: date | None, times: int = 1) -> bool:
    day = day or datetime.now(UTC).date()
    redis = _redis()
    try:
        if redis is not None:
            field = f"{_FIELD_PREFIX[table]}{row_id}:{day.isoformat()}:{event}"
            redis.hincrby(REDIS_KEY, field, times)
        else:
            _add_counts(row_id, day, {event: times}, table)
            db.session.commit()
    except (SQLAlchemyError, RedisError):  # a counter must never fail the page it counts
        db.session.rollback()
        log.warning("%s %s: %s not counted", table.__tablename__, row_id, event, exc_info=True)
        return False
    return True


def flush_prompt_counts(now: float | None = None) -> int:
    """Move counts gathered in Redis into the database; returns the number of fields moved.

    Each flush renames the live hash to a key of its own (a timestamp and a random part), so that
    counting goes on in a new hash meanwhile and a second flush never overwrites the first one's.
    A key left behind by a flush that crashed is drained first, once it is older than a flush can
    take; renaming it to our own key first is the claim, so two flushes never drain it both.
    (A crash between the database commit and the key's deletion counts that key twice: the price of
    never losing one.)"""
    redis = _redis()
    if redis is None:
        return 0
    now = time.time() if now is None else now
    moved = 0
    for key in redis.scan_iter(match=FLUSHING_PREFIX + "*"):
        started = float(key.decode().removeprefix(FLUSHING_PREFIX).split(":")[0])
        if now - started > ABANDONED_FLUSH_SECONDS:
            moved += _drain(redis, key, now)
    return moved + _drain(redis, REDIS_KEY, now)


def _drain(redis, key, now: float) -> int:
    own = f"{FLUSHING_PREFIX}{now:.3f}:{uuid.uuid4().hex}"
    try:
        redis.rename(key, own)
    except ResponseError:  # no such key: nothing counted since, or another flush claimed it
        return 0
    fields = redis.hgetall(own)
    for field, value in fields.items():
        row_id, day, event = field.decode().split(":")
        table = PromptVariantStat if row_id.startswith("v") else PromptStat
        _add_counts(int(row_id.lstrip("v")), date.fromisoformat(day), {event: int(value)}, table)
    db.session.commit()
    redis.delete(own)
    return len(fields)


def _add_counts(row_id: int, day: date, counts: dict[str, int], model=PromptStat) -> None:
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = model.__table__
    key = table.c.prompt_id if model is PromptStat else table.c.variant_id
    statement = insert(table).values(
        {key.name: row_id, "day": day, "impressions": counts.get("impressions", 0),
         "clicks": counts.get("clicks", 0)}
    )  # fmt: skip
    statement = statement.on_conflict_do_update(
        index_elements=[key, table.c.day],
        set_={event: table.c[event] + statement.excluded[event] for event in counts},
    )
    db.session.execute(statement)


def _redis():
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    clients = current_app.extensions.setdefault("redis_clients", {})
    if url not in clients:
        import redis

        clients[url] = redis.Redis.from_url(url)
    return clients[url]


@dataclass(frozen=True)
class PromptPerformance:
    prompt: Prompt
    impressions: int
    clicks: int
    started: int
    completed: int

    def rate(self, part: int, whole: int):
        return part / whole if whole else None


def prompt_performance() -> list[PromptPerformance]:
    """Per prompt: impressions, clicks, payments started and completed (all aggregated in SQL)."""
    from ..models import PaymentAttempt

    flush_prompt_counts()
    stats = (
        select(PromptStat.prompt_id, func.sum(PromptStat.impressions).label("impressions"),
               func.sum(PromptStat.clicks).label("clicks"))
        .group_by(PromptStat.prompt_id).subquery()
    )  # fmt: skip
    attempts = (
        select(PaymentAttempt.prompt_id, func.count(PaymentAttempt.id).label("started"),
               func.count(case((PaymentAttempt.status == "succeeded", 1))).label("completed"))
        .where(PaymentAttempt.prompt_id.is_not(None)).group_by(PaymentAttempt.prompt_id).subquery()
    )  # fmt: skip
    rows = db.session.execute(
        select(
            Prompt, stats.c.impressions, stats.c.clicks, attempts.c.started, attempts.c.completed
        )
        .outerjoin(stats, stats.c.prompt_id == Prompt.id)
        .outerjoin(attempts, attempts.c.prompt_id == Prompt.id)
        .order_by(Prompt.lang, Prompt.active.desc(), Prompt.id.desc())
    ).all()
    return [
        PromptPerformance(p, int(i or 0), int(c or 0), int(s or 0), int(d or 0))
        for p, i, c, s, d in rows
    ]


def save_prompt(prompt: Prompt | None, *, lang: str, name: str, lines: str, cta: str,
                monthly_amounts: list[int], activate: bool, **settings) -> Prompt:  # fmt: skip
    """Create or edit a prompt; activating it retires its language's other prompt. `settings`:
    the rest of its copy (frequency, highlighted_amount, article_count) and its targeting rules
    (max_shows, show_days, dismiss_days, section_ids). `PromptLocked` when the copy would change
    while a test of the prompt runs."""
    if prompt is None:
        prompt = Prompt(lang=lang, currency=support_currency(), active=False)
        db.session.add(prompt)
    copy = {"lines": lines, "cta": cta, "monthly_amounts": monthly_amounts}
    copy |= {name: value for name, value in settings.items() if name in COPY_FIELDS}
    if prompt.id and _changes_copy(prompt, copy) and _has_running_test(prompt):
        raise PromptLocked(prompt.id)
    prompt.lang, prompt.name = lang, name
    for field, value in {**settings, **copy}.items():
        setattr(prompt, field, value)
    db.session.flush()
    if activate:
        activate_prompt(prompt)
    else:
        db.session.commit()
        bump_content_version()
    return prompt


def _changes_copy(prompt: Prompt, copy: dict) -> bool:
    return any(getattr(prompt, field) != value for field, value in copy.items())


def _has_running_test(prompt: Prompt) -> bool:
    return db.session.scalar(
        select(func.count(PromptTest.id)).where(
            PromptTest.prompt_id == prompt.id, PromptTest.status == PromptTestStatus.RUNNING
        )
    ) > 0  # fmt: skip


def section_choices() -> list[tuple[int, str, str]]:
    """Every section as (id, name, language), for the prompt's "only in these sections" rule."""
    rows = db.session.execute(
        select(Section.id, Section.name, Section.lang).order_by(Section.lang, Section.name)
    )
    return [(section_id, name, lang) for section_id, name, lang in rows]
