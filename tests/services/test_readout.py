"""The readout's statistics against values worked out by hand from the Beta densities.

Notation: an arm with s conversions in n impressions has the posterior Beta(1 + s, 1 + n - s)
(uniform prior). Densities used below: Beta(1, 1) is 1 on [0, 1]; Beta(a, 1) is a x^(a-1) with
distribution function x^a; Beta(1, b) is b (1-x)^(b-1) with distribution function 1 - (1-x)^b;
Beta(2, 2) is 6 x (1 - x) with distribution function 3x^2 - 2x^3.
"""

import math

import pytest

from app.services.readout import (
    Arm,
    impressions_needed,
    interval,
    is_clear,
    probabilities_best,
    probability_beats,
    thompson_weights,
)

EXACT = 1e-9  # the closed-form sum is exact up to floating point
NUMERIC = 1e-5  # the numerical integration of `probabilities_best`


def test_probability_to_beat_a_flat_control():
    """Control Beta(1,1) (0 of 0), variant Beta(2,1) (1 of 1):
    P(B > A) = integral of f_B(x) F_A(x) = integral of 2x * x dx = 2/3."""
    assert probability_beats(Arm(0, 0), Arm(1, 1)) == pytest.approx(2 / 3, abs=EXACT)


def test_probability_to_beat_a_control_with_one_miss():
    """Control Beta(1,2) (0 of 1), F_A = 2x - x^2; variant Beta(2,1) (1 of 1), f_B = 2x:
    P(B > A) = integral of 2x (2x - x^2) dx = 4/3 - 1/2 = 5/6."""
    assert probability_beats(Arm(1, 0), Arm(1, 1)) == pytest.approx(5 / 6, abs=EXACT)


def test_probability_to_beat_a_control_of_one_in_two():
    """Control Beta(2,2) (1 of 2), F_A = 3x^2 - 2x^3; variant Beta(3,1) (2 of 2), f_B = 3x^2:
    P(B > A) = integral of 3x^2 (3x^2 - 2x^3) dx = 9/5 - 1 = 4/5; and the control beats the
    variant with 1/5."""
    assert probability_beats(Arm(2, 1), Arm(2, 2)) == pytest.approx(4 / 5, abs=EXACT)
    assert probability_beats(Arm(2, 2), Arm(2, 1)) == pytest.approx(1 / 5, abs=EXACT)


def test_probability_between_two_arms_without_conversions():
    """Control 0 of 9: Beta(1,10); variant 0 of 19: Beta(1,20). For X ~ Beta(1,a), Y ~ Beta(1,b):
    P(Y > X) = integral of b(1-y)^(b-1) (1 - (1-y)^a) dy = 1 - b/(a+b) = a/(a+b) = 10/30."""
    assert probability_beats(Arm(9, 0), Arm(19, 0)) == pytest.approx(1 / 3, abs=EXACT)


def test_probability_between_two_arms_that_always_convert():
    """Control 4 of 4: Beta(5,1); variant 9 of 9: Beta(10,1). For X ~ Beta(a,1), Y ~ Beta(b,1):
    P(Y > X) = integral of b y^(b-1) y^a dy = b/(a+b) = 10/15 (the sum runs over the larger arm
    here, and over the smaller one the other way round)."""
    assert probability_beats(Arm(4, 4), Arm(9, 9)) == pytest.approx(2 / 3, abs=EXACT)
    assert probability_beats(Arm(9, 9), Arm(4, 4)) == pytest.approx(1 / 3, abs=EXACT)


def test_equal_arms_beat_each_other_half_the_time():
    """Two arms with the same counts have the same posterior: P(B > A) = 1/2 by symmetry."""
    assert probability_beats(Arm(1000, 30), Arm(1000, 30)) == pytest.approx(0.5, abs=EXACT)


@pytest.mark.parametrize(
    ("arm", "low", "high"),
    [
        # Beta(1,1): the quantiles of the uniform distribution.
        (Arm(0, 0), 0.025, 0.975),
        # Beta(1,10): 1 - (1-x)^10 = q gives x = 1 - (1-q)^(1/10).
        (Arm(9, 0), 1 - 0.975**0.1, 1 - 0.025**0.1),
        # Beta(2,1): x^2 = q gives x = sqrt(q).
        (Arm(1, 1), math.sqrt(0.025), math.sqrt(0.975)),
        # Beta(5,1): x^5 = q gives x = q^(1/5).
        (Arm(4, 4), 0.025**0.2, 0.975**0.2),
    ],
)
def test_credible_intervals_are_the_posteriors_quantiles(arm, low, high):
    """The 95% interval runs from the posterior's 2.5% quantile to its 97.5% quantile."""
    assert interval(arm) == pytest.approx((low, high), abs=1e-9)


