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


def _event(date, direction, source, amount, reference, counterparty=None):
    return {"date": pd.Timestamp(date).normalize(), "direction": direction, "source": source, "amount": float(amount),
            "reference": reference, "counterparty": counterparty}


EVENT_COLUMNS = ["date", "direction", "source", "amount", "reference", "counterparty"]


def _events_frame(events: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(events, columns=EVENT_COLUMNS)


def _timedeltas(days: pd.Series) -> pd.Series:
    """``pd.Timedelta(days=d)`` of every value, made once per distinct value."""
    made = {d: pd.Timedelta(days=d) for d in pd.unique(days)}
    return days.map(made).astype("timedelta64[ns]")


def _dated_events(start: pd.Timestamp, when: pd.Series, direction: str, source: str, amount: pd.Series, reference: pd.Series,
                  counterparty: pd.Series | None) -> pd.DataFrame:
    """``_event`` for every row at once: the date never before ``start``, at midnight."""
    if len(when) == 0:
        return _events_frame([])
    when = when.where(when > start, start).dt.normalize()
    return pd.DataFrame({"date": when.to_numpy(), "direction": direction, "source": source, "amount": amount.astype(float).to_numpy(),
                         "reference": reference.to_numpy(), "counterparty": None if counterparty is None else counterparty.to_numpy()},
                        columns=EVENT_COLUMNS)


def compute_cash_events(as_of, receivables: pd.DataFrame, delays: pd.Series, payables: pd.DataFrame, open_pos: pd.DataFrame,
                        open_sos: pd.DataFrame, plan: dict, overheads: pd.DataFrame, scenario: CashScenario = CashScenario(),
                        horizon_days: int = 366) -> pd.DataFrame:
    """Every expected cash movement from ``as_of`` to the horizon, one row per event (see module)."""
    start = pd.Timestamp(as_of).normalize()
    end = start + pd.Timedelta(days=horizon_days)
    avg_delay = float(delays.mean()) if len(delays) else 0.0
    grow = 1.0 + scenario.sales_change_pct
    shift = pd.Timedelta(weeks=scenario.plan_shift_weeks)
    extra = pd.Timedelta(days=scenario.extra_delay_days)
    # every row-wise rule below is applied per column (tens of thousands of open items at ten
    # million voucher lines); a day count that is a float becomes the same Timedelta the
    # per-row rule made (one per distinct value), so the dates are the same to the nanosecond.
    # An empty input adds nothing and may lack columns (as a loop over no rows never read them).
    parts = []
    if len(receivables):
        delay_of = {c: float(delays.get(c, avg_delay)) for c in pd.unique(receivables.customer_id)}
        offsets = _timedeltas(receivables.customer_id.map(delay_of).astype(float))
        parts.append(_dated_events(start, pd.to_datetime(receivables.due_date) + offsets + extra, "in", "receivables",
                                   receivables.open_amount, receivables.invoice_id, receivables.customer_id))
    so = open_sos
    if len(so):
        offsets = _timedeltas(pd.Series([float(delays.get(c, avg_delay)) + d for c, d in zip(so.customer_id, so.payment_terms_days)],
                                        index=so.index, dtype=float))
        parts.append(_dated_events(start, pd.to_datetime(so.due_date) + offsets + extra, "in", "open_sales_orders", so.order_amount * grow,
                                   so.sales_order_id, so.customer_id))
    p = plan["plan"]
    if len(p):
        terms = pd.Timedelta(days=plan["avg_customer_terms"] + avg_delay)
        week = pd.to_datetime(p.week_start_date) + shift
        invoiced = week + pd.Timedelta(days=9)  # made during the week, shipped and invoiced a few days later
        sales = _dated_events(start, invoiced + terms + extra, "in", "planned_sales", p.planned_qty * p.list_price * grow, p.plan_id, None)
        std_h = pd.to_numeric(p.std_labor_h_per_unit).astype(float).fillna(0.0)  # no routing: no labor (the event is dropped)
        labor = p.planned_qty * grow * std_h * p.labor_rate_per_h.astype(float)
        payday = (week.dt.to_period("M") + 1).dt.to_timestamp() + pd.Timedelta(days=9)
        payroll = _dated_events(start, payday, "out", "payroll", labor, p.plan_id, None)
        # each plan row's sale, then its payroll
        parts.append(pd.concat([sales.set_axis(range(0, 2 * len(p), 2)), payroll.set_axis(range(1, 2 * len(p), 2))]).sort_index())
    if len(payables):
        parts.append(_dated_events(start, pd.to_datetime(payables.due_date), "out", "payables", payables.open_amount,
                                   payables.supplier_invoice_id, payables.supplier_id))
    po = open_pos
    covered = pd.Series(dtype="datetime64[ns]")
    if len(po):
        expected = pd.to_datetime(po.expected_date)
        parts.append(_dated_events(start, expected + pd.to_timedelta(po.payment_terms_days.astype(int), unit="D"), "out",
                                   "open_purchase_orders", po.order_amount, po.purchase_order_id, po.supplier_id))
        on_order = po.material_id.map(lambda m: isinstance(m, str)).astype(bool)
        if on_order.any():  # what is on order is covered until its delivery (at the earliest, now)
            covered = expected[on_order].groupby(po.material_id[on_order]).max().clip(lower=start)
    need = p.merge(plan["materials"], on="product_id") if len(p) else p.iloc[0:0]
    if len(need):
        delivered = pd.to_datetime(need.week_start_date) + shift - pd.Timedelta(days=2)
        # nothing on order: pandas cannot map through an empty datetime Series (it casts it to float)
        on_order_until = need.material_id.map(covered) if len(covered) else pd.Series(pd.NaT, index=need.index)
        cover = pd.to_datetime(on_order_until).fillna(start - pd.Timedelta(days=1))
        keep = ~(delivered <= cover)  # else already on order
        need, delivered = need[keep], delivered[keep]
        parts.append(_dated_events(start, delivered + pd.to_timedelta(need.payment_terms_days.astype(int), unit="D"), "out",
                                   "planned_materials", need.planned_qty * grow * need.qty_per_unit * need.std_price, need.plan_id,
                                   need.supplier_id))
    events = []
    for r in overheads.itertuples():
        month = pd.Period(r.period, freq="M")
        paid = month.to_timestamp(how="end").normalize()
        if paid < start:
            continue
        share = 1.0 if month.start_time >= start else (paid - start).days / month.days_in_month
        events.append(_event(paid, "out", "overheads", r.budget_amount * share, f"{r.period} {r.account_code}"))
    parts.append(_events_frame(events))
    parts = [part for part in parts if len(part)]
    out = pd.concat(parts, ignore_index=True).infer_objects() if parts else _events_frame([])  # text columns typed as one frame of rows would be
    out["date"] = out.date.astype("datetime64[ns]")
    return out[(out.date < end) & (out.amount.abs() > 0.005)].sort_values("date").reset_index(drop=True)


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
    e = events[(events.date >= edges[0]) & (events.date < edges[-1])].copy()
    e["bucket"] = np.searchsorted(np.array(edges[1:], dtype="datetime64[ns]"), e.date.to_numpy(dtype="datetime64[ns]"), side="right")
    # each bucket × direction × source summed once, its amounts in the events' order (the sum a
    # filter of the events per bucket and source gives, at a fraction of the cost)
    amount = e.amount.reset_index(drop=True)
    groups = e.groupby(["bucket", "direction", "source"], sort=False).indices if len(e) else {}

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
