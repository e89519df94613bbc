"""The population stability index against a hand-worked example, a direct numpy
computation, and the degenerate inputs retail data produces."""

from __future__ import annotations

import math

import numpy as np
import pytest

from shelfops.monitoring.psi import EPSILON, PSIInputError, population_stability_index


def test_hand_worked_example() -> None:
    # Reference [1, 2, 3, 4], two bins: the median edge is 2.5, so the reference shares
    # are ½ in [1, 2.5] and ½ above. Current [1, 1, 1, 4]: ¾ and ¼.
    # PSI = (¾ − ½)·ln(¾ / ½) + (¼ − ½)·ln(¼ / ½) = ¼·ln 1.5 + ¼·ln 2 = ¼·ln 3.
    psi = population_stability_index([1, 2, 3, 4], [1, 1, 1, 4], bins=2)

    assert psi == pytest.approx(0.25 * math.log(3), abs=1e-12)


def _direct_psi(reference: np.ndarray, current: np.ndarray, bins: int) -> float:
    """The textbook computation with numpy's histogram: decile edges of the reference,
    an extra bin below its minimum, shares floored at EPSILON."""
    inner = np.quantile(reference, np.arange(1, bins) / bins)
    edges = np.concatenate([[-np.inf, reference.min()], inner, [np.inf]])
    r = np.histogram(reference, edges)[0] / reference.size
    c = np.histogram(current, edges)[0] / current.size
    r, c = np.maximum(r, EPSILON), np.maximum(c, EPSILON)
    return float(np.sum((c - r) * np.log(c / r)))


@pytest.mark.parametrize("shift", [0.0, 0.1, 0.5, 2.0])
def test_matches_a_direct_numpy_computation(shift: float) -> None:
    rng = np.random.default_rng(42)
    # 1,000 continuous values: decile edges fall between data points, so bin closedness
    # (numpy's histogram is left-closed, ours right-closed) cannot matter.
    reference = rng.normal(10.0, 2.0, 1000)
    current = rng.normal(10.0 + shift * 2.0, 2.0, 700)

    psi = population_stability_index(reference, current)

    assert psi == pytest.approx(_direct_psi(reference, current, 10), rel=1e-12)


def test_grows_with_the_shift_and_is_zero_for_the_same_sample() -> None:
    rng = np.random.default_rng(1)
    reference = rng.gamma(2.0, 3.0, 5000)

    same = population_stability_index(reference, reference)
    small = population_stability_index(reference, reference * 1.1)
    large = population_stability_index(reference, reference * 3.0)

    assert same == 0.0
    assert 0.0 < small < 0.2 < large


def test_a_value_many_rows_share_gets_a_bin_of_its_own() -> None:
    # 80 % zero discounts: deciles 0.1 … 0.8 are all 0 and merge into one edge.
    reference = np.array([0.0] * 80 + [0.1] * 10 + [0.2] * 10)
    same_mix = np.array([0.0] * 40 + [0.1] * 5 + [0.2] * 5)
    fewer_zeros = np.array([0.0] * 20 + [0.1] * 15 + [0.2] * 15)

    assert population_stability_index(reference, same_mix) == pytest.approx(0.0, abs=1e-12)
    # Zero share 0.8 → 0.4 and the others 0.2 → 0.6: a clear shift, and finite.
    psi = population_stability_index(reference, fewer_zeros)
    assert 0.2 < psi < 10


def test_a_constant_reference_flags_any_other_value() -> None:
    reference = np.zeros(100)

    assert population_stability_index(reference, np.zeros(30)) == 0.0
    above = population_stability_index(reference, np.full(30, 0.25))
    below = population_stability_index(reference, np.full(30, -1.0))
    # All mass moved from one bin to another: 2 · (1 − ε) · ln(1 / ε).
    expected = 2 * (1 - EPSILON) * math.log(1 / EPSILON)
    assert above == pytest.approx(expected)
    assert below == pytest.approx(expected)


@pytest.mark.parametrize(
    ("reference", "current", "bins", "message"),
    [
        ([], [1.0], 10, "reference sample is empty"),
        ([1.0, 2.0], [], 10, "current sample is empty"),
        ([1.0, float("nan")], [1.0], 10, "reference sample has 1 value"),
        ([1.0, 2.0], [float("inf")], 10, "current sample has 1 value"),
        ([1.0, 2.0], [1.0], 1, "bins must be at least 2"),
    ],
)
def test_degenerate_inputs_are_refused_with_a_clear_error(
    reference: list[float], current: list[float], bins: int, message: str
) -> None:
    with pytest.raises(PSIInputError, match=message):
        population_stability_index(reference, current, bins=bins)
