"""A prompt test's figures per variant (impressions, clicks, payments started and completed, revenue)
and its readout (services/readout.py): conversion with its credible interval, the probability to
beat the control, and how many more impressions a clear answer needs."""

from dataclasses import asdict, dataclass

from sqlalchemy import case, func, select

from ..extensions import db
from ..models import AttemptStatus, PaymentAttempt, PromptTest, PromptVariant, PromptVariantStat
from . import prompts, readout, trends


@dataclass(frozen=True)
class VariantFigures:
    id: int
    name: str
    is_control: bool
    won: bool
    share: int
    impressions: int
    clicks: int
    started: int
    completed: int
    revenue: dict[str, int]  # per currency, minor units, net of refunds and disputes
    conversion: float | None  # completed payments per impression
    low: float  # the 95% credible interval of the conversion rate
    high: float
    beats_control: float | None  # P(this variant's rate > the control's); None for the control
    best: float  # P(this variant's rate is the highest)
    needed: int | None  # more impressions per variant for a clear answer (None: not in sight)
    clear: bool

    @property
    def click_rate(self) -> float | None:
        return self.clicks / self.impressions if self.impressions else None

    @property
    def verdict(self) -> str | None:
        """ "better" or "worse" than the control once the answer is clear, else None."""
        if not self.clear or self.beats_control is None:
            return None
        return "better" if self.beats_control >= readout.CLEAR else "worse"


@dataclass(frozen=True)
class Readout:
    minimum_impressions: int
    variants: tuple[VariantFigures, ...]  # the control first

    @property
    def clear(self) -> bool:
        """Every variant has a clear answer against the control."""
        return all(v.clear for v in self.variants if not v.is_control)

    @property
    def needed(self) -> int | None:
        """More impressions per variant before every answer is clear (None: not in sight)."""
        values = [v.needed for v in self.variants if not v.is_control]
        return None if None in values else max(values, default=0)  # type: ignore[type-var]

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Readout":
        return cls(data["minimum_impressions"],
                   tuple(VariantFigures(**variant) for variant in data["variants"]))  # fmt: skip


def _counts(test_id: int) -> dict[int, tuple[int, int, int, int]]:
    """Per variant of the test: impressions, clicks, payments started, payments completed."""
    ids = select(PromptVariant.id).where(PromptVariant.test_id == test_id)
    stats = db.session.execute(
        select(PromptVariantStat.variant_id, func.sum(PromptVariantStat.impressions),
               func.sum(PromptVariantStat.clicks))
        .where(PromptVariantStat.variant_id.in_(ids)).group_by(PromptVariantStat.variant_id)
    ).all()  # fmt: skip
    attempts = db.session.execute(
        select(PaymentAttempt.variant_id, func.count(PaymentAttempt.id),
               func.count(case((PaymentAttempt.status == AttemptStatus.SUCCEEDED, 1))))
        .where(PaymentAttempt.variant_id.in_(ids)).group_by(PaymentAttempt.variant_id)
    ).all()  # fmt: skip
    counts: dict[int, list[int]] = {}
    for variant_id, impressions, clicks in stats:
        counts.setdefault(variant_id, [0, 0, 0, 0])[:2] = [int(impressions or 0), int(clicks or 0)]
    for variant_id, started, completed in attempts:
        counts.setdefault(variant_id, [0, 0, 0, 0])[2:] = [int(started), int(completed)]
    return {variant_id: tuple(values) for variant_id, values in counts.items()}  # type: ignore[misc]


def variant_arms(test_id: int) -> dict[int, readout.Arm]:
    """Each variant's impressions and completed payments (for the Thompson split)."""
    return {i: readout.Arm(c[0], c[3]) for i, c in _counts(test_id).items()}


def readout_of(test: PromptTest) -> Readout:
    """The test's readout from the counts so far (an ended test's: as archived when it ended)."""
    if test.figures is not None:
        return Readout.from_dict(test.figures)
    prompts.flush_prompt_counts()
    counts = _counts(test.id)
    revenue: dict[int, dict[str, int]] = {}
    for (variant_id, currency), total in trends.revenue_by_attempt(
        PaymentAttempt.variant_id
    ).items():
        if variant_id is not None:
            revenue.setdefault(variant_id, {})[currency] = total
    variants = sorted(test.variants, key=lambda v: (not v.is_control, v.id))
    arms = [readout.Arm(counts.get(v.id, (0,) * 4)[0], counts.get(v.id, (0,) * 4)[3])
            for v in variants]  # fmt: skip
    best = readout.probabilities_best(arms)
    control, minimum = arms[0], test.minimum_impressions
    rows = []
    for variant, arm, p_best in zip(variants, arms, best, strict=True):
        impressions, clicks, started, completed = counts.get(variant.id, (0, 0, 0, 0))
        low, high = readout.interval(arm)
        if variant.is_control:
            beats, needed, clear = None, None, False
        else:
            beats = readout.probability_beats(control, arm)
            needed = readout.impressions_needed(control, arm, minimum)
            clear = readout.is_clear(beats, [control, arm], minimum)
        rows.append(VariantFigures(
            id=variant.id, name=variant.name, is_control=variant.is_control, won=variant.won,
            share=variant.share, impressions=impressions, clicks=clicks, started=started,
            completed=completed, revenue=revenue.get(variant.id, {}), conversion=arm.rate,
            low=low, high=high, beats_control=beats, best=p_best, needed=needed, clear=clear,
        ))  # fmt: skip
    return Readout(minimum, tuple(rows))
