"""Cash forecasts and working capital.

The driver-based forecast turns open items and plans into dated cash events (docs/FORMULAS.md):

* in:  open receivables at their due date + the customer's recent payment delay; open sales
       orders and the production plan, invoiced at completion and paid after terms + delay;
* out: open payables at their due date; open purchase orders at delivery + supplier terms;
       material the plan needs beyond what is on order (BOM x standard price, delivered before
       the production week, paid after terms); payroll of the plan's labor hours (10th of the
       next month); overheads paid in cash, from the budget, at month end.

Inflows and outflows are positive amounts; the balance is opening + inflows − outflows. A
statistical baseline on weekly net flows stands beside it: the model chosen by rolling-origin
backtest among naive, seasonal naive, AR(1) and ETS (analytics.forecast), with bands from
simulated paths, itself backtested with MASE against the naive forecasts.

Working capital (DSO, DIO, DPO, cash conversion cycle by month, quarter or year, with the day
count and balance convention stated) is in analytics.working_capital.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics import forecast as F
from analytics import working_capital as W

CASH_OVERHEAD_ACCOUNTS = ("510102", "510103", "510104", "6601", "6602")  # depreciation is not paid in cash
INFLOW_SOURCES = ("receivables", "open_sales_orders", "planned_sales")
OUTFLOW_SOURCES = ("payables", "open_purchase_orders", "planned_materials", "payroll", "overheads")
# ``compute_forecast``'s columns, in order: the bucket's start, its opening, each source's inflow
# and outflow, their totals, the net and the closing balance
FORECAST_COLUMNS = ("period_start_date", "opening_amount", *[f"in_{s}_amount" for s in INFLOW_SOURCES],
                    *[f"out_{s}_amount" for s in OUTFLOW_SOURCES], "inflow_amount", "outflow_amount", "net_amount", "closing_amount")
AGING_BUCKETS = (("not_due", -10**6, 0), ("d1_30", 1, 30), ("d31_60", 31, 60), ("d61_90", 61, 90), ("d90_plus", 91, 10**6))


@dataclass(frozen=True)
class CashScenario:
    """What-ifs: customers pay ``extra_delay_days`` later; sales (and the production they need)
    change by ``sales_change_pct``; the production plan moves ``plan_shift_weeks`` later."""

    extra_delay_days: int = 0
    sales_change_pct: float = 0.0
    plan_shift_weeks: int = 0

    def __post_init__(self):
        if self.sales_change_pct <= -1:
            raise ValueError(f"sales_change_pct must be above -100 %, got {self.sales_change_pct}")


def compute_payment_delays(receipts: pd.DataFrame, as_of, window_days: int = 180, customers=None) -> pd.Series:
    """Each customer's amount-weighted average days paid after the due date, over the receipts
    of the last ``window_days`` (so a change of habit shows quickly); others get the average.
    Negative means early. One value per customer of ``receipts``, or of ``customers`` when given
    (then ``receipts`` may hold the window's receipts only)."""
    r = receipts.copy()
    r["days_late"] = (pd.to_datetime(r.receipt_date) - pd.to_datetime(r.due_date)).dt.days
    recent = r[pd.to_datetime(r.receipt_date) >= pd.Timestamp(as_of) - pd.Timedelta(days=window_days)]
    if recent.empty:
        return pd.Series(dtype=float, name="days_late")
    weighted = (recent.days_late * recent.amount).groupby(recent.customer_id).sum() / recent.amount.groupby(recent.customer_id).sum()
    overall = float((recent.days_late * recent.amount).sum() / recent.amount.sum())
    names = set(r.customer_id) if customers is None else set(customers)
    return weighted.rename("days_late").reindex(sorted(names)).fillna(overall)


EVENT_COLUMNS = ["date", "direction", "source", "amount", "reference", "counterparty"]


def _events_frame(events: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(events, columns=EVENT_COLUMNS)


_DAY_NS = 86_400 * 10**9
_STR = "str"  # pandas' text dtype (what a frame of Python strings infers)
_LABELS = ("in", "out", *INFLOW_SOURCES, *OUTFLOW_SOURCES)
_CODE = {label: i for i, label in enumerate(_LABELS)}


def _delay_per_row(customers: pd.Series, delays: pd.Series, avg_delay: float) -> np.ndarray:
    """Each row's customer delay (the average for others), looked up once per distinct customer."""
    codes, uniques = pd.factorize(customers, use_na_sentinel=False)
    if not delays.index.is_unique:  # (delays.get of a repeated customer is a Series: fails as the per-row rule did)
        return np.array([float(delays.get(c, avg_delay)) for c in uniques], dtype=float)[codes]
    at = delays.index.get_indexer(uniques)  # -1 (not found): the appended average
    return np.append(delays.to_numpy(dtype=float), avg_delay)[at][codes]


def _days_ns(days: np.ndarray) -> np.ndarray:
    """``pd.Timedelta(days=d)`` of every float value as nanoseconds, made once per distinct value."""
    uniques, codes = np.unique(days, return_inverse=True)
    return pd.TimedeltaIndex([pd.Timedelta(days=d) for d in uniques]).to_numpy(dtype="timedelta64[ns]")[codes.reshape(-1)]


def _ns(dates) -> np.ndarray:
    return pd.to_datetime(dates).to_numpy(dtype="datetime64[ns]")


def _on_or_after(start: np.datetime64, when: np.ndarray) -> np.ndarray:
    """The date never before ``start`` (NaT too), at midnight (``where`` + ``dt.normalize``)."""
    when = np.where(when > start, when, start).view("i8")
    return (when - when % _DAY_NS).view("datetime64[ns]")


class _Part:
    """One source's events as columns: dates at midnight (datetime64[ns]), amounts, and where
    the text columns come from (``None``: no counterparty)."""

    def __init__(self, dates, direction, source, amount, reference, counterparty):
        self.dates, self.direction, self.source = dates, direction, source
        self.amount = np.asarray(amount, dtype=float)
        self.reference, self.counterparty = reference, counterparty


def _text_column(columns: list, sizes: list[int], order: np.ndarray):
    """A text column of the concatenated parts, rows ``order``, typed as one frame of their rows
    would be (``infer_objects``): text when every part holds text and one value is not missing;
    otherwise through the objects themselves."""
    if all(c is None or c.dtype == _STR for c in columns) and any(c is not None and c.notna().any() for c in columns):
        filled = [pd.Series(np.nan, index=range(n), dtype=_STR) if c is None else c for c, n in zip(columns, sizes)]
        return pd.concat(filled, ignore_index=True).array.take(order)
    objects = [pd.Series(np.full(n, None, dtype=object)) if c is None else pd.Series(c.to_numpy()) for c, n in zip(columns, sizes)]
    return pd.concat(objects, ignore_index=True).infer_objects().take(order).array


def _inner_join(left: pd.Series, right: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Row positions of ``left.merge(right, on=key)``'s rows in ``left`` and ``right``: the
    left rows in their order, each with its matches in the right order (missing keys match)."""
    right_codes, keys = pd.factorize(right, use_na_sentinel=False)
    left_codes = keys.get_indexer(left) if len(keys) else np.full(len(left), -1)
    counts = np.bincount(right_codes, minlength=len(keys))
    by_key = np.argsort(right_codes, kind="stable")
    first = np.cumsum(counts) - counts
    n = np.where(left_codes >= 0, counts[left_codes], 0)
    left_pos = np.repeat(np.arange(len(left)), n)
    within = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
    return left_pos, by_key[np.repeat(np.where(left_codes >= 0, first[left_codes], 0), n) + within]


FLOW_COLUMNS = ["date", "direction", "source", "amount"]


def compute_cash_events(as_of, receivables: pd.DataFrame, delays: pd.Series, payables: pd.DataFrame, open_pos: pd.DataFrame,
                        open_sos: pd.DataFrame, plan: dict, overheads: pd.DataFrame, scenario: CashScenario = CashScenario(),
                        horizon_days: int = 366, text: bool = True) -> pd.DataFrame:
    """Every expected cash movement from ``as_of`` to the horizon, one row per event (see module).

    ``text=False``: only what ``compute_forecast`` reads (``FLOW_COLUMNS``: the same rows, dates
    and amounts, direction and source as categoricals of the same labels), without gathering the
    reference and counterparty of every event (the forecasts of a view, at a fraction of the cost)."""
    start = pd.Timestamp(as_of).normalize()
    end = start + pd.Timedelta(days=horizon_days)
    avg_delay = float(delays.mean()) if len(delays) else 0.0
    grow = 1.0 + scenario.sales_change_pct
    shift = pd.Timedelta(weeks=scenario.plan_shift_weeks).to_timedelta64()
    extra = pd.Timedelta(days=scenario.extra_delay_days).to_timedelta64()
    now = start.to_datetime64().astype("datetime64[ns]")
    # Every rule is applied per column on nanosecond arrays (tens of thousands of open items and
    # plan rows at ten million voucher lines): a day count that is a float becomes the Timedelta
    # a per-row rule made (one per distinct value), a date is clipped to now and floored to
    # midnight, so the dates are the same to the nanosecond; each amount is multiplied in the
    # order the per-row rule wrote. The text columns are gathered once, after the sort. An empty
    # input adds nothing and may lack columns (as a loop over no rows never read them).
    parts = []
    if len(receivables):
        offsets = _days_ns(_delay_per_row(receivables.customer_id, delays, avg_delay))
        parts.append(_Part(_on_or_after(now, _ns(receivables.due_date) + offsets + extra), "in", "receivables",
                           receivables.open_amount.astype(float), receivables.invoice_id, receivables.customer_id))
    so = open_sos
    if len(so):
        offsets = _days_ns(_delay_per_row(so.customer_id, delays, avg_delay) + so.payment_terms_days.to_numpy(dtype=float))
        parts.append(_Part(_on_or_after(now, _ns(so.due_date) + offsets + extra), "in", "open_sales_orders",
                           (so.order_amount * grow).astype(float), so.sales_order_id, so.customer_id))
    p = plan["plan"]
    if len(p):
        terms = pd.Timedelta(days=plan["avg_customer_terms"] + avg_delay).to_timedelta64()
        week = _ns(p.week_start_date) + shift
        invoiced = week + np.timedelta64(9, "D")  # made during the week, shipped and invoiced a few days later
        sales = _on_or_after(now, invoiced + terms + extra)
        std_h = pd.to_numeric(p.std_labor_h_per_unit).astype(float).fillna(0.0)  # no routing: no labor (the event is dropped)
        labor = (p.planned_qty * grow * std_h * p.labor_rate_per_h.astype(float)).to_numpy(dtype=float)
        payday = _on_or_after(now, (week.astype("datetime64[M]") + 1).astype("datetime64[ns]") + np.timedelta64(9, "D"))
        # each plan row's sale, then its payroll
        both = np.repeat(np.arange(len(p)), 2)
        dates, amount = np.empty(2 * len(p), dtype="datetime64[ns]"), np.empty(2 * len(p))
        dates[0::2], dates[1::2] = sales, payday
        amount[0::2], amount[1::2] = (p.planned_qty * p.list_price * grow).to_numpy(dtype=float), labor
        parts.append(_Part(dates, np.tile([_CODE["in"], _CODE["out"]], len(p)), np.tile([_CODE["planned_sales"], _CODE["payroll"]], len(p)),
                           amount, p.plan_id.take(both), None))
    if len(payables):
        parts.append(_Part(_on_or_after(now, _ns(payables.due_date)), "out", "payables", payables.open_amount.astype(float),
                           payables.supplier_invoice_id, payables.supplier_id))
    po = open_pos
    covered = pd.Series(dtype="datetime64[ns]")
    if len(po):
        expected = pd.to_datetime(po.expected_date)
        terms_days = po.payment_terms_days.astype(int).to_numpy().astype("timedelta64[D]").astype("timedelta64[ns]")
        parts.append(_Part(_on_or_after(now, _ns(expected) + terms_days), "out", "open_purchase_orders",
                           po.order_amount.astype(float), po.purchase_order_id, po.supplier_id))
        on_order = po.material_id.map(lambda m: isinstance(m, str)).astype(bool)
        if on_order.any():  # what is on order is covered until its delivery (at the earliest, now)
            covered = expected[on_order].groupby(po.material_id[on_order]).max().clip(lower=start)
    materials = plan["materials"]
    if len(p) and len(materials):
        row, mat = _inner_join(p.product_id, materials.product_id)  # p.merge(materials, on="product_id")
        delivered = _ns(p.week_start_date)[row] + shift - np.timedelta64(2, "D")
        # a material on order is covered until its delivery; else until yesterday
        cover = np.full(len(materials), now - np.timedelta64(1, "D"))
        if len(covered):
            at = pd.Index(covered.index).get_indexer(materials.material_id)
            cover[at >= 0] = _ns(covered)[at[at >= 0]]
        keep = ~(delivered <= cover[mat])  # else already on order
        row, mat, delivered = row[keep], mat[keep], delivered[keep]
        if len(row):
            terms_days = materials.payment_terms_days.take(mat).astype(int).to_numpy().astype("timedelta64[D]").astype("timedelta64[ns]")
            amount = p.planned_qty.to_numpy(dtype=float)[row] * grow * materials.qty_per_unit.to_numpy(dtype=float)[mat] \
                * materials.std_price.to_numpy(dtype=float)[mat]
            parts.append(_Part(_on_or_after(now, delivered + terms_days), "out", "planned_materials", amount,
                               p.plan_id.take(row), materials.supplier_id.take(mat)))
    if len(overheads):
        # each distinct month once: paid at its end (none before now), the share of it still ahead
        codes, months = pd.factorize(overheads.period, use_na_sentinel=False)
        paid, share = [], []
        for period in months:
            month = pd.Period(period, freq="M")
            paid.append(month.to_timestamp(how="end").normalize())
            share.append(1.0 if month.start_time >= start else (paid[-1] - start).days / month.days_in_month)
        paid = pd.DatetimeIndex(paid).to_numpy(dtype="datetime64[ns]")[codes]
        due = np.flatnonzero(~(paid < now))
        if len(due):
            references = [f"{period} {account}" for period, account in zip(overheads.period.take(due), overheads.account_code.take(due))]
            amount = overheads.budget_amount.to_numpy(dtype=float)[due] * np.array(share)[codes[due]]
            parts.append(_Part(paid[due], "out", "overheads", amount, pd.Series(references, dtype=object).infer_objects(), None))
    if not parts:
        out = _events_frame([])
        out["date"] = out.date.astype("datetime64[ns]")
        out = out[(out.date < end) & (out.amount.abs() > 0.005)].sort_values("date").reset_index(drop=True)
        return out if text else out[FLOW_COLUMNS]
    dates = np.concatenate([part.dates for part in parts])
    amount = np.concatenate([part.amount for part in parts])
    kept = np.flatnonzero((dates < end.to_datetime64()) & (np.abs(amount) > 0.005))
    order = kept[dates[kept].argsort(kind="quicksort")]  # as sort_values("date") orders the kept rows
    sizes = [len(part.dates) for part in parts]
    labels = pd.array(_LABELS, dtype=_STR)

    def label_codes(values) -> np.ndarray:  # a label for the whole part, or one code per row
        return np.concatenate([np.full(n, _CODE[v]) if isinstance(v, str) else v for v, n in zip(values, sizes)])

    if not text:
        return pd.DataFrame({"date": dates[order],
                             "direction": pd.Categorical.from_codes(label_codes([part.direction for part in parts])[order], _LABELS),
                             "source": pd.Categorical.from_codes(label_codes([part.source for part in parts])[order], _LABELS),
                             "amount": amount[order]}, columns=FLOW_COLUMNS)
    return pd.DataFrame({"date": dates[order],
                         "direction": labels.take(label_codes([part.direction for part in parts])[order]),
                         "source": labels.take(label_codes([part.source for part in parts])[order]),
                         "amount": amount[order],
                         "reference": _text_column([part.reference for part in parts], sizes, order),
                         "counterparty": _text_column([part.counterparty for part in parts], sizes, order)}, columns=EVENT_COLUMNS)


def _group_positions(bucket: np.ndarray, direction: pd.Series, source: pd.Series) -> dict:
    """``{(bucket, direction, source): positions}``, the positions ascending: what
    ``groupby([...], sort=False).indices`` gives (rows with a missing label in no group)."""
    if not len(bucket):
        return {}
    d_codes, d_labels = pd.factorize(direction)
    s_codes, s_labels = pd.factorize(source)
    key = (bucket.astype(np.int64) * (len(d_labels) + 1) + d_codes) * (len(s_labels) + 1) + s_codes
    valid = np.flatnonzero((d_codes >= 0) & (s_codes >= 0))
    order = valid[np.argsort(key[valid], kind="stable")]
    cuts = np.flatnonzero(np.diff(key[order])) + 1
    return {(int(bucket[g[0]]), d_labels[d_codes[g[0]]], s_labels[s_codes[g[0]]]): g for g in np.split(order, cuts)}


def compute_forecast(opening: float, events: pd.DataFrame, as_of, freq: str = "W", periods: int = 13) -> pd.DataFrame:
    """Opening, inflows and outflows by source, net and closing balance per week (Monday start)
    or month, for ``periods`` buckets from ``as_of``."""
    start = pd.Timestamp(as_of).normalize()
    if freq == "W":
        first = start - pd.Timedelta(days=start.weekday())
        edges = [first + pd.Timedelta(weeks=i) for i in range(periods + 1)]
    elif freq == "M":
        first = start.to_period("M").to_timestamp()
        edges = [(first.to_period("M") + i).to_timestamp() for i in range(periods + 1)]
    else:
        raise ValueError(f"freq must be 'W' or 'M', got {freq!r}")
    # each bucket × direction × source summed once, its amounts in the events' order (the sum a
    # filter of the events per bucket and source gives, at a fraction of the cost); the groups
    # are found on integer codes, never by copying or grouping the text columns
    dates = events.date.to_numpy(dtype="datetime64[ns]")
    inside = np.flatnonzero((dates >= np.datetime64(edges[0], "ns")) & (dates < np.datetime64(edges[-1], "ns")))
    amount = events.amount.take(inside).reset_index(drop=True)
    groups = _group_positions(np.searchsorted(np.array(edges[1:], dtype="datetime64[ns]"), dates[inside], side="right"),
                              events.direction.take(inside), events.source.take(inside))

    def total(i: int, direction: str, src: str) -> float:
        pos = groups.get((i, direction, src))
        return float(amount.iloc[pos].sum()) if pos is not None else 0.0

    rows = []
    balance = float(opening)
    for i in range(periods):
        row = {"period_start_date": edges[i], "opening_amount": balance}
        for src in INFLOW_SOURCES:
            row[f"in_{src}_amount"] = total(i, "in", src)
        for src in OUTFLOW_SOURCES:
            row[f"out_{src}_amount"] = total(i, "out", src)
        row["inflow_amount"] = sum(row[f"in_{s}_amount"] for s in INFLOW_SOURCES)
        row["outflow_amount"] = sum(row[f"out_{s}_amount"] for s in OUTFLOW_SOURCES)
        row["net_amount"] = row["inflow_amount"] - row["outflow_amount"]
        balance += row["net_amount"]
        row["closing_amount"] = balance
        rows.append(row)
    out = pd.DataFrame(rows)
    money = [c for c in out.columns if c.endswith("_amount")]
    out[money] = out[money].round(2)
    return out


def compute_funding_gaps(forecast: pd.DataFrame, min_cash: float) -> pd.DataFrame:
    """Buckets whose closing balance falls below ``min_cash``, with the shortfall."""
    gaps = forecast[forecast.closing_amount < min_cash][["period_start_date", "closing_amount"]].copy()
    gaps["shortfall_amount"] = (min_cash - gaps.closing_amount).round(2)
    return gaps.reset_index(drop=True)


def compute_weekly_history(daily: pd.DataFrame) -> pd.Series:
    """Net bank movement per week (Monday start) from daily net amounts; weeks with none are 0."""
    d = daily.assign(week=pd.to_datetime(daily.voucher_date) - pd.to_timedelta(pd.to_datetime(daily.voucher_date).dt.day_of_week, unit="D"))
    s = d.groupby("week").net_amount.sum()
    if s.empty:
        return s
    full = pd.date_range(s.index.min(), s.index.max(), freq="7D")
    return s.reindex(full, fill_value=0.0)


class CashBaseline:
    """A statistical baseline of weekly net cash flow (scikit-learn's contract: settings here,
    ``fit(history)`` returns self, ``predict(horizon)`` returns step, forecast, lower, upper).

    The model is chosen among ``candidates`` (analytics.forecast: naive, seasonal naive with
    ``season_length`` weeks, AR(1), ETS) by a rolling-origin backtest of ``horizon`` weeks;
    ``chosen_`` names it and ``scores_`` holds the backtest. The bands of the cumulative
    balance come from simulated paths (``n_paths``), at ``level`` coverage.
    """

    def __init__(self, level: float = 0.8, n_paths: int = 500, seed: int = 0, season_length: int = 52,
                 candidates: tuple[str, ...] | None = None, horizon: int = 13, origins: int = 4):
        if not 0 < level < 1:
            raise ValueError(f"level must be in (0, 1), got {level}")
        self.level, self.n_paths, self.seed = level, n_paths, seed
        self.season_length, self.candidates, self.horizon, self.origins = season_length, candidates, horizon, origins

    def fit(self, history: pd.Series) -> "CashBaseline":
        y = np.asarray(history, dtype=float)
        if len(y) < 8:
            raise ValueError(f"need at least 8 weeks of history, got {len(y)}")
        self.model_ = F.AutoForecaster(self.season_length, self.level, self.candidates, self.horizon, self.origins).fit(y)
        self.chosen_, self.scores_ = self.model_.chosen_, self.model_.scores_
        return self

    def predict(self, horizon: int) -> pd.DataFrame:
        return self.model_.predict(horizon)

    def predict_balance(self, opening: float, horizon: int) -> pd.DataFrame:
        """The cumulative balance path: the forecast and bands from simulated weekly flows."""
        sims = self.model_.simulate(horizon, self.n_paths, np.random.default_rng(self.seed))
        paths = opening + np.cumsum(np.asarray(sims).reshape(horizon, -1), axis=0)
        tail = (1 - self.level) / 2
        return pd.DataFrame({"step": np.arange(1, horizon + 1), "forecast": opening + np.cumsum(self.model_.point(horizon)),
                             "lower": np.quantile(paths, tail, axis=1), "upper": np.quantile(paths, 1 - tail, axis=1),
                             "lower_50": np.quantile(paths, 0.25, axis=1), "upper_50": np.quantile(paths, 0.75, axis=1)})


def compute_mase(actual, forecast, training, season_length: int = 1) -> float:
    """Mean absolute scaled error: the forecast's MAE over the training series' naive MAE at lag
    ``season_length`` (1: one-step naive). See analytics.forecast."""
    return F.compute_mase(actual, forecast, training, season_length)


def compute_backtest(weekly: pd.Series, origins: int = 12, horizon: int = 13, step: int = 4, model_factory=CashBaseline,
                     season_length: int = 52) -> pd.DataFrame:
    """Forecasts made at past weeks against what happened: for each origin, the baseline's and the
    naive forecast's (last week repeated) MASE over the next ``horizon`` weeks, scaled by the
    training series' one-step naive MAE (``mase_model``/``mase_lag1``, ``mase_naive``) and, with
    more than a season of training, by its seasonal naive MAE (``mase_seasonal`` for the model,
    ``mase_seasonal_naive`` for the seasonal naive forecast)."""
    y = weekly.astype(float)
    rows = []
    last_origin = len(y) - horizon
    for k in range(origins):
        cut = last_origin - k * step
        if cut < 26:
            break
        train, test = y.iloc[:cut], y.iloc[cut:cut + horizon]
        model = model_factory().fit(train)
        fc = model.predict(len(test)).forecast.to_numpy()
        naive = np.repeat(train.iloc[-1], len(test))
        m = season_length if len(train) > season_length else None
        snaive = F.SeasonalNaive(m).fit(train.to_numpy()).point(len(test)) if m else np.full(len(test), np.nan)
        lag1 = compute_mase(test, fc, train)
        rows.append({"origin": train.index[-1] + pd.Timedelta(days=7), "chosen": getattr(model, "chosen_", ""),
                     "mase_model": lag1, "mase_naive": compute_mase(test, naive, train), "mase_lag1": lag1,
                     "mase_seasonal": compute_mase(test, fc, train, m) if m else np.nan,
                     "mase_seasonal_naive": compute_mase(test, snaive, train, m) if m else np.nan,
                     "actual_amount": float(test.sum()), "forecast_amount": float(fc.sum())})
    cols = ["origin", "chosen", "mase_model", "mase_naive", "mase_lag1", "mase_seasonal", "mase_seasonal_naive", "actual_amount",
            "forecast_amount"]
    return pd.DataFrame(rows, columns=cols).sort_values("origin").reset_index(drop=True)


def compute_working_capital(monthly: pd.DataFrame, basis: str = "month", day_count: str = "actual", balance: str = "closing",
                            sales_basis: str = "revenue", documents: pd.DataFrame | None = None) -> pd.DataFrame:
    """DSO, DIO, DPO and the cash conversion cycle per period from ledger movements by category
    (and, where a plant has them, its documents): see analytics.working_capital."""
    return W.compute_working_capital(W.compute_wc_months(monthly, documents), basis, day_count, balance, sales_basis)


def compute_aging(items: pd.DataFrame, as_of, party_col: str) -> pd.DataFrame:
    """Open items by days past due into buckets (not due, 1–30, 31–60, 61–90, over 90), per party."""
    days = (pd.Timestamp(as_of) - pd.to_datetime(items.due_date)).dt.days
    bucket = pd.Series("d90_plus", index=items.index)
    for name, lo, hi in AGING_BUCKETS:
        bucket[(days >= lo) & (days <= hi)] = name
    g = items.assign(bucket=bucket).pivot_table(index=party_col, columns="bucket", values="open_amount", aggfunc="sum", fill_value=0.0)
    g = g.reindex(columns=[b for b, _, _ in AGING_BUCKETS], fill_value=0.0)
    g.columns = [f"{c}_amount" for c in g.columns]
    g["total_amount"] = g.sum(axis=1)
    return g.round(2).reset_index().sort_values("total_amount", ascending=False).reset_index(drop=True)


def compute_customer_dso(flows: pd.DataFrame) -> pd.DataFrame:
    """Receivables and DSO per customer and month: receivables = invoiced − received to date;
    DSO = receivables at month end / the month's invoicing x days in the month."""
    f = flows.sort_values(["customer_id", "period"]).copy()
    f["receivables_amount"] = (f.invoiced_amount - f.received_amount).groupby(f.customer_id).cumsum().round(2)
    # days per distinct month (a few dozen), not one parsed Period per customer-month row
    days = f.period.map({p: pd.Period(p, freq="M").days_in_month for p in pd.unique(f.period)}).to_numpy(dtype=float)
    f["dso_days"] = np.where(f.invoiced_amount > 0, f.receivables_amount / f.invoiced_amount.where(f.invoiced_amount > 0, 1) * np.asarray(days), np.nan)
    return f


def compute_dso_drivers(customer_dso: pd.DataFrame, before: str, after: str) -> pd.DataFrame:
    """The customers behind the change in receivables between two month ends, largest first,
    with each one's DSO then and now (a quarter's average around each month)."""
    def window(p):
        months = [str(pd.Period(p, freq="M") - k) for k in range(3)]
        w = customer_dso[customer_dso.period.isin(months)]
        return w.groupby("customer_id").agg(receivables_amount=("receivables_amount", "last"), dso_days=("dso_days", "mean"))
    a, b = window(before), window(after)
    out = a.add_suffix("_before").join(b.add_suffix("_after"), how="outer").fillna(0.0)
    out["receivables_change_amount"] = (out.receivables_amount_after - out.receivables_amount_before).round(2)
    total = out.receivables_change_amount.sum()
    out["share_of_change_pct"] = out.receivables_change_amount / total if total else np.nan
    return out.reset_index().sort_values("receivables_change_amount", ascending=False).reset_index(drop=True)
