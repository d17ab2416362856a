"""Prompt tests: writing variants, starting a test, counting what each variant's readers do, the
split new readers get, and ending the test with a winner.

The page a reader gets is the same for everyone (app/pagecache.py): it carries the control (the
prompt itself, which readers without JavaScript see) and every variant's copy in a <template>;
the reader's browser picks a variant and remembers it in its own storage (app/static/js/prompt.js).
Only the counting beacon leaves the browser, and it is counted once per page view.
"""

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from babel import Locale
from flask_babel import force_locale, get_translations
from sqlalchemy import select

from ..extensions import cache, db
from ..models import Prompt, PromptTest, PromptTestStatus, PromptVariant
from ..models.prompts import COPY_FIELDS, FREQUENCIES
from ..pagecache import bump_content_version, content_version
from . import prompt_figures, prompts, readout

log = logging.getLogger(__name__)
VIEW_ID = re.compile(r"[0-9a-f]{32}")
VIEW_SECONDS = 24 * 3600  # a page view's beacons (its impression, its click) come within a day
WEIGHTS_SECONDS = 60  # how long a computed Thompson split is served before it is computed again
MAX_VARIANTS = 5  # besides the control


class PromptTestRefused(ValueError):
    """A test change we will not make; `reason` keys the staff's message."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class VariantView:
    """A variant's copy as the page draws it (the same copy fields as `prompts.PromptView`)."""

    id: int
    lang: str
    lines: tuple[str, ...]
    cta: str
    monthly_amounts: tuple[int, ...]
    currency: str
    frequency: str
    highlighted_amount: int | None
    article_count: bool
    share: int
    is_control: bool

    highlighted = prompts.PromptView.highlighted


@dataclass(frozen=True)
class RunningTest:
    """The running test of a language's prompt, as its pages need it (plain data, cached)."""

    id: int
    prompt_id: int
    adaptive: bool
    control_id: int
    variants: tuple[VariantView, ...]  # the control first

    @property
    def split(self) -> dict[int, float]:
        """The staff's split: each variant's share of new readers."""
        total = sum(variant.share for variant in self.variants) or 1
        return {variant.id: variant.share / total for variant in self.variants}


def running_test(lang: str) -> RunningTest | None:
    """The running test of the language's active prompt, cached per content version."""
    key = f"prompt-test:{content_version()}:{lang}"
    view = cache.get(key)
    if view is None:
        test = db.session.scalar(
            select(PromptTest).join(Prompt, Prompt.id == PromptTest.prompt_id)
            .where(Prompt.lang == lang, Prompt.active, PromptTest.status == PromptTestStatus.RUNNING)
        )  # fmt: skip
        view = _view(test) if test else False
        cache.set(key, view)
    return view or None


def _view(test: PromptTest) -> RunningTest:
    variants = sorted(test.variants, key=lambda variant: (not variant.is_control, variant.id))
    return RunningTest(
        id=test.id, prompt_id=test.prompt_id, adaptive=test.adaptive, control_id=test.control.id,
        variants=tuple(
            VariantView(
                id=v.id, lang=test.prompt.lang, lines=tuple(v.line_list), cta=v.cta,
                monthly_amounts=tuple(v.monthly_amounts), currency=test.prompt.currency,
                frequency=v.frequency, highlighted_amount=v.highlighted_amount,
                article_count=bool(v.article_count), share=v.share, is_control=v.is_control,
            )
            for v in variants
        ),
    )  # fmt: skip


# Writing and running a test -----------------------------------------------------------------------


def create_test(
    prompt: Prompt, *, name: str, minimum_impressions: int, adaptive: bool
) -> PromptTest:
    """A draft test of `prompt`, its control holding the prompt's copy."""
    test = PromptTest(prompt=prompt, name=name, minimum_impressions=minimum_impressions,
                      adaptive=adaptive, status=PromptTestStatus.DRAFT)  # fmt: skip
    test.variants.append(
        PromptVariant(name="Control", is_control=True, share=1, **prompt.copy_fields())
    )
    db.session.add(test)
    db.session.commit()
    return test


def update_test(test: PromptTest, *, name: str, minimum_impressions: int, adaptive: bool) -> None:
    """Rename a test, or change its minimum or whether the split follows the results (not once it
    has ended: its figures are archived)."""
    if test.status == PromptTestStatus.ENDED:
        raise PromptTestRefused("ended")
    test.name, test.minimum_impressions, test.adaptive = name, minimum_impressions, adaptive
    db.session.commit()
    bump_content_version()


def save_variant(test: PromptTest, variant: PromptVariant | None, *, name: str, share: int,
                 **copy) -> PromptVariant:  # fmt: skip
    """Add or edit a variant of a draft test (the control: only its name and share; its copy is the
    prompt's). `copy`: lines, cta, monthly_amounts, frequency, highlighted_amount, article_count."""
    if test.status != PromptTestStatus.DRAFT:
        raise PromptTestRefused("not_draft")
    if variant is None:
        if len([v for v in test.variants if not v.is_control]) >= MAX_VARIANTS:
            raise PromptTestRefused("too_many")
        variant = PromptVariant(is_control=False)
        test.variants.append(variant)
    if copy.get("frequency", "monthly") not in FREQUENCIES:
        raise PromptTestRefused("frequency")
    variant.name, variant.share = name, max(share, 1)
    if not variant.is_control:
        for field in COPY_FIELDS:
            setattr(variant, field, copy[field])
    db.session.commit()
    return variant


