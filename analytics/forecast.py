"""Univariate forecasting: a few candidate models, chosen by a rolling-origin backtest.

Candidates (``CANDIDATES``):

* ``naive``: the last value repeated;
* ``seasonal_naive``: the value one season earlier, y(T + h − m·ceil(h/m));
* ``ar1``: SARIMAX(1,0,0) with a constant (the cash baseline's former model);
* ``ets_none_none``, ``ets_damped_none``: simple exponential smoothing and the damped trend
  without a season (for series with no season to speak of);
* ``ets_none_add``, ``ets_add_add``, ``ets_damped_add``: ETS with additive errors and an additive
  season, no / additive / damped additive trend (statsmodels ``ETSModel``, maximum likelihood);
* ``ets_add_mul``, ``ets_damped_mul``: the same with a multiplicative season (positive series only).

Each follows scikit-learn's contract: settings in ``__init__``, ``fit(y)`` returns self,
``predict(horizon)`` returns step, forecast, lower, upper; ``simulate(horizon, n_paths, rng)``
returns an array (horizon × n_paths) of future paths for bands of cumulative sums.

Accuracy is the mean absolute scaled error (Hyndman & Koehler 2006): the forecast's MAE over the
in-sample MAE of a naive method on the training series. ``mase_lag1`` scales by the one-step
naive (y_t − y_{t−1}); ``mase_seasonal`` by the seasonal naive (y_t − y_{t−m}), so that the
seasonal naive forecast scores exactly 1.0 on its own in-sample one-step errors. Lower is better;
below 1 beats the in-sample seasonal naive.

``select_forecaster`` backtests the candidates from several past origins (rolling origin,
Tashman 2000) and keeps the one with the lowest MAE relative to the seasonal naive's at the
same origins (geometric mean, Davydenko & Fildes 2013).
"""

from __future__ import annotations

import functools
import math
import os
import warnings

import numpy as np
import pandas as pd

CANDIDATES = ("naive", "seasonal_naive", "ar1", "ets_none_none", "ets_damped_none", "ets_none_add", "ets_add_add", "ets_damped_add", "ets_add_mul", "ets_damped_mul")
SEASONAL = {"seasonal_naive", "ets_none_add", "ets_add_add", "ets_damped_add", "ets_add_mul", "ets_damped_mul"}
_ETS = {  # name -> (trend, damped, seasonal)
    "ets_none_none": (None, False, None),
    "ets_damped_none": ("add", True, None),
    "ets_none_add": (None, False, "add"),
    "ets_add_add": ("add", False, "add"),
    "ets_damped_add": ("add", True, "add"),
    "ets_add_mul": ("add", False, "mul"),
    "ets_damped_mul": ("add", True, "mul"),
}


BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


@functools.cache
def limit_blas_threads() -> None:
    """Run BLAS on one thread in this process, once, unless the environment sets a thread count
    (``BLAS_THREAD_VARIABLES``). The statsmodels fits work on matrices of a few dozen rows, where
    a second OpenBLAS thread only spins: on two cores under load the cash page's model selection
    took 0.71 CPU s with it and 0.31-0.35 without (docs/PERFORMANCE.md, "Lead (session 16)"), the
    same forecasts to the bit. Called by every fit; the limit holds for the whole process (two
    threads that both set it first set the same)."""
    if not any(v in os.environ for v in BLAS_THREAD_VARIABLES):
        from threadpoolctl import threadpool_limits

        threadpool_limits(1, user_api="blas")


def _z(level: float) -> float:
    from statistics import NormalDist

    return NormalDist().inv_cdf(0.5 + level / 2)


