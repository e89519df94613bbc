"""Global LSTM forecaster (optional ``deep`` extra): one network across all series.

Only this module imports PyTorch; the registry imports it lazily, so the rest of the
library works without the extra.

**Inputs.** A forecast from cutoff ``c`` reads the ``window`` periods before ``c``. Each
step carries the demand divided by the series' scale, a *missing* flag, the known
covariates (``promo_flag``, ``discount_pct``, ``is_holiday`` and the log price relative
to the window's mean price, whichever the panel has) and calendar phases (day of week
and day of year for daily data, day of year for weekly, month for monthly and
quarterly). The scale is the series' mean observed demand in the window plus ``eps``
(a tenth of the panel's median series mean), so one network serves series whose
levels differ by orders of magnitude, and windows of near-zero demand do not explode.

**Censoring.** A stock-out cell (and any cell before a series' first observation) enters
as value 0 with the missing flag set, and is never a target, so the network does not
learn "demand was zero" from it. Series shorter than the window are left-padded with
missing cells; a series with no observation at all is forecast 0.

**Direct multi-horizon output** (MQ-RNN style), not recursion: the LSTM's last hidden
state (with the log scale) feeds a global layer that emits one context per horizon step
and one shared context; a small local MLP, shared across steps, maps each step's
context plus that step's known future covariates and calendar to the log of the scaled
mean. Step ``k``'s output depends only on step ``k``'s future inputs.

**Horizon.** ``fit`` does not know the horizon, so the network is trained for
``max_horizon`` steps (default per frequency: 28 days, 13 weeks, 12 months, 8 quarters,
3 years); ``predict(h)`` returns the first ``h`` of them, and ``h > max_horizon`` is an
error asking for a larger ``max_horizon``.

**Training.** ``max_windows`` (series, cutoff) pairs are drawn at random from the whole
history (a series with a longer history offers more cutoffs); a cutoff near the end
contributes the targets that exist. A quarter of the training windows get a random run
of input cells hidden as if stocked out, so the network learns to read through masked
days (real stock-out runs are too rare to teach that). The loss is the Poisson negative
log-likelihood (log link) on the scaled targets, averaged over observed target cells.
With no window to learn from (every series has one period) the forecast is each
series' mean. Everything is seeded: the same ``seed`` and ``threads`` give the same
forecast.

**Threads.** ``threads`` defaults to 1: a small LSTM runs many tiny per-time-step
operations, each ending in an OpenMP barrier, and when another process holds one of the
cores a second thread stalls on every barrier. Measured on a busy 2-core machine:
fitting 10,000 series took 153 s with two threads and 47 s with one. Torch's global
thread count is restored after ``fit`` and ``predict``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import ClassVar, Self

import numpy as np
import numpy.typing as npt
import torch
from torch import nn

from shelfops.forecasting.errors import ForecastInputError
from shelfops.forecasting.frequency import Freq, Grid
from shelfops.forecasting.models.base import Forecaster, check_horizon, finalize
from shelfops.forecasting.panel import FloatMatrix, Panel

#: Input window per frequency: eight weeks of days, a year of weeks, two years of months…
WINDOWS: dict[Freq, int] = {
    Freq.DAY: 56,
    Freq.WEEK: 52,
    Freq.MONTH: 24,
    Freq.QUARTER: 12,
    Freq.YEAR: 8,
}
#: Longest horizon trained for, per frequency (``max_horizon`` default).
MAX_HORIZONS: dict[Freq, int] = {
    Freq.DAY: 28,
    Freq.WEEK: 13,
    Freq.MONTH: 12,
    Freq.QUARTER: 8,
    Freq.YEAR: 3,
}
#: Covariates the network reads, in channel order (those the panel has).
_COVARIATES: tuple[str, ...] = ("promo_flag", "discount_pct", "is_holiday", "price")
#: ``eps`` as a share of the median series mean: keeps scaled near-zero windows finite.
_EPS_SHARE = 0.1
#: Cap on the log of a scaled mean (e^12 times the scale is far beyond any real demand).
_MAX_LOG = 12.0
#: Share of training windows given an artificial stock-out run (see _random_stockouts).
_STOCKOUT_SHARE = 0.25
#: Series per inference batch.
_PREDICT_BATCH = 2048

Float32Array = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class _Batch:
    """Network inputs and targets for a set of (series, cutoff) windows."""

    past: Float32Array
    """(B, window, past channels)."""
    future: Float32Array
    """(B, horizon, future channels)."""
    log_scale: Float32Array
    """(B, 1)."""
    target: Float32Array
    """(B, horizon) scaled demand, 0 where not observed."""
    mask: npt.NDArray[np.bool_]
    """(B, horizon) True where the target is observed demand."""
    scale: npt.NDArray[np.float64]
    """(B,) the divisor; NaN when the series has no observation before the cutoff."""


@dataclass(frozen=True)
class _Trained:
    """What a trained network fixes about its inputs, independent of any history."""

    window: int
    horizon: int
    eps: float
    """The input scale floor the network learned with (see the module docstring)."""
    past_channels: int
    future_channels: int
    covariates: tuple[str, ...]


class _Windows:
    """Cuts input windows out of a panel without copying its matrices."""

    def __init__(self, panel: Panel, window: int, horizon: int, eps: float) -> None:
        self.panel = panel
        self.window = window
        self.horizon = horizon
        self.eps = eps
        self.covariates = [c for c in _COVARIATES if c in panel.covariates]
        # Calendar rows for columns -window … n_periods + horizon - 1.
        self.calendar = _calendar(panel.grid, -window, window + panel.n_periods + horizon)

    @property
    def past_channels(self) -> int:
        """Demand, missing flag, covariates, calendar."""
        return 2 + len(self.covariates) + int(self.calendar.shape[1])

    @property
    def future_channels(self) -> int:
        """Covariates and calendar of a forecast step."""
        return len(self.covariates) + int(self.calendar.shape[1])

    def batch(
        self, rows: IntArray, cutoffs: IntArray, hide: npt.NDArray[np.bool_] | None = None
    ) -> _Batch:
        """Windows of series ``rows`` forecasting from columns ``cutoffs``.

        ``hide`` (B, window) marks extra input cells to treat as censored (training-time
        stock-out augmentation).
        """
        panel, w, h = self.panel, self.window, self.horizon
        columns = cutoffs[:, None] + np.arange(-w, h, dtype=np.int64)[None, :]
        inside = (columns >= 0) & (columns < panel.n_periods)
        clipped = np.clip(columns, 0, panel.n_periods - 1)
        y = panel.y[rows[:, None], clipped]
        observed = inside & ~np.isnan(y) & ~panel.censored[rows[:, None], clipped]
        if hide is not None:
            observed[:, :w] &= ~hide
        demand = np.where(observed, y, 0.0)
        past_obs, future_obs = observed[:, :w], observed[:, w:]
        count = past_obs.sum(axis=1)
        mean = demand[:, :w].sum(axis=1) / np.maximum(count, 1)
        for b in np.flatnonzero(count == 0):
            # A window with no observed demand (a long stock-out): the series' level before.
            mean[b] = _history_mean(panel, int(rows[b]), int(cutoffs[b]) - w)
        scale = mean + self.eps
        safe = np.where(np.isnan(scale), self.eps, scale)
        scaled = (demand / safe[:, None]).astype(np.float32)
        covariates = self._covariates(rows, columns)
        calendar = self.calendar[columns + w]
        past = np.concatenate(
            [
                scaled[:, :w, None],
                (~past_obs)[:, :, None].astype(np.float32),
                covariates[:, :w],
                calendar[:, :w],
            ],
            axis=2,
        )
        future = np.concatenate([covariates[:, w:], calendar[:, w:]], axis=2)
        return _Batch(
            past=past,
            future=future,
            log_scale=np.log(safe).astype(np.float32)[:, None],
            target=scaled[:, w:],
            mask=future_obs & ~np.isnan(scale)[:, None],
            scale=scale,
        )

    def _covariates(self, rows: IntArray, columns: IntArray) -> Float32Array:
        """(B, window + horizon, covariates); unknown cells (outside the matrix) are 0."""
        out = np.zeros((*columns.shape, len(self.covariates)), dtype=np.float32)
        w = self.window
        for j, name in enumerate(self.covariates):
            matrix = self.panel.covariates[name]
            known = (columns >= 0) & (columns < matrix.shape[1])
            values = matrix[rows[:, None], np.clip(columns, 0, matrix.shape[1] - 1)]
            values = np.where(known, values, np.nan)
            if name == "price":
                # Relative to the window's mean price: price levels differ across products,
                # a price change within a series is what moves demand.
                with np.errstate(all="ignore"):
                    reference = np.nanmean(values[:, :w], axis=1, keepdims=True)
                    values = np.clip(np.log(values / reference), -2.0, 2.0)
            out[:, :, j] = np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)
        return out


def _history_mean(panel: Panel, row: int, end: int) -> float:
    """Mean observed demand of ``row`` in columns before ``end`` (NaN when none)."""
    if end <= 0:
        return float("nan")
    y = panel.y[row, :end]
    observed = ~np.isnan(y) & ~panel.censored[row, :end]
    return float(y[observed].mean()) if observed.any() else float("nan")


def _calendar(grid: Grid, start: int, count: int) -> Float32Array:
    """Sin/cos of the seasonal phases of ``count`` periods from period ``start``."""
    dates = grid.dates(start, count).astype("datetime64[D]")
    phases: list[npt.NDArray[np.float64]] = []
    days = dates.astype(np.int64)
    year_start = dates.astype("datetime64[Y]").astype("datetime64[D]")
    day_of_year = (dates - year_start).astype(np.int64) / 365.25
    if grid.freq is Freq.DAY:
        phases.append(((days + 3) % 7) / 7.0)  # 1970-01-01 was a Thursday: Monday = 0
    if grid.freq in (Freq.DAY, Freq.WEEK):
        phases.append(day_of_year)
    elif grid.freq in (Freq.MONTH, Freq.QUARTER):
        phases.append((dates.astype("datetime64[M]").astype(np.int64) % 12) / 12.0)
    if not phases:
        return np.zeros((count, 0), dtype=np.float32)
    angles = 2.0 * np.pi * np.stack(phases, axis=1)
    return np.concatenate([np.sin(angles), np.cos(angles)], axis=1).astype(np.float32)


class _Network(nn.Module):
    """LSTM encoder → global contexts → local per-step MLP (MQ-RNN)."""

    def __init__(self, past_channels: int, future_channels: int, hidden: int, horizon: int) -> None:
        super().__init__()
        context = 16
        self.horizon = horizon
        self.context = context
        self.encoder = nn.LSTM(past_channels, hidden, batch_first=True)
        self.step_contexts = nn.Sequential(nn.Linear(hidden + 1, horizon * context), nn.ReLU())
        self.shared_context = nn.Sequential(nn.Linear(hidden + 1, context), nn.ReLU())
        self.local = nn.Sequential(
            nn.Linear(2 * context + future_channels, hidden // 2),
            nn.ReLU(),
            nn.Linear(hidden // 2, 1),
        )

    def forward(
        self, past: torch.Tensor, future: torch.Tensor, log_scale: torch.Tensor
    ) -> torch.Tensor:
        """Log of the scaled mean, shape (batch, horizon)."""
        _, (hidden, _) = self.encoder(past)
        state = torch.cat([hidden[-1], log_scale], dim=1)
        batch = state.shape[0]
        steps = self.step_contexts(state).view(batch, self.horizon, self.context)
        shared = self.shared_context(state)[:, None, :].expand(-1, self.horizon, -1)
        local = torch.cat([steps, shared, future], dim=2)
        out: torch.Tensor = self.local(local).squeeze(-1)
        return out.clamp(max=_MAX_LOG)


class LSTMForecaster(Forecaster):
    """Global LSTM with a direct multi-horizon head (see the module docstring)."""

    name: ClassVar[str] = "lstm"

    def __init__(
        self,
        *,
        window: int | None = None,
        max_horizon: int | None = None,
        hidden_size: int = 32,
        max_windows: int = 200_000,
        epochs: int = 2,
        batch_size: int = 256,
        learning_rate: float = 1e-2,
        threads: int = 1,
        seed: int = 0,
    ) -> None:
        for label, value in (
            ("window", window),
            ("max_horizon", max_horizon),
            ("hidden_size", hidden_size),
            ("max_windows", max_windows),
            ("epochs", epochs),
            ("batch_size", batch_size),
            ("threads", threads),
        ):
            if value is not None and value < 1:
                raise ForecastInputError(f"lstm parameter {label} must be at least 1, got {value}")
        if hidden_size < 2:
            raise ForecastInputError(
                f"lstm parameter hidden_size must be at least 2, got {hidden_size}"
            )
        self.window = window
        self.max_horizon = max_horizon
        self.hidden_size = hidden_size
        self.max_windows = max_windows
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.threads = threads
        self.seed = seed
        self.training_loss: list[float] = []
        """Mean training loss of each epoch (Poisson NLL on scaled targets)."""
        self._network: _Network | None = None
        self._windows: _Windows | None = None
        self._trained: _Trained | None = None

    def params(self) -> dict[str, object]:
        """Hyper-parameters (window and max_horizon as resolved once fitted)."""
        fitted = self._trained
        return {
            "window": fitted.window if fitted else self.window,
            "max_horizon": fitted.horizon if fitted else self.max_horizon,
            "hidden_size": self.hidden_size,
            "max_windows": self.max_windows,
            "epochs": self.epochs,
            "batch_size": self.batch_size,
            "learning_rate": self.learning_rate,
            "seed": self.seed,
        }

    def fit(self, panel: Panel) -> Self:
        """Train one network on random windows of every series' history."""
        window = self.window or WINDOWS[panel.freq]
        horizon = self.max_horizon or MAX_HORIZONS[panel.freq]
        windows = _Windows(panel, window, horizon, _eps(panel))
        rng = np.random.default_rng(self.seed)
        rows, cutoffs = _sample_cutoffs(panel, self.max_windows, rng)
        with _torch_session(self.threads, self.seed):
            network = _Network(
                windows.past_channels, windows.future_channels, self.hidden_size, horizon
            )
            self.training_loss = self._train(network, windows, rows, cutoffs, rng)
        # No window to learn from (every series has a single period): forecast flat means.
        self._network = network if rows.size else None
        self._windows = windows
        self._trained = _Trained(
            window=window,
            horizon=horizon,
            eps=windows.eps,
            past_channels=windows.past_channels,
            future_channels=windows.future_channels,
            covariates=tuple(windows.covariates),
        )
        return self

    def rebase(self, panel: Panel) -> Self:
        """Keep the trained network but forecast from ``panel``'s history.

        ``panel`` may be longer than the training history and hold other series (the
        network is global); it must give the network the same input channels, i.e. the
        same covariates.
        """
        trained = self._trained
        if trained is None:
            raise RuntimeError("fit the model before rebasing it")
        # The trained eps, not the new panel's: the network learned that input scale.
        windows = _Windows(panel, trained.window, trained.horizon, trained.eps)
        if tuple(windows.covariates) != trained.covariates or (
            windows.past_channels,
            windows.future_channels,
        ) != (trained.past_channels, trained.future_channels):
            raise ForecastInputError(
                f"the lstm model was trained with covariates {list(trained.covariates)} but "
                f"the panel has {windows.covariates}; forecast from a panel with the same "
                "covariates or train a new model"
            )
        self._windows = windows
        return self

    def for_storage(self) -> Self:
        """A copy with the trained network and no reference to any history.

        Such a copy must be :meth:`rebase`-d on a panel before it can predict.
        """
        out = copy.copy(self)
        out._windows = None
        return out

    def predict(self, horizon: int) -> FloatMatrix:
        """The first ``horizon`` steps of the direct forecast from the end of the history."""
        check_horizon(horizon)
        if self._windows is None:
            if self._trained is not None:
                raise RuntimeError("the lstm model holds no history: rebase it on a panel")
            raise RuntimeError("fit the model before predicting")
        windows = self._windows
        panel = windows.panel
        if horizon > windows.horizon:
            raise ForecastInputError(
                f"the lstm model was trained for at most {windows.horizon} periods ahead "
                f"but the horizon is {horizon}; create it with max_horizon={horizon} or more"
            )
        if panel.covariates and panel.n_future < horizon:
            raise ForecastInputError(
                f"known covariates reach {panel.n_future} periods ahead; horizon is {horizon}"
            )
        out = np.zeros((panel.n_series, horizon))
        network = self._network
        with _torch_session(self.threads, self.seed), torch.inference_mode():
            for start in range(0, panel.n_series, _PREDICT_BATCH):
                rows = np.arange(start, min(start + _PREDICT_BATCH, panel.n_series))
                cutoffs = np.full(rows.size, panel.n_periods, dtype=np.int64)
                batch = windows.batch(rows, cutoffs)
                if network is None:
                    # Untrained (see fit): the mean observed demand of the input window.
                    out[rows] = (batch.scale - windows.eps)[:, None]
                    continue
                network.eval()
                log_mean = network(*_tensors(batch)).numpy().astype(np.float64)
                # NaN scale (no observation at all) → NaN → 0 in finalize.
                out[rows] = np.exp(log_mean[:, :horizon]) * batch.scale[:, None]
        return finalize(out)

    def _train(
        self,
        network: _Network,
        windows: _Windows,
        rows: IntArray,
        cutoffs: IntArray,
        rng: np.random.Generator,
    ) -> list[float]:
        """Adam on the masked Poisson loss; returns the mean loss of each epoch."""
        if rows.size == 0:
            return []
        optimizer = torch.optim.Adam(network.parameters(), lr=self.learning_rate)
        steps_per_epoch = -(-rows.size // self.batch_size)
        schedule = torch.optim.lr_scheduler.OneCycleLR(
            optimizer,
            max_lr=self.learning_rate,
            total_steps=steps_per_epoch * self.epochs,
            pct_start=0.1,
        )
        network.train()
        losses: list[float] = []
        for _ in range(self.epochs):
            order = rng.permutation(rows.size)
            total, cells = 0.0, 0
            for start in range(0, rows.size, self.batch_size):
                take = order[start : start + self.batch_size]
                hide = _random_stockouts(rng, take.size, windows.window)
                batch = windows.batch(rows[take], cutoffs[take], hide)
                mask = torch.from_numpy(batch.mask)
                observed = int(mask.sum())
                if observed == 0:
                    schedule.step()
                    continue
                log_mean = network(*_tensors(batch))
                target = torch.from_numpy(batch.target)
                # Poisson negative log-likelihood (log link), without the constant log y!.
                nll = torch.exp(log_mean) - target * log_mean
                loss = nll[mask].mean()
                optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(network.parameters(), 1.0)
                optimizer.step()
                schedule.step()
                total += float(loss.detach()) * observed
                cells += observed
            losses.append(total / max(cells, 1))
        return losses


def _random_stockouts(rng: np.random.Generator, count: int, window: int) -> npt.NDArray[np.bool_]:
    """Hide a random run of input cells in some windows, as a stock-out would.

    Real stock-outs are rare in most histories, yet at forecast time a run of censored
    days right before the cutoff is common; without this the network never learns that
    masked cells mean "unknown" rather than "different". Runs that would pass the window
    end are cut there, so runs touching the cutoff are frequent.
    """
    chosen = rng.random(count) < _STOCKOUT_SHARE
    length = rng.integers(1, max(window // 4, 1) + 1, size=count)
    start = rng.integers(0, window, size=count)
    cells = np.arange(window)[None, :]
    return chosen[:, None] & (cells >= start[:, None]) & (cells < (start + length)[:, None])


def _tensors(batch: _Batch) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    return (
        torch.from_numpy(batch.past),
        torch.from_numpy(batch.future),
        torch.from_numpy(batch.log_scale),
    )


def _eps(panel: Panel) -> float:
    """A tenth of the median series mean of observed demand (1.0 for an all-zero panel)."""
    demand = panel.demand()
    observed = ~np.isnan(demand)
    counts = observed.sum(axis=1)
    sums = np.where(observed, demand, 0.0).sum(axis=1)
    means = sums[counts > 0] / counts[counts > 0]
    median = float(np.median(means)) if means.size else 0.0
    return _EPS_SHARE * median if median > 0 else 1.0


def _sample_cutoffs(
    panel: Panel, count: int, rng: np.random.Generator
) -> tuple[IntArray, IntArray]:
    """Random (series, cutoff) pairs with an observed period before and one at/after.

    Cutoffs run from a series' second period to the last one, uniformly over all such
    pairs, so longer histories offer more windows.
    """
    first = panel.first
    choices = np.maximum(panel.n_periods - 1 - first, 0)
    total = int(choices.sum())
    if total == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    # With replacement: a repeated window is harmless and the draw needs no O(total) memory.
    draws = np.sort(rng.integers(0, total, size=min(count, total)))
    ends = np.cumsum(choices)
    rows = np.searchsorted(ends, draws, side="right").astype(np.int64)
    offsets = draws - (ends[rows] - choices[rows])
    return rows, (first[rows] + 1 + offsets).astype(np.int64)


@contextmanager
def _torch_session(threads: int, seed: int) -> Iterator[None]:
    """Pin torch to ``threads`` threads and a seeded RNG; restore both afterwards.

    ``fork_rng`` keeps the caller's global torch RNG state untouched.
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            yield
    finally:
        torch.set_num_threads(previous)