def start_test(test: PromptTest) -> None:
    """Start showing a draft test's variants: its prompt must be its language's active one, with
    no other test running, and the test needs a variant besides the control. The control takes
    the prompt's copy as it is now."""
    if test.status != PromptTestStatus.DRAFT:
        raise PromptTestRefused("not_draft")
    if len(test.variants) < 2:
        raise PromptTestRefused("no_variants")
    if not test.prompt.active:
        raise PromptTestRefused("inactive_prompt")
    running = db.session.scalar(select(PromptTest.id).where(
        PromptTest.prompt_id == test.prompt_id, PromptTest.status == PromptTestStatus.RUNNING))  # fmt: skip
    if running:
        raise PromptTestRefused("already_running")
    for field, value in test.prompt.copy_fields().items():
        setattr(test.control, field, value)
    test.status, test.started_at = PromptTestStatus.RUNNING, datetime.now(UTC)
    db.session.commit()
    bump_content_version()


def end_test(test: PromptTest, winner: PromptVariant) -> None:
    """End a running test with the staff's choice of winner: its copy becomes the prompt's, and
    the test keeps the readout as it stood (later payments change the archive no more)."""
    if test.status != PromptTestStatus.RUNNING:
        raise PromptTestRefused("not_running")
    if winner.test_id != test.id:
        raise PromptTestRefused("not_a_variant")
    test.figures = prompt_figures.readout_of(test).as_dict()
    winner.won = True
    for field, value in winner.copy_fields().items():
        setattr(test.prompt, field, value)
    test.status, test.ended_at = PromptTestStatus.ENDED, datetime.now(UTC)
    db.session.commit()
    bump_content_version()


def attributed_variant(variant_id: int | None, prompt_id: int | None) -> int | None:
    """The variant a payment is attributed to: one of a running test of the prompt clicked."""
    if variant_id is None or prompt_id is None:
        return None
    variant = db.session.get(PromptVariant, variant_id)
    if variant is None or variant.test.prompt_id != prompt_id:
        return None
    return variant.id if variant.test.status == PromptTestStatus.RUNNING else None


# Counting ----------------------------------------------------------------------------------------


def count_page_view(
    prompt_id: int, event: str, view_id: str, variant_id: int | None = None
) -> bool:
    """Count what a page view's beacon reports, once per page view and event: an impression of the
    prompt (and of the variant shown), or a click on the variant (the prompt's own clicks are
    counted by the support page). `view_id` is the page view's random id, made in the browser; a
    second beacon with it counts nothing. False when the beacon is malformed."""
    if event not in prompts.EVENTS or not VIEW_ID.fullmatch(view_id or ""):
        return False
    if db.session.get(Prompt, prompt_id) is None:
        return False
    try:
        first = cache.add(f"prompt-view:{view_id}:{event}", 1, timeout=VIEW_SECONDS)
    except Exception:  # the cache down: count nothing rather than count twice
        log.warning("page view %s: de-duplication unavailable, not counted", view_id, exc_info=True)
        return True
    if not first:
        return True
    if event == "impressions":
        prompts.record_prompt_event(prompt_id, event)
    if attributed_variant(variant_id, prompt_id) is not None:
        prompts.record_variant_event(variant_id, event)  # type: ignore[arg-type]
    return True


def current_weights(lang: str) -> dict[int, float] | None:
    """The split new readers of the language's running test get (`weights`), None without one."""
    test = running_test(lang)
    return weights(test) if test else None


def weights(test: "RunningTest | PromptTest") -> dict[int, float]:
    """A running test's split: the staff's shares, or, when the split follows the results,
    Thompson sampling's weights (`readout.thompson_weights`) from the counts so far, computed at
    most once a minute."""
    if isinstance(test, PromptTest):
        test = _view(test)
    if not test.adaptive:
        return test.split
    key = f"prompt-weights:{test.id}"
    found = cache.get(key)
    if found is None:
        arms = prompt_figures.variant_arms(test.id)
        ids = [variant.id for variant in test.variants]
        values = readout.thompson_weights([arms.get(i, readout.Arm(0, 0)) for i in ids])
        found = dict(zip(ids, values, strict=True))
        cache.set(key, found, timeout=WEIGHTS_SECONDS)
    return found


def article_count_forms(lang: str) -> dict[str, str]:
    """The article-count line in every plural form of the language, keyed by its CLDR category
    (zero, one, two, few, many, other), "{count}" standing for the number: the browser picks the
    form with `Intl.PluralRules`, whose categories are CLDR's too (Arabic has all six)."""
    locale = Locale.parse(lang)
    forms: dict[str, str] = {}
    with force_locale(lang):
        translations = get_translations()
        for n in range(200):  # every category of every language shows among the first 200
            category = locale.plural_form(n)
            if category not in forms:
                form = translations.ngettext(
                    "You have read %(count)s article this month.",
                    "You have read %(count)s articles this month.",
                    n,
                )
                forms[category] = form.replace("%(count)s", "{count}")
    return forms
