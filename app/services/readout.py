"""The statistics of a prompt test: pure functions of counts, no database and no randomness.

Each arm's conversion rate (completed payments per impression) gets a Beta posterior from a uniform
Beta(1, 1) prior: Beta(1 + conversions, 1 + impressions - conversions). From those:

- `interval`: the equal-tailed 95% credible interval (the 2.5% and 97.5% quantiles);
- `probability_beats`: P(variant > control), exactly, by the closed-form sum for two Betas;
- `probabilities_best`: P(each arm is the best), by deterministic numerical integration;
- `thompson_weights`: the split Thompson sampling gives new readers, with a floor per arm;
- `impressions_needed`: how many more impressions a clear answer needs (method in its docstring).

A clear answer: P(beats control) >= 0.95 or <= 0.05, with every arm at the staff's minimum of
impressions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

CLEAR = 0.95
CREDIBLE = 0.95
WEIGHT_FLOOR = 0.05  # the least share of new readers an arm keeps under Thompson sampling
GRID_POINTS = 800  # integration points per arm (`probabilities_best`)
WINDOW_SDS = 12.0  # each arm's posterior is integrated this many standard deviations either side
NEEDED_LIMIT = 10**9


@dataclass(frozen=True)
class Arm:
    """What one arm of a test has counted."""

    impressions: int
    conversions: int

    @property
    def alpha(self) -> int:
        return 1 + max(self.conversions, 0)

    @property
    def beta(self) -> int:
        return 1 + max(self.impressions - self.conversions, 0)

    @property
    def rate(self) -> float | None:
        return self.conversions / self.impressions if self.impressions else None

    @property
    def mean(self) -> float:
        return self.alpha / (self.alpha + self.beta)

    @property
    def variance(self) -> float:
        a, b = self.alpha, self.beta
        return a * b / ((a + b) ** 2 * (a + b + 1))


# The Beta distribution ----------------------------------------------------------------------------


def _log_beta(a: float, b: float) -> float:
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def _continued_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (modified Lentz's method)."""
    tiny, eps = 1e-300, 1e-15
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 100_000):
        m2 = 2 * m
        for numerator in (m * (b - m) * x / ((qam + m2) * (a + m2)),
                          -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))):  # fmt: skip
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < eps:
            break
    return h


def beta_cdf(x: float, a: float, b: float) -> float:
    """P(X <= x) for X ~ Beta(a, b): the regularized incomplete beta function I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = math.exp(a * math.log(x) + b * math.log1p(-x) - _log_beta(a, b))
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _continued_fraction(a, b, x) / a
    return 1.0 - front * _continued_fraction(b, a, 1.0 - x) / b


def beta_quantile(q: float, a: float, b: float) -> float:
    """The x with P(X <= x) = q for X ~ Beta(a, b), by bisection (the CDF is increasing)."""
    low, high = 0.0, 1.0
    for _ in range(200):
        middle = (low + high) / 2
        if beta_cdf(middle, a, b) < q:
            low = middle
        else:
            high = middle
        if high - low < 1e-13:
            break
    return (low + high) / 2


def interval(arm: Arm, level: float = CREDIBLE) -> tuple[float, float]:
    """The equal-tailed credible interval of the arm's conversion rate."""
    tail = (1 - level) / 2
    return beta_quantile(tail, arm.alpha, arm.beta), beta_quantile(1 - tail, arm.alpha, arm.beta)


# Comparisons --------------------------------------------------------------------------------------


def _probability_greater(a1: int, b1: int, a2: int, b2: int) -> float:
    """P(X2 > X1) for X1 ~ Beta(a1, b1), X2 ~ Beta(a2, b2), `a2` a whole number:

        sum over i = 0 .. a2-1 of B(a1 + i, b1 + b2) / ((b2 + i) B(1 + i, b2) B(a1, b1))

    (the closed form of Evan Miller, "Formulas for Bayesian A/B testing", 2015), summed in logs."""
    base = _log_beta(a1, b1)
    total = 0.0
    for i in range(a2):
        total += math.exp(
            _log_beta(a1 + i, b1 + b2) - math.log(b2 + i) - _log_beta(1 + i, b2) - base
        )
    return min(max(total, 0.0), 1.0)


def probability_beats(control: Arm, variant: Arm) -> float:
    """P(the variant's rate > the control's), exactly; the sum runs over the smaller of the two
    arms' conversions (P(B > A) = 1 - P(A > B): ties have probability zero)."""
    if variant.alpha <= control.alpha:
        return _probability_greater(control.alpha, control.beta, variant.alpha, variant.beta)
    return 1.0 - _probability_greater(variant.alpha, variant.beta, control.alpha, control.beta)


def _log_density(x: float, a: int, b: int, log_norm: float) -> float:
    value = -log_norm
    if a != 1:
        value += (a - 1) * math.log(x) if x > 0 else -math.inf
    if b != 1:
        value += (b - 1) * math.log1p(-x) if x < 1 else -math.inf
    return value