def infer_season_length(index) -> int:
    """Observations per year from an index of periods or dates: 12 monthly, 4 quarterly,
    52 weekly, 1 yearly. Strings like ``2026-03`` are months, ``2026Q1`` quarters."""
    idx = pd.Index(index)
    if len(idx) == 0:
        raise ValueError("index is empty: cannot infer a season length")
    if isinstance(idx, pd.PeriodIndex):
        freq = idx.freqstr
    elif isinstance(idx, pd.DatetimeIndex):  # the typical spacing in days
        step = float(np.median(np.diff(idx.asi8))) / 86_400e9 if len(idx) > 1 else 30.0
        return 52 if step < 10 else 12 if step < 45 else 4 if step < 120 else 1
    else:
        first = str(idx[0])
        if "Q" in first.upper():
            return 4
        if len(first) == 7 and first[4] == "-":
            return 12
        if len(first) == 4 and first.isdigit():
            return 1
        raise ValueError(f"cannot infer a season length from values like {first!r}")
    f = freq.upper()
    if f.startswith("Q"):
        return 4
    if f.startswith("M"):
        return 12
    if f.startswith("W") or f in ("7D",):
        return 52
    if f.startswith(("A", "Y")):
        return 1
    raise ValueError(f"cannot infer a season length from frequency {freq!r}")


def naive_scale(training, lag: int = 1) -> float:
    """The in-sample MAE of the lag-``lag`` naive forecast: mean |y_t − y_{t−lag}|."""
    y = np.asarray(training, dtype=float)
    if lag < 1 or len(y) <= lag:
        return float("nan")
    return float(np.mean(np.abs(y[lag:] - y[:-lag])))


def compute_mase(actual, forecast, training, season_length: int = 1) -> float:
    """Mean absolute scaled error: MAE of the forecast / in-sample MAE of the naive forecast at
    lag ``season_length`` on ``training`` (1: Hyndman & Koehler's MASE; m: the seasonal MASE)."""
    scale = naive_scale(training, season_length)
    if not scale or math.isnan(scale):
        return float("nan")
    return float(np.mean(np.abs(np.asarray(actual, dtype=float) - np.asarray(forecast, dtype=float))) / scale)


class _Base:
    name = "base"

    def __init__(self, season_length: int = 1, level: float = 0.8):
        if season_length < 1:
            raise ValueError(f"season_length must be >= 1, got {season_length}")
        if not 0 < level < 1:
            raise ValueError(f"level must be in (0, 1), got {level}")
        self.season_length, self.level = int(season_length), level

    def min_length(self) -> int:
        return 2

    def _check(self, y) -> np.ndarray:
        y = np.asarray(y, dtype=float)
        if len(y) < self.min_length():
            raise ValueError(f"{self.name} needs at least {self.min_length()} observations, got {len(y)}")
        if not np.isfinite(y).all():
            raise ValueError(f"{self.name}: history has missing or infinite values")
        return y

    def point(self, horizon: int) -> np.ndarray:
        """The point forecast only (cheaper than ``predict`` for some models)."""
        return self.predict(horizon).forecast.to_numpy()

    def predict(self, horizon: int) -> pd.DataFrame:
        mean, sd = self._mean_sd(horizon)
        z = _z(self.level)
        return pd.DataFrame({"step": np.arange(1, horizon + 1), "forecast": mean, "lower": mean - z * sd, "upper": mean + z * sd})


class Naive(_Base):
    """The last value repeated; random-walk bands (σ·√h)."""

    name = "naive"

    def fit(self, y) -> "Naive":
        self.y_ = self._check(y)
        self.sigma_ = float(np.std(np.diff(self.y_))) if len(self.y_) > 2 else 0.0
        return self

    def _mean_sd(self, horizon):
        h = np.arange(1, horizon + 1)
        return np.repeat(self.y_[-1], horizon), self.sigma_ * np.sqrt(h)

    def simulate(self, horizon, n_paths, rng):
        steps = rng.normal(0.0, self.sigma_, size=(horizon, n_paths))
        return self.y_[-1] + np.cumsum(steps, axis=0)


