"""Benchmark: holdout accuracy of the forecast candidates, the rolling-origin choice and a tuned
statsmodels ETS on monthly series. Prints a table; asserts nothing.

    python benchmarks/bench_forecast.py                 # all series, 12-month holdout
    python benchmarks/bench_forecast.py --no-tuned      # skip the (slow) tuned ETS search

Series: the monthly series shipped in statsmodels' ``datasets`` (nothing is downloaded):
``elec_equip`` (euro-area manufacture of electrical equipment, an index, 1996–2012: the one
manufacturing series), ``co2`` (Mauna Loa, weekly, averaged by month), ``elnino`` (Pacific sea
surface temperature, one row per year of 12 months); and the sample plant's monthly revenue
and net cash flow (60 months, small scale). statsmodels ships no monthly sales series; the
plant's revenue stands for one.

Per series the last ``--holdout`` months are held out. Each candidate is fitted on the rest
and scored on the holdout by MASE scaled by the training series' seasonal naive in-sample MAE
(``mase_seasonal``, Hyndman & Koehler 2006) and, in the summary, by its lag-1 naive MAE. The
chosen model is what ``select_forecaster`` picks on the training part alone (4 rolling origins).
The tuned ETS is statsmodels' ``ETSModel`` over the whole family (additive or multiplicative
error; no, additive or damped trend; no, additive or multiplicative season; multiplicative
forms only on positive series) with estimated initial states, the lowest AICc kept, as R's
``forecast::ets`` does.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from analytics.forecast import CANDIDATES, compute_mase, make_forecaster, select_forecaster, usable_candidates  # noqa: E402

SHORT = {"naive": "naive", "seasonal_naive": "snaive", "ar1": "ar1", "ets_none_none": "N_N", "ets_damped_none": "Ad_N", "ets_none_add": "N_A", "ets_add_add": "A_A",
         "ets_damped_add": "Ad_A", "ets_add_mul": "A_M", "ets_damped_mul": "Ad_M"}


def statsmodels_series() -> dict[str, np.ndarray]:
    from statsmodels.datasets import co2, elec_equip, elnino

    elec = elec_equip.load_pandas().data.iloc[:, 0].to_numpy(dtype=float)
    carbon = co2.load_pandas().data.co2.resample("MS").mean().interpolate().to_numpy(dtype=float)
    nino = elnino.load_pandas().data.drop(columns="YEAR").to_numpy(dtype=float).ravel()
    return {"elec_equip": elec, "co2": carbon, "elnino": nino}


def sample_series(months: int = 60) -> dict[str, np.ndarray]:
    """The sample plant's monthly revenue and net bank movement (closed months only)."""
    import tempfile

    from analytics.working_capital import compute_wc_months
    from data_loaders import cash as C
    from data_loaders import engine as eng
    from data_loaders.build import load_into
    from data_loaders.scope import Scope
    from sample_data.generator import SampleConfig, generate

    as_of = dt.date(2026, 11, 22)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"duckdb:///{Path(tmp) / 'bench.duckdb'}"
        load_into(url, generate(SampleConfig(as_of=as_of, scale=0.1, months=months)))
        engine = eng.make_engine(url, read_only=True)
        wc = compute_wc_months(C.load_working_capital_ledger(engine, Scope()))
        daily = C.load_daily_cash_flow(engine, Scope())
        engine.dispose()
    closed = pd.Timestamp(as_of).to_period("M").strftime("%Y-%m")
    wc = wc[wc.period < closed]
    cash = daily.assign(period=pd.to_datetime(daily.voucher_date).dt.strftime("%Y-%m")).groupby("period").net_amount.sum()
    cash = cash[cash.index < closed].reindex(wc.period, fill_value=0.0)
    # the first month is partial (the books open mid-month): left out
    return {"sample_revenue": wc.revenue_amount.to_numpy(dtype=float)[1:], "sample_cash": cash.to_numpy(dtype=float)[1:]}


def tuned_ets(train: np.ndarray, m: int, h: int) -> tuple[str, np.ndarray]:
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    positive = bool((train > 0).all())
    best = None
    for error, trend, seasonal in itertools.product(("add", "mul"), (None, "add", "damped"), (None, "add", "mul")):
        if not positive and "mul" in (error, seasonal):
            continue
        if seasonal and len(train) < 2 * m + 2:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                fit = ETSModel(pd.Series(train), error=error, trend="add" if trend else None, damped_trend=trend == "damped",
                               seasonal=seasonal, seasonal_periods=m if seasonal else None).fit(disp=False, maxiter=500)
            except (ValueError, np.linalg.LinAlgError):
                continue
        if np.isfinite(fit.aicc) and (best is None or fit.aicc < best[0]):
            spec = f"{error[0].upper()},{'N' if trend is None else 'Ad' if trend == 'damped' else 'A'},{'N' if seasonal is None else seasonal[0].upper()}"
            best = (fit.aicc, spec, np.asarray(fit.forecast(h), dtype=float))
    return best[1], best[2]


def run(series: dict[str, np.ndarray], holdout: int, tuned: bool, m: int = 12) -> pd.DataFrame:
    rows = []
    for name, y in series.items():
        t0 = time.perf_counter()
        train, test = y[:-holdout], y[-holdout:]
        row = {"series": name, "n": len(y)}
        for cand in usable_candidates(train, m, CANDIDATES):
            try:
                fc = make_forecaster(cand, m).fit(train).point(holdout)
            except (ValueError, np.linalg.LinAlgError):
                continue
            row[SHORT[cand]] = compute_mase(test, fc, train, m)
        chosen, _ = select_forecaster(train, m, horizon=min(12, holdout), origins=4)
        fc = make_forecaster(chosen, m).fit(train).point(holdout)
        row["chosen"] = SHORT[chosen]
        row["chosen_mase"] = compute_mase(test, fc, train, m)
        row["chosen_mase_lag1"] = compute_mase(test, fc, train, 1)
        t_select = time.perf_counter() - t0
        if tuned:
            spec, tfc = tuned_ets(train, m, holdout)
            row["tuned_ets"] = spec
            row["tuned_mase"] = compute_mase(test, tfc, train, m)
            row["chosen_vs_tuned"] = row["chosen_mase"] / row["tuned_mase"]
        row["select_s"] = t_select
        rows.append(row)
        print(f"  {name}: done in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--holdout", type=int, default=12)
    parser.add_argument("--no-tuned", action="store_true", help="skip the tuned ETS search")
    parser.add_argument("--no-sample", action="store_true", help="statsmodels' series only")
    args = parser.parse_args()
    series = statsmodels_series()
    if not args.no_sample:
        series.update(sample_series())
    table = run(series, args.holdout, not args.no_tuned)
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        print(f"holdout MASE (seasonal-naive scaled, m = 12, last {args.holdout} months held out)")
        print(table.round(3).to_string(index=False))


if __name__ == "__main__":
    main()
