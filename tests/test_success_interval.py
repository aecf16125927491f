"""success_interval: the Wilson score interval that the book quotes for success rates."""

import math
from statistics import NormalDist

import pytest

from mlp_core.experiments import success_interval

CASES = [(k, n) for n in (1, 5, 20, 100) for k in sorted({0, 1, n // 2, n - 1, n}) if k >= 0]


def wald_interval(successes, trials, confidence=0.95):
    """The textbook interval p +- z sqrt(p(1-p)/n): the negative control."""
    z = NormalDist().inv_cdf((1 + confidence) / 2)
    p = successes / trials
    half = z * math.sqrt(p * (1 - p) / trials)
    return p - half, p + half


def score_test_gap(end, successes, trials, confidence=0.95):
    """Zero where ``end`` is exactly on the boundary of the score test's acceptance region.

    The Wilson interval is defined as the p0 for which |p - p0| <= z sqrt(p0 (1 - p0) / n);
    its ends solve the equation. This checks the definition, not the closed form.
    """
    z = NormalDist().inv_cdf((1 + confidence) / 2)
    p = successes / trials
    return (p - end) ** 2 - z**2 * end * (1 - end) / trials


@pytest.mark.parametrize("successes, trials", CASES)
@pytest.mark.parametrize("confidence", [0.8, 0.95, 0.99])
def test_ends_solve_the_score_test_equation(successes, trials, confidence):
    low, high = success_interval(successes, trials, confidence)
    assert 0 <= low <= successes / trials <= high <= 1
    for end in (low, high):
        assert abs(score_test_gap(end, successes, trials, confidence)) < 1e-12


@pytest.mark.parametrize("successes, trials", [(12, 20), (19, 20), (3, 5)])
def test_the_wald_interval_fails_the_same_check(successes, trials):
    # Negative control: a different interval must not pass the check above.
    low, high = wald_interval(successes, trials)
    assert max(abs(score_test_gap(end, successes, trials)) for end in (low, high)) > 1e-4


def test_the_numbers_the_book_quotes():
    assert [round(100 * end) for end in success_interval(12, 20)] == [39, 78]
    assert [round(100 * end) for end in success_interval(5, 5)] == [57, 100]
    assert [round(100 * end) for end in success_interval(3, 5)] == [23, 88]


def test_more_trials_narrow_the_interval_and_more_confidence_widens_it():
    widths = [high - low for low, high in (success_interval(6 * m, 10 * m) for m in (1, 4, 16))]
    assert widths[0] > widths[1] > widths[2]
    narrow, wide = success_interval(12, 20, 0.8), success_interval(12, 20, 0.99)
    assert wide[0] < narrow[0] and narrow[1] < wide[1]