class SeasonalNaive(_Base):
    """The value one season earlier; bands σ·√ceil(h/m) (Hyndman & Athanasopoulos, 5.5).
    ``fitted_`` holds the in-sample one-step forecasts y_{t−m} for t ≥ m."""

    name = "seasonal_naive"

    def min_length(self):
        return self.season_length + 1

    def fit(self, y) -> "SeasonalNaive":
        self.y_ = self._check(y)
        m = self.season_length
        self.fitted_ = self.y_[:-m]
        self.sigma_ = float(np.std(self.y_[m:] - self.fitted_)) if len(self.y_) > m + 1 else 0.0
        return self

    def _mean_sd(self, horizon):
        m = self.season_length
        h = np.arange(1, horizon + 1)
        k = (h - 1) // m + 1
        return self.y_[len(self.y_) - m + (h - 1) % m], self.sigma_ * np.sqrt(k)

    def simulate(self, horizon, n_paths, rng):
        m = self.season_length
        paths = np.empty((horizon, n_paths))
        last = np.tile(self.y_[-m:], (n_paths, 1)).T  # m × n_paths: the latest season
        for i in range(horizon):
            paths[i] = last[i % m] + rng.normal(0.0, self.sigma_, n_paths)
            last[i % m] = paths[i]
        return paths


class AR1(_Base):
    """SARIMAX(1,0,0) with a constant on the standardised series (season length unused)."""

    name = "ar1"

    def min_length(self):
        return 8

    def fit(self, y) -> "AR1":
        from statsmodels.tsa.statespace.sarimax import SARIMAX

        limit_blas_threads()
        y = self._check(y)
        self.scale_ = float(np.std(y)) or 1.0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.result_ = SARIMAX(y / self.scale_, order=(1, 0, 0), trend="c").fit(disp=False)
        return self

    def predict(self, horizon: int) -> pd.DataFrame:
        fc = self.result_.get_forecast(horizon)
        mean = np.asarray(fc.predicted_mean) * self.scale_
        ci = np.asarray(fc.conf_int(alpha=1 - self.level)) * self.scale_
        return pd.DataFrame({"step": np.arange(1, horizon + 1), "forecast": mean, "lower": ci[:, 0], "upper": ci[:, 1]})

    def simulate(self, horizon, n_paths, rng):
        sims = self.result_.simulate(horizon, repetitions=n_paths, anchor="end", rng=rng) * self.scale_
        return np.asarray(sims).reshape(horizon, -1)


class ETS(_Base):
    """ETS with additive errors (statsmodels ``ETSModel``): ``trend`` None or "add" (``damped``),
    ``seasonal`` "add" or "mul" with period ``season_length``. Needs two full seasons. Seasonal
    models start from the heuristic initial states of Hyndman et al. (2008, 2.6.1) and estimate
    the smoothing parameters by maximum likelihood: as accurate on the benchmark as estimating
    the m + 2 initial states too, and about 100 times faster (docs/PERFORMANCE.md)."""

    def __init__(self, season_length: int = 12, level: float = 0.8, trend: str | None = "add", damped: bool = False,
                 seasonal: str | None = "add"):
        super().__init__(season_length, level)
        self.trend, self.damped, self.seasonal = trend, damped, seasonal
        self.name = "ets_" + ("none" if trend is None else "damped" if damped else "add") + "_" + (seasonal or "none")

    def min_length(self):
        return 2 * self.season_length + 2 if self.seasonal else 6

    def fit(self, y) -> "ETS":
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel

        limit_blas_threads()
        y = self._check(y)
        if self.seasonal == "mul" and (y <= 0).any():
            raise ValueError(f"{self.name}: a multiplicative season needs a positive series")
        seasonal = self.seasonal if self.season_length > 1 else None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = ETSModel(pd.Series(y), error="add", trend=self.trend, damped_trend=self.damped and self.trend is not None,
                             seasonal=seasonal, seasonal_periods=self.season_length if seasonal else None,
                             initialization_method="heuristic" if seasonal else "estimated")
            self.result_ = model.fit(disp=False, maxiter=200)
        if not np.isfinite(self.result_.fittedvalues).all():
            raise ValueError(f"{self.name}: the fit diverged")
        return self

    def point(self, horizon: int) -> np.ndarray:
        return np.asarray(self.result_.forecast(horizon), dtype=float)

    def predict(self, horizon: int) -> pd.DataFrame:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pred = self.result_.get_prediction(start=self.result_.nobs, end=self.result_.nobs + horizon - 1)
            frame = pred.summary_frame(alpha=1 - self.level)
        return pd.DataFrame({"step": np.arange(1, horizon + 1), "forecast": frame["mean"].to_numpy(),
                             "lower": frame["pi_lower"].to_numpy(), "upper": frame["pi_upper"].to_numpy()})

    def simulate(self, horizon, n_paths, rng):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sims = self.result_.simulate(horizon, repetitions=n_paths, anchor="end", rng=rng)
        return np.asarray(sims).reshape(horizon, -1)


