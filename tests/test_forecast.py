"""Forecast candidates and the rolling-origin selector: MASE scalings by hand, seasonal naive
scores 1.0 on its own in-sample errors, a seasonal series picks a seasonal model that beats
seasonal naive, season lengths from the data's frequency."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from analytics.forecast import (
    CANDIDATES,
    AutoForecaster,
    SeasonalNaive,
    backtest_horizon,
    compute_mase,
    compute_rolling_origin,
    infer_season_length,
    make_forecaster,
    naive_scale,
    select_forecaster,
    usable_candidates,
)


def seasonal_series(n=96, m=12, seed=3):
    """A trend of 0.5 a period, a season of amplitude 20 and noise of sd 2 around 200."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return 200 + 0.5 * t + 20 * np.sin(2 * np.pi * t / m) + rng.normal(0, 2, n)


def test_mase_scalings_by_hand():
    training = [10.0, 12.0, 11.0, 15.0, 14.0]
    # lag 1: |12−10| + |11−12| + |15−11| + |14−15| = 2 + 1 + 4 + 1 = 8 over 4 = 2.0
    assert naive_scale(training, 1) == 2.0
    # lag 2 (a season of 2): |11−10| + |15−12| + |14−11| = 1 + 3 + 3 = 7 over 3
    assert naive_scale(training, 2) == pytest.approx(7 / 3)
    # forecast errors 1 and 3: MAE 2.0 -> MASE 1.0 on lag 1, 2 / (7/3) = 0.857 on lag 2
    assert compute_mase([16.0, 18.0], [15.0, 15.0], training) == 1.0
    assert compute_mase([16.0, 18.0], [15.0, 15.0], training, 2) == pytest.approx(6 / 7)
    assert np.isnan(compute_mase([1.0], [1.0], [5.0, 5.0, 5.0]))  # a flat training series has no scale


def test_seasonal_naive_scores_one_in_sample_by_construction():
    y = seasonal_series()
    model = SeasonalNaive(12).fit(y)
    # its in-sample one-step forecasts are y[t−12]: their MAE is the seasonal scale itself
    assert compute_mase(y[12:], model.fitted_, y, 12) == pytest.approx(1.0)
    fc = model.predict(14)
    assert fc.forecast.tolist()[:12] == pytest.approx(y[-12:].tolist())  # the last season repeated
    assert fc.forecast.iloc[12] == pytest.approx(y[-12])
    # bands widen with each season: sd × √ceil(h / 12)
    width = (fc.upper - fc.lower).to_numpy()
    assert width[12] == pytest.approx(width[0] * np.sqrt(2))


def test_selector_picks_a_seasonal_model_that_beats_seasonal_naive():
    y = seasonal_series(n=108)
    train, test = y[:-12], y[-12:]
    chosen, scores = select_forecaster(train, 12, horizon=12, origins=3)
    assert chosen.startswith("ets_") and chosen != "ets_none_add"  # seasonal with a trend
    assert scores.candidate.iloc[0] == chosen and set(scores.candidate) <= set(CANDIDATES)
    fc = make_forecaster(chosen, 12).fit(train).point(12)
    snaive = make_forecaster("seasonal_naive", 12).fit(train).point(12)
    assert compute_mase(test, fc, train, 12) < compute_mase(test, snaive, train, 12)
    auto = AutoForecaster(12, horizon=12, origins=3).fit(train)
    assert auto.chosen_ == chosen and np.allclose(auto.point(12), fc)
    assert auto.simulate(5, 20, np.random.default_rng(0)).shape == (5, 20)


def test_rolling_origin_cut_points_and_usable_candidates():
    y = seasonal_series(n=60)
    bt = compute_rolling_origin(y, 12, candidates=("naive", "seasonal_naive"), horizon=12, origins=3)
    # the last origin leaves 12 observations; the others 6 (half the horizon) earlier each
    assert sorted(set(bt.origin)) == [36, 42, 48]
    assert usable_candidates(y, 1) == ["naive", "ar1", "ets_none_none", "ets_damped_none"]  # no season
    assert "ets_add_mul" not in usable_candidates(y - 500, 12)  # a multiplicative season needs positive values
    assert "ets_add_add" not in usable_candidates(y[:25], 12)  # two seasons + 2 needed
    assert backtest_horizon(24, 12) == 5 and backtest_horizon(60, 12) == 12
    with pytest.raises(ValueError, match="unknown forecaster"):
        make_forecaster("prophet", 12)


def test_season_length_from_the_frequency():
    assert infer_season_length(pd.Index(["2025-01", "2025-02"])) == 12
    assert infer_season_length(pd.Index(["2025Q1", "2025Q2"])) == 4
    assert infer_season_length(pd.period_range("2025Q1", periods=8, freq="Q")) == 4
    assert infer_season_length(pd.date_range("2025-01-06", periods=10, freq="7D")) == 52


def test_quarterly_series_uses_a_season_of_four():
    y = seasonal_series(n=40, m=4, seed=5)
    chosen, _ = select_forecaster(y[:-4], 4, horizon=4, origins=3)
    assert chosen in ("seasonal_naive", "ets_none_add", "ets_add_add", "ets_damped_add", "ets_add_mul", "ets_damped_mul")


def test_preload_imports_the_models_once_in_one_background_thread():
    """The server imports statsmodels once, off the cash page's first view (ui.data)."""
    import sys

    from ui import data

    first = data.preload_forecasting()
    assert data.preload_forecasting() is first  # once per process
    first.join()
    assert "statsmodels.tsa.statespace.sarimax" in sys.modules
    assert "statsmodels.tsa.exponential_smoothing.ets" in sys.modules
    # then the long-lived objects (modules, the models) leave the collector's generations
    import gc

    assert gc.get_freeze_count() > 10_000


BLAS_PROBE = """
import json, sys
import numpy as np
from threadpoolctl import threadpool_info
from analytics.forecast import make_forecaster
before = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
y = 200 + 20 * np.sin(2 * np.pi * np.arange(48) / 12) + np.random.default_rng(1).normal(0, 2, 48)
fitted = make_forecaster(sys.argv[1], 12).fit(y)
after = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
print(json.dumps({"before": before, "after": after, "forecast": fitted.predict(3).forecast.tolist()}))
"""


def _blas_probe(name: str, **env) -> dict:
    """A fresh process fits candidate ``name``: BLAS's thread counts before and after, the forecast."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    from analytics.forecast import BLAS_THREAD_VARIABLES

    clean = {k: v for k, v in os.environ.items() if k not in BLAS_THREAD_VARIABLES}
    out = subprocess.run([sys.executable, "-c", BLAS_PROBE, name], env={**clean, **env}, capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parent.parent)
    return json.loads(out.stdout)


def test_a_fit_runs_blas_on_one_thread_unless_the_environment_chose():
    default = _blas_probe("ets_add_add")  # AR1.fit and preload call the same function first
    chosen = _blas_probe("ets_add_add", OPENBLAS_NUM_THREADS="2")
    if not default["before"]:
        pytest.skip("numpy here is linked to no BLAS that threadpoolctl can see")
    assert default["before"] != [1] * len(default["before"]) or (os.cpu_count() or 1) == 1  # OpenBLAS's default: every core
    assert default["after"] and set(default["after"]) == {1}  # every BLAS loaded by then (numpy's, scipy's) limited by the fit
    if (os.cpu_count() or 1) >= 2:
        assert set(chosen["after"]) == {2}  # a count the environment set is left alone
    assert default["forecast"] == chosen["forecast"]  # the same forecast to the bit on one thread or two