def test_probability_of_being_best_for_two_arms_matches_the_exact_pair():
    """With two arms, P(best) is P(B > A) and its complement: 1/3 and 2/3 (Beta(1,1) vs Beta(2,1)),
    and 2/3 and 1/3 for Beta(1,10) vs Beta(1,20)."""
    assert probabilities_best([Arm(0, 0), Arm(1, 1)]) == pytest.approx([1 / 3, 2 / 3], abs=NUMERIC)
    assert probabilities_best([Arm(9, 0), Arm(19, 0)]) == pytest.approx([2 / 3, 1 / 3], abs=NUMERIC)


def test_probability_of_being_best_for_three_arms():
    """Arms Beta(a_i, 1) (all their impressions converted): P(arm i is the highest) =
    integral of a_i x^(a_i - 1) times the product of x^(a_j) = a_i / (a_1 + a_2 + a_3).
    With 0 of 0, 1 of 1 and 2 of 2 (a = 1, 2, 3): 1/6, 2/6 and 3/6."""
    best = probabilities_best([Arm(0, 0), Arm(1, 1), Arm(2, 2)])
    assert best == pytest.approx([1 / 6, 2 / 6, 3 / 6], abs=NUMERIC)


def test_probability_of_being_best_with_narrow_and_wide_posteriors():
    """A narrow posterior (a million impressions) beside a wide one is integrated as finely: the
    two probabilities agree with the exact pairwise one."""
    narrow, wide = Arm(1_000_000, 20_000), Arm(50, 1)
    best = probabilities_best([narrow, wide])
    assert best[1] == pytest.approx(probability_beats(narrow, wide), abs=1e-4)
    assert sum(best) == pytest.approx(1.0)


def test_thompson_weights_follow_the_probability_of_being_best_above_a_floor():
    """Weights are floor + (1 - 3 floor) P_i: with P = 1/6, 2/6, 3/6 and a floor of 0.05,
    0.05 + 0.85/6, 0.05 + 0.85/3 and 0.05 + 0.85/2."""
    weights = thompson_weights([Arm(0, 0), Arm(1, 1), Arm(2, 2)], floor=0.05)
    assert weights == pytest.approx(
        [0.05 + 0.85 / 6, 0.05 + 0.85 / 3, 0.05 + 0.85 / 2], abs=NUMERIC
    )


def test_a_losing_arm_keeps_its_floor():
    """An arm that is almost surely worse still gets the floor, and the weights sum to one."""
    weights = thompson_weights([Arm(10_000, 0), Arm(10_000, 500)], floor=0.05)
    assert weights[0] == pytest.approx(0.05, abs=1e-6)
    assert sum(weights) == pytest.approx(1.0)


def test_with_no_counts_the_split_is_even():
    """Before any impression every arm is as likely to be best: an even split."""
    assert thompson_weights([Arm(0, 0)] * 4) == pytest.approx([0.25] * 4, abs=NUMERIC)


def test_a_clear_answer_needs_the_probability_and_the_minimum():
    """Clear: P >= 0.95 or <= 0.05 with every arm at the minimum; not with one arm short."""
    enough = [Arm(1000, 10), Arm(1000, 20)]
    assert is_clear(0.96, enough, 1000)
    assert is_clear(0.04, enough, 1000)
    assert not is_clear(0.5, enough, 1000)
    assert not is_clear(0.96, [Arm(1000, 10), Arm(999, 20)], 1000)


def test_impressions_needed_projects_the_observed_rates():
    """Control 2 of 100, variant 4 of 100: posterior means m_A = 3/102, m_B = 5/102, a gap of
    2/102; m(1-m) sums to (3*99 + 5*97)/102^2 = 782/102^2. Clear once
    782/102^2 / (100 + k + 3) <= (2/102 / z)^2, i.e. k >= z^2 * 782/4 - 103, with
    z = 1.6448536 (z^2 = 2.7055435): 528.934 - 103 = 425.93, so 426 more impressions each."""
    assert impressions_needed(Arm(100, 2), Arm(100, 4), minimum=0) == 426


def test_impressions_needed_counts_the_minimum_too():
    """With a minimum of 1,000 impressions per variant, 900 more are needed at least."""
    assert impressions_needed(Arm(100, 2), Arm(100, 4), minimum=1000) == 900


def test_no_impressions_bring_an_answer_between_equal_rates():
    """Equal observed rates never separate in the projection: None."""
    assert impressions_needed(Arm(500, 5), Arm(500, 5), minimum=100) is None


def test_no_more_impressions_once_the_answer_is_clear():
    """0 of 2,000 against 60 of 2,000: P(B > A) is all but 1 and the minimum is met."""
    assert probability_beats(Arm(2000, 0), Arm(2000, 60)) > 0.9999
    assert impressions_needed(Arm(2000, 0), Arm(2000, 60), minimum=2000) == 0