def preload() -> None:
    """Import the statsmodels models the candidates fit. The import costs about 2 s of CPU (5 s
    and more on a busy machine: scipy.stats among its dependencies), more than a whole model
    selection on the cash history; a server calls this in the background once, so that the
    first forecast pays only its fits. Safe in a thread (Python's import lock)."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel  # noqa: F401
    from statsmodels.tsa.statespace.sarimax import SARIMAX  # noqa: F401

    limit_blas_threads()


def make_forecaster(name: str, season_length: int = 1, level: float = 0.8) -> _Base:
    """A candidate by name (see ``CANDIDATES``)."""
    if name == "naive":
        return Naive(season_length, level)
    if name == "seasonal_naive":
        return SeasonalNaive(season_length, level)
    if name == "ar1":
        return AR1(season_length, level)
    if name in _ETS:
        trend, damped, seasonal = _ETS[name]
        return ETS(season_length, level, trend=trend, damped=damped, seasonal=seasonal)
    raise ValueError(f"unknown forecaster {name!r}; choose from {CANDIDATES}")


def usable_candidates(y, season_length: int, candidates=None) -> list[str]:
    """The candidates that can fit ``y``: seasonal ones need season_length > 1 and two seasons,
    multiplicative seasons a positive series."""
    y = np.asarray(y, dtype=float)
    out = []
    for name in candidates or CANDIDATES:
        if name in SEASONAL and season_length <= 1:
            continue
        if name.endswith("_mul") and (y <= 0).any():
            continue
        if len(y) < make_forecaster(name, season_length).min_length():
            continue
        out.append(name)
    return out


def compute_rolling_origin(y, season_length: int, candidates=None, horizon: int = 12, origins: int = 4,
                           step: int | None = None) -> pd.DataFrame:
    """Each candidate forecast from ``origins`` past cut points (the last leaves exactly
    ``horizon`` observations, the others ``step`` earlier each; by default half the horizon, so
    that four origins span a year and a half of a monthly series) and scored on what followed:
    one row per candidate × origin with ``mase_seasonal``, ``mase_lag1`` and the MAE. A candidate
    that cannot fit at an origin is left out there."""
    y = np.asarray(y, dtype=float)
    if horizon < 1 or origins < 1:
        raise ValueError(f"horizon and origins must be >= 1, got {horizon}, {origins}")
    step = step or max(1, horizon // 2)
    m = season_length
    rows = []
    for k in range(origins):
        cut = len(y) - horizon - k * step
        train, test = y[:cut], y[cut:cut + horizon]
        if len(train) < 4:
            break
        for name in usable_candidates(train, m, candidates):
            try:
                fc = make_forecaster(name, m).fit(train).point(len(test))
            except (ValueError, np.linalg.LinAlgError):
                continue
            if not np.isfinite(fc).all():
                continue
            rows.append({"candidate": name, "origin": cut, "mae": float(np.mean(np.abs(test - fc))),
                         "mase_seasonal": compute_mase(test, fc, train, m if len(train) > m else 1),
                         "mase_lag1": compute_mase(test, fc, train, 1)})
    return pd.DataFrame(rows, columns=["candidate", "origin", "mae", "mase_seasonal", "mase_lag1"])


def select_forecaster(y, season_length: int, candidates=None, horizon: int = 12, origins: int = 4,
                      step: int | None = None) -> tuple[str, pd.DataFrame]:
    """The candidate with the lowest ``rel_mae`` over the rolling origins: the geometric mean of
    its MAE relative to the seasonal naive's at the same origins (Davydenko & Fildes' AvgRelMAE;
    the naive's without a season; by MAE when a series repeats exactly), scored at two origins
    at least; and the scores per candidate (mean MAE, ``mase_seasonal``, ``mase_lag1``,
    ``rel_mae``), best first. With too little
    history for any backtest: seasonal naive when two seasons are there, else naive."""
    bt = compute_rolling_origin(y, season_length, candidates, horizon, origins, step)
    if bt.empty:
        fallback = "seasonal_naive" if season_length > 1 and len(np.asarray(y)) > season_length else "naive"
        return fallback, pd.DataFrame(columns=["candidate", "n_origins", "mae", "mase_seasonal", "mase_lag1", "rel_mae"])
    # each origin's MAE relative to the benchmark's at the same origin (seasonal naive, or naive
    # without a season), so that origins of different difficulty and candidates scored at fewer
    # origins (the seasonal ETS needs two seasons) compare fairly; geometric mean over origins
    bench = bt[bt.candidate == "seasonal_naive"].set_index("origin").mae
    bench = bench.combine_first(bt[bt.candidate == "naive"].set_index("origin").mae)
    bt = bt.assign(rel=bt.mae / bt.origin.map(bench).to_numpy())
    scores = bt.groupby("candidate").agg(n_origins=("origin", "size"), mae=("mae", "mean"), mase_seasonal=("mase_seasonal", "mean"),
                                         mase_lag1=("mase_lag1", "mean"),
                                         rel_mae=("rel", lambda r: float(np.exp(np.mean(np.log(r)))) if (r > 0).all() else np.nan))
    # a series that repeats exactly has no error to compare with: rank by MAE then
    key = "rel_mae" if np.isfinite(scores.rel_mae).all() else "mae"
    full = scores[scores.n_origins >= min(2, scores.n_origins.max())].sort_values([key, "mae"])
    scores = scores.loc[list(full.index) + [c for c in scores.index if c not in full.index]].reset_index()
    return str(full.index[0]), scores


def backtest_horizon(n: int, season_length: int, origins: int = 3) -> int:
    """The longest backtest horizon up to a season that leaves more than a season of training at
    every origin (so that the seasonal naive competes everywhere); 1 at least."""
    for h in range(max(season_length, 1), 0, -1):
        if h + (origins - 1) * max(1, h // 2) <= n - season_length - 1:
            return h
    return 1


class AutoForecaster(_Base):
    """The candidate chosen by ``select_forecaster`` on the history, refitted on all of it.
    ``chosen_`` names it, ``scores_`` holds the backtest; falls back to the next best candidate
    when the chosen one fails on the full history."""

    name = "auto"

    def __init__(self, season_length: int = 12, level: float = 0.8, candidates=None, horizon: int = 12, origins: int = 4):
        super().__init__(season_length, level)
        self.candidates, self.horizon, self.origins = candidates, horizon, origins

    def fit(self, y) -> "AutoForecaster":
        y = self._check(y)
        chosen, scores = select_forecaster(y, self.season_length, self.candidates, self.horizon, self.origins)
        self.y_ = y
        order = [chosen] + [c for c in scores.candidate if c != chosen] + ["naive"]
        for name in dict.fromkeys(order):
            try:
                self.model_ = make_forecaster(name, self.season_length, self.level).fit(y)
            except (ValueError, np.linalg.LinAlgError):
                continue
            self.chosen_ = name
            break
        self.scores_ = scores
        return self

    def predict(self, horizon: int) -> pd.DataFrame:
        return self.model_.predict(horizon)

    def point(self, horizon: int) -> np.ndarray:
        return self.model_.point(horizon)

    def simulate(self, horizon, n_paths, rng):
        return self.model_.simulate(horizon, n_paths, rng)