def _grid(arms: list[Arm]) -> list[float]:
    """Integration points: for each arm, GRID_POINTS evenly over its mean +- WINDOW_SDS standard
    deviations (within [0, 1]), merged, so a narrow posterior is as finely sampled as a wide one."""
    points = {0.0, 1.0}
    for arm in arms:
        spread = WINDOW_SDS * math.sqrt(arm.variance)
        low, high = max(0.0, arm.mean - spread), min(1.0, arm.mean + spread)
        step = (high - low) / GRID_POINTS
        points.update(low + step * k for k in range(GRID_POINTS + 1))
    return sorted(points)


def probabilities_best(arms: list[Arm]) -> list[float]:
    """P(arm i has the highest rate), for each arm:  the integral over x of f_i(x) times the
    product of F_j(x) over the other arms (f density, F distribution function), by the trapezoid
    rule on `_grid`'s points, each F_j the running trapezoid integral of f_j. Deterministic; the
    results are scaled to sum to 1 (they do to within about 1e-6 before)."""
    if len(arms) < 2:
        return [1.0] * len(arms)
    xs = _grid(arms)
    densities = []
    for arm in arms:
        log_norm = _log_beta(arm.alpha, arm.beta)
        densities.append([math.exp(_log_density(x, arm.alpha, arm.beta, log_norm)) for x in xs])
    cdfs = []
    for f in densities:
        running, cdf = 0.0, [0.0]
        for k in range(1, len(xs)):
            running += (f[k] + f[k - 1]) * (xs[k] - xs[k - 1]) / 2
            cdf.append(running)
        cdfs.append([value / running for value in cdf] if running else cdf)
    results = []
    for i, f in enumerate(densities):
        integrand = [f[k] * math.prod(cdfs[j][k] for j in range(len(arms)) if j != i)
                     for k in range(len(xs))]  # fmt: skip
        results.append(sum((integrand[k] + integrand[k - 1]) * (xs[k] - xs[k - 1]) / 2
                           for k in range(1, len(xs))))  # fmt: skip
    total = sum(results)
    return [value / total for value in results] if total else [1 / len(arms)] * len(arms)


def thompson_weights(arms: list[Arm], floor: float = WEIGHT_FLOOR) -> list[float]:
    """The share of new readers each arm gets while the split follows the results: Thompson
    sampling assigns a reader to an arm with the probability that the arm is the best, which
    `probabilities_best` gives; each arm keeps at least `floor` (w_i = floor + (1 - k floor) P_i,
    still summing to 1), so no arm starves before the answer is clear."""
    if not arms:
        return []
    floor = min(floor, 1 / len(arms))
    best = probabilities_best(arms)
    return [floor + (1 - len(arms) * floor) * p for p in best]


def is_clear(probability: float, arms: list[Arm], minimum: int) -> bool:
    """A clear answer: P(beats control) >= 0.95 or <= 0.05, every arm at `minimum` impressions."""
    enough = all(arm.impressions >= minimum for arm in arms)
    return enough and (probability >= CLEAR or probability <= 1 - CLEAR)


def impressions_needed(control: Arm, variant: Arm, minimum: int) -> int | None:
    """How many more impressions each of the two arms needs before the answer is clear: 0 when it
    is already; None when the projection never reaches one (equal rates) or only past a billion.

    Method, a projection assuming the observed rates hold: every further impression converts at
    the arm's posterior mean m = (1 + s) / (2 + n) (s conversions in n impressions). After k more,
    the posterior Beta(1 + s + m k, 1 + n - s + (1 - m) k) keeps the mean m and has the variance
    v(k) = m (1 - m) / (n + k + 3). With both posteriors taken as normal, P(variant > control) is
    Phi((m_B - m_A) / sqrt(v_A(k) + v_B(k))), which is clear once
    |m_B - m_A| >= z sqrt(v_A(k) + v_B(k)), z = Phi^-1(0.95). The answer is the smallest whole k
    meeting that and bringing both arms to `minimum`, and at least 1 while the exact probability
    (`probability_beats`) is not yet clear."""
    arms = [control, variant]
    if is_clear(probability_beats(control, variant), arms, minimum):
        return 0
    to_minimum = max(0, minimum - control.impressions, minimum - variant.impressions)
    gap = abs(variant.mean - control.mean)
    if gap == 0:
        return None
    z = NormalDist().inv_cdf(CLEAR)
    allowed = (gap / z) ** 2

    def spread(k: int) -> float:
        return sum(arm.mean * (1 - arm.mean) / (arm.impressions + k + 3) for arm in arms)

    if spread(NEEDED_LIMIT) > allowed:
        return None
    low, high = -1, NEEDED_LIMIT  # spread(high) <= allowed; low is below the answer
    while high - low > 1:
        middle = (low + high) // 2
        if spread(middle) <= allowed:
            high = middle
        else:
            low = middle
    return max(high, to_minimum, 1)
