"""The population stability index: how far a feature's distribution moved.

With bin shares ``r_i`` (reference) and ``c_i`` (current)::

    PSI = Σ_i (c_i − r_i) · ln(c_i / r_i)

Every term is ≥ 0 (both factors have the same sign), so PSI is 0 for identical shares and
grows with the shift. Common reading: < 0.1 no shift, 0.1–0.2 moderate, > 0.2 a shift
worth a look (ShelfOps' default ``drift_psi_threshold``).

**Bins.** Edges are the reference's quantiles at ``k / bins`` for ``k = 1 … bins − 1``
(numpy's linear interpolation). Bins are closed on the right: ``[min_ref, e_1], (e_1,
e_2], …, (e_last, +∞)``. Two more rules make the index meaningful on retail data:

* Coinciding edges are merged, so a value many reference rows share (zero discount,
  zero units) is one bin of its own instead of several empty ones. A constant reference
  ``v`` therefore has the bins "below v", "exactly v" and "above v": a current window
  with the same constant scores 0, any value elsewhere scores high.
* Values below the reference minimum fall in a bin of their own (its reference share is
  0), so a drop below everything seen before counts as a shift rather than being pooled
  with the lowest bin.

**Empty bins.** A share of 0 would make ``ln`` infinite; every share is floored at
``EPSILON`` (1e-4, a common choice). A bin empty in both windows contributes exactly 0.

Pure numpy; no database.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

EPSILON = 1e-4
DEFAULT_BINS = 10

FloatArray = npt.NDArray[np.float64]


class PSIInputError(ValueError):
    """The arrays cannot be compared (empty, not finite, fewer than 2 bins)."""


def _values(name: str, values: npt.ArrayLike) -> FloatArray:
    array = np.asarray(values, dtype=np.float64).reshape(-1)
    if array.size == 0:
        raise PSIInputError(f"the {name} sample is empty; PSI needs values in both windows")
    if not np.isfinite(array).all():
        bad = int((~np.isfinite(array)).sum())
        raise PSIInputError(f"the {name} sample has {bad} value(s) that are NaN or infinite")
    return array


def bin_edges(reference: npt.ArrayLike, bins: int = DEFAULT_BINS) -> FloatArray:
    """The inner bin edges taken from ``reference`` (unique, ascending)."""
    if bins < 2:
        raise PSIInputError(f"bins must be at least 2, got {bins}")
    ref = _values("reference", reference)
    levels = np.arange(1, bins) / bins
    return np.unique(np.quantile(ref, levels))


def bin_shares(values: FloatArray, edges: FloatArray, minimum: float) -> FloatArray:
    """Share of ``values`` in each bin: [below ``minimum``, ≤ e_1, (e_1, e_2], …, > e_last]."""
    # side="left" counts the edges strictly below a value: v ≤ e_1 → 0 (right-closed bins).
    index = np.searchsorted(edges, values, side="left") + 1
    index[values < minimum] = 0
    counts = np.bincount(index, minlength=len(edges) + 2).astype(np.float64)
    shares: FloatArray = counts / values.size
    return shares


def population_stability_index(
    reference: npt.ArrayLike, current: npt.ArrayLike, bins: int = DEFAULT_BINS
) -> float:
    """PSI of ``current`` against ``reference`` (formula and bins in the module docstring).

    Raises :class:`PSIInputError` when either sample is empty or holds NaN/inf, or when
    ``bins`` < 2.
    """
    ref = _values("reference", reference)
    cur = _values("current", current)
    edges = bin_edges(ref, bins)
    minimum = float(ref.min())
    r = np.maximum(bin_shares(ref, edges, minimum), EPSILON)
    c = np.maximum(bin_shares(cur, edges, minimum), EPSILON)
    return float(np.sum((c - r) * np.log(c / r)))
