"""Early-warning rules: pure functions that turn the analytics' frames into warning items.

Every rule takes the frames another module already computes (budget controls, the cash
forecast, working capital, OEE by work center and month, the WIP tie, …) and returns a list of
*items*, each a JSON-ready dict::

    {"kind": "budget_overrun", "severity": "critical", "amount": 196728.27, "rule": "budget.overrun",
     "subject": {"cost_center_id": "P2-MNT", "account_code": "510103"},
     "message_key": "wn_item_budget_overrun", "params": {...},
     "link": {"page": "budget", "params": {"cost_center": "P2-MNT", "account": "510103"}}}

Conventions:

* ``severity`` is ``critical``, ``warning`` or ``info`` (``SEVERITIES``, most serious first).
* ``amount`` is the money at stake in the scope's currency, always >= 0 (None where a rule has
  no money: a voucher that does not balance has its difference, a late payer its overdue
  receivables, an OEE drop the extra loss cost against its trailing average, …).
* ``params`` name their units by suffix, as columns do: ``_amount`` money, ``_pct`` a fraction
  0–1, ``_pp`` a difference of fractions, ``_days`` days, ``_qty`` a quantity, ``_cost`` money per
  unit; anything else
  is a code or a name shown as it is. The UI formats them; nothing here is formatted text.
* ``link`` is the page (its key in ``ui/router.py``) and the query parameters that open the
  record explaining the item (``voucher`` / ``work_order`` on the drill-down page).

The thresholds are ``WarningSettings`` (docs/WARNINGS.md explains each and its default).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics import working_capital as W
from analytics.money import finite, sum_cents

SEVERITIES = ("critical", "warning", "info")
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}
# every kind of warning a report may hold (docs/WARNINGS.md); its label is ``wn_kind_<kind>``
KINDS = ("unbalanced_vouchers", "unposted_work_orders", "funding_gap", "budget_overrun", "cost_variance", "oee_drop",
         "budget_pace", "receivables_overdue", "dso_rising", "inventory_days_rising", "fund_occupation", "late_materials",
         "wip_untied", "unsourced_cost_lines", "budget_near_limit", "anomaly_voucher", "anomaly_work_order")


@dataclass(frozen=True)
class WarningSettings:
    """The thresholds of every rule and of the anomaly models (docs/WARNINGS.md).

    Ratios are fractions (0.9 = 90 %); ``*_pp`` are differences of fractions (0.05 = 5
    percentage points); ``*_days`` are days; ``*_months`` a count of months.
    """

    # budget (year to date of the scope's last month, actual + open orders against the year's budget)
    budget_warn: float = 0.9          # consumption at or above: info "close to the limit"
    budget_alert: float = 1.0         # consumption at or above: critical "over budget"
    budget_pace: float = 1.1          # spent to date / budget to date at or above: warning "ahead of pace"
    # cost variance rate (variance / standard cost of good output) per product
    variance_target: float = 0.02     # above: warning (the source documents' 2 % target)
    variance_critical: float = 0.10   # above: critical
    # OEE of a work center in a month against its trailing average
    oee_trailing_months: int = 3
    oee_drop_pp: float = 0.05         # drop at least: warning
    oee_critical_pp: float = 0.10     # drop at least: critical
    # cash
    min_cash: float = 0.0             # a 13-week forecast week closing below: critical funding gap
    late_payment_days: float = 30.0   # a customer paying later than this after the due date (recent 180 days)
    dso_rise_days: float = 10.0       # DSO of the month above its trailing average by at least
    dio_rise_days: float = 10.0       # DIO of the month above its trailing average by at least
    trend_months: int = 3             # the trailing average of DSO and DIO
    # fund occupation: month-end WIP and stock against the median of the months before
    occupation_norm_months: int = 6
    occupation_excess_pct: float = 0.25
    # late materials: first issue later than the planned start by more than this many days
    late_material_days: int = 2
    # WIP tie tolerance (money) for "ledger WIP differs from operations"
    wip_tolerance: float = 1.0
    # anomaly models (analytics.anomaly)
    anomaly: bool = True
    anomaly_seed: int = 0
    anomaly_min_rows: int = 200       # fewer vouchers (or work orders) than this: no model
    anomaly_fit_rows: int = 20_000    # the model is fitted on at most this many rows, sampled with the seed
    anomaly_contamination: float = 0.002
    anomaly_min_z: float = 4.0        # a flagged item needs at least one feature this far from usual
    anomaly_max_items: int = 25
    anomaly_history_months: int = 12  # work orders: a product's history; vouchers: a rare type's history
    anomaly_max_months: int = 1       # vouchers: a longer scope is judged on its last months (about 0.5 M rows a month at 13 M lines)

    def __post_init__(self):
        if not 0 < self.budget_warn <= self.budget_alert:
            raise ValueError(f"need 0 < budget_warn <= budget_alert, got {self.budget_warn}, {self.budget_alert}")
        if not 0 <= self.variance_target <= self.variance_critical:
            raise ValueError(f"need 0 <= variance_target <= variance_critical, got {self.variance_target}, {self.variance_critical}")
        if not 0 < self.oee_drop_pp <= self.oee_critical_pp:
            raise ValueError(f"need 0 < oee_drop_pp <= oee_critical_pp, got {self.oee_drop_pp}, {self.oee_critical_pp}")
        for name in ("oee_trailing_months", "trend_months", "occupation_norm_months", "anomaly_history_months", "anomaly_max_months"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if not 0 < self.anomaly_contamination < 0.5:
            raise ValueError(f"anomaly_contamination must be in (0, 0.5), got {self.anomaly_contamination}")




def _money(value) -> float | None:
    f = finite(value)
    return None if f is None else round(abs(f), 2)


def _text(value) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    return str(value)


def item(kind: str, severity: str, amount, rule: str, subject: dict, params: dict, page: str, link_params: dict) -> dict:
    """One warning item (see the module); the message key is ``wn_item_<kind>``."""
    if severity not in SEVERITIES:
        raise ValueError(f"severity must be one of {SEVERITIES}, got {severity!r}")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of KINDS, got {kind!r}")
    clean = {k: (finite(v) if isinstance(v, (int, float, np.number)) and not isinstance(v, bool) else _text(v)) for k, v in params.items()}
    return {"kind": kind, "severity": severity, "amount": _money(amount), "rule": rule,
            "subject": {k: _text(v) for k, v in subject.items()}, "message_key": f"wn_item_{kind}", "params": clean,
            "link": {"page": page, "params": {k: _text(v) for k, v in link_params.items() if _text(v) is not None}}}


def sort_key(it: dict) -> tuple:
    """Most serious first: severity, then the larger amount, then the subject (stable output)."""
    amount = it.get("amount")
    return (SEVERITY_RANK[it["severity"]], -(amount if amount is not None else -1.0), str(sorted(it["subject"].items())))


def compute_groups(items: list[dict]) -> dict:
    """``{"groups": [...], "total": n}``: items grouped by kind, each group with its most serious
    severity, count, amount at stake (the items' sum, None when none has an amount), rule and
    all its items most serious first; groups most serious first, then by amount."""
    by_kind: dict[str, list[dict]] = {}
    for it in items:
        by_kind.setdefault(it["kind"], []).append(it)
    groups = []
    for kind, members in by_kind.items():
        members = sorted(members, key=sort_key)
        amounts = [m["amount"] for m in members if m["amount"] is not None]
        rules = list(dict.fromkeys(m["rule"] for m in members))
        groups.append({"kind": kind, "severity": members[0]["severity"], "count": len(members),
                       "amount": round(sum(amounts), 2) if amounts else None, "rule": ",".join(rules), "items": members})
    groups.sort(key=lambda g: (SEVERITY_RANK[g["severity"]], -(g["amount"] if g["amount"] is not None else -1.0), -g["count"], g["kind"]))
    return {"groups": groups, "total": sum(g["count"] for g in groups)}


# --------------------------------------------------------------------------- budget
def compute_budget_warnings(controls: pd.DataFrame, settings: WarningSettings) -> list[dict]:
    """Budget lines past their thresholds (``analytics.budget.compute_controls`` of the year to
    date): ``alert`` -> critical overrun (amount: actual + committed − the year's budget),
    ``pace`` -> warning (amount: actual to date − budget to date), ``warn`` -> info (amount: what
    is left of the year's budget)."""
    out = []
    for r in controls.itertuples(index=False):
        subject = {"cost_center_id": r.cost_center_id, "account_code": r.account_code}
        params = {"cost_center_id": r.cost_center_id, "account": getattr(r, "account_label", r.account_code),
                  "consumption_pct": r.consumption_pct, "phased_execution_pct": getattr(r, "phased_execution_pct", None),
                  "budget_amount": r.budget_amount}
        link = {"cost_center": r.cost_center_id, "account": r.account_code}
        if r.level == "alert":
            amount = max(r.actual_amount + r.committed_amount - r.budget_amount, 0.0)
            out.append(item("budget_overrun", "critical", amount, "budget.overrun", subject, params, "budget", link))
        elif r.level == "pace":
            amount = max(r.actual_to_date_amount - r.budget_to_date_amount, 0.0)
            out.append(item("budget_pace", "warning", amount, "budget.pace", subject, params, "budget", link))
        elif r.level == "warn":
            out.append(item("budget_near_limit", "info", max(r.available_amount, 0.0), "budget.near_limit", subject, params, "budget", link))
    return out


# --------------------------------------------------------------------------- cost variance
RATE_SUMS = ("actual_amount", "standard_amount", "variance_amount")  # what the rate per product reads of the variances


def compute_variance_rates(variances: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """The columns of ``analytics.profitability.compute_variance_summary(variances, by)`` the
    cost variance rule reads, the same values in the same rows: the keys ``by``, actual,
    standard and variance amounts (``money.sum_cents``: whole cents summed exactly, so any order
    of the rows gives the same sums, without the summary's canonical order of the rows nor its
    other sums) and ``variance_rate_pct``. Rows in the keys' order (a row with a missing key left
    out, as a groupby)."""
    out = sum_cents(variances, by, list(RATE_SUMS))
    actual, standard = out.actual_amount.to_numpy(dtype=float), out.standard_amount.to_numpy(dtype=float)
    out["variance_rate_pct"] = np.where(standard != 0, np.abs(actual - standard) / np.where(standard != 0, standard, 1), np.nan)
    return out


def _numbers(values) -> list:
    """``finite`` of every value of a float column, as Python floats (None: missing or infinite)."""
    values = np.asarray(values, dtype=float)
    return [v if ok else None for v, ok in zip(values.tolist(), np.isfinite(values).tolist())]


def _texts(values) -> list:
    """``_text`` of every value of a column."""
    return [_text(v) for v in (values.tolist() if hasattr(values, "tolist") else values)]


def compute_variance_warnings(by_product: pd.DataFrame, settings: WarningSettings) -> list[dict]:
    """Products whose cost variance rate (variance / standard cost of good output) is above
    ``variance_target`` (warning) or ``variance_critical`` (critical); only unfavorable
    variances. Amount: the variance. ``by_product``: the profitability report's
    ``variance_by_product`` (or ``compute_variance_rates``' frame of the same rows).

    Every product of a year can be over the target (2,924 of 2,933 at the L scale): the items
    are built from the columns at once, each exactly as ``item`` builds it (the same dicts,
    keys in its order; a test holds the two equal)."""
    if by_product is None or by_product.empty:
        return []
    rate = pd.to_numeric(by_product.variance_rate_pct, errors="coerce").to_numpy(dtype=float)
    variance = by_product.variance_amount.to_numpy(dtype=float)
    keep = np.flatnonzero(np.isfinite(rate) & (rate > settings.variance_target) & ~(variance <= 0))
    if not len(keep):
        return []
    rates, amounts = rate[keep], variance[keep]
    severities = np.where(rates > settings.variance_critical, "critical", "warning").tolist()
    ids, names = _texts(by_product.product_id.take(keep)), _texts(by_product.product_name.take(keep))
    target = finite(settings.variance_target)
    money = [None if v is None else round(abs(v), 2) for v in _numbers(amounts)]
    return [{"kind": "cost_variance", "severity": sev, "amount": m, "rule": "variance.rate_over_target", "subject": {"product_id": pid},
             "message_key": "wn_item_cost_variance",
             "params": {"product_id": pid, "product": name, "variance_rate_pct": r, "target_pct": target, "variance_amount": v},
             "link": {"page": "profitability", "params": {"product": pid} if pid is not None else {}}}
            for sev, m, pid, name, r, v in zip(severities, money, ids, names, rates.tolist(), _numbers(amounts))]


# --------------------------------------------------------------------------- OEE
def compute_oee_warnings(by_wc_month: pd.DataFrame, month: str, settings: WarningSettings, plants: dict | None = None) -> list[dict]:
    """Work centers whose OEE in ``month`` is at least ``oee_drop_pp`` below the mean of their
    ``oee_trailing_months`` months before (critical from ``oee_critical_pp``). Amount: the
    month's loss cost above the trailing months' mean loss cost. A work center needs every
    trailing month to be judged. ``by_wc_month``: the OEE report's ``by_work_center_month``."""
    out = []
    if by_wc_month is None or by_wc_month.empty:
        return out
    months = [str(p) for p in pd.period_range(end=pd.Period(month, freq="M"), periods=settings.oee_trailing_months + 1, freq="M")]
    before = months[:-1]
    # one row per work center x month (the first of duplicates), months as columns: 840 work
    # centers judged at once (a loop per work center took ~0.4 CPU s)
    rows = by_wc_month[by_wc_month.month.astype(str).isin(months)].assign(month=lambda f: f.month.astype(str))
    rows = rows.drop_duplicates(["work_center_id", "month"]).set_index(["work_center_id", "month"]).sort_index()
    if rows.empty:
        return out
    present = pd.Series(True, index=rows.index).unstack().reindex(columns=months).notna().all(axis=1)
    oee = rows.oee_pct.astype(float).unstack().reindex(columns=months)[present]
    loss = rows.loss_cost_amount.astype(float).unstack().reindex(columns=months)[present]
    now, trailing = oee[month], oee[before].mean(axis=1)
    drop = trailing - now
    hit = np.isfinite(now) & np.isfinite(trailing) & (drop >= settings.oee_drop_pp - 1e-12)
    def finite_or_0(x):
        return x.where(np.isfinite(x), 0.0)
    extra_all = finite_or_0(loss[month]) - finite_or_0(loss[before].mean(axis=1))
    for wc in oee.index[hit.to_numpy()]:
        now_, trailing_, drop_, extra = float(now[wc]), float(trailing[wc]), float(drop[wc]), float(extra_all[wc])
        severity = "critical" if drop_ >= settings.oee_critical_pp - 1e-12 else "warning"
        out.append(item("oee_drop", severity, max(extra, 0.0), "oee.drop_vs_trailing", {"work_center_id": wc, "period": month},
                        {"work_center_id": wc, "plant_id": (plants or {}).get(wc), "period": month, "oee_pct": now_,
                         "trailing_oee_pct": trailing_, "change_pp": now_ - trailing_, "n_months": settings.oee_trailing_months},
                        "oee", {"work_center": wc, "month": month}))
    return out


# --------------------------------------------------------------------------- cash
def compute_funding_gap_warnings(gaps: pd.DataFrame, settings: WarningSettings) -> list[dict]:
    """Weeks of the 13-week driver forecast closing below ``min_cash`` (``compute_funding_gaps``):
    critical, amount = the shortfall."""
    out = []
    for r in gaps.itertuples(index=False):
        week = pd.Timestamp(r.period_start_date).strftime("%Y-%m-%d")
        out.append(item("funding_gap", "critical", r.shortfall_amount, "cash.funding_gap", {"week": week},
                        {"week": week, "closing_amount": r.closing_amount, "min_cash_amount": settings.min_cash,
                         "shortfall_amount": r.shortfall_amount}, "cash", {"week": week}))
    return out


def compute_late_payer_warnings(delays: pd.Series, receivables: pd.DataFrame, as_of, settings: WarningSettings,
                                names: dict | None = None) -> list[dict]:
    """Customers paying more than ``late_payment_days`` after the due date (amount-weighted, the
    last 180 days: ``compute_payment_delays``): warning; amount = their open receivables past
    due at the as-of date."""
    out = []
    if delays is None or delays.empty:
        return out
    as_of = pd.Timestamp(as_of)
    overdue = pd.Series(dtype=float)
    if receivables is not None and not receivables.empty:
        r = receivables[pd.to_datetime(receivables.due_date) < as_of]
        overdue = r.open_amount.astype(float).groupby(r.customer_id).sum()
    for customer, days in delays.sort_index().items():
        if not days > settings.late_payment_days:
            continue
        amount = float(overdue.get(customer, 0.0))
        out.append(item("receivables_overdue", "warning", amount, "receivables.late_payer", {"customer_id": customer},
                        {"customer_id": customer, "customer": (names or {}).get(customer, customer), "late_days": days,
                         "threshold_days": settings.late_payment_days, "overdue_amount": amount},
                        "cash", {"customer": customer}))
    return out


def _trend(frame: pd.DataFrame, column: str, month: str, n: int) -> tuple[float | None, float | None, pd.Series | None]:
    """(value in ``month``, mean of the ``n`` months before, the month's row) of a per-month frame."""
    f = frame.set_index("period")
    months = [str(p) for p in pd.period_range(end=pd.Period(month, freq="M"), periods=n + 1, freq="M")]
    if not all(m in f.index for m in months):
        return None, None, None
    return finite(f.at[month, column]), finite(f.loc[months[:-1], column].mean()), f.loc[month]


def compute_days_warnings(wc: pd.DataFrame, month: str, settings: WarningSettings) -> list[dict]:
    """DSO and DIO of ``month`` (``compute_working_capital``, monthly basis) above the mean of
    the ``trend_months`` before by ``dso_rise_days`` / ``dio_rise_days``: warning; amount = the
    extra balance the rise ties up (rise in days x the month's sales or cost of sales per day)."""
    out = []
    if wc is None or wc.empty:
        return out
    for kind, column, flow, threshold, page in (("dso_rising", "dso_days", "sales_amount", settings.dso_rise_days, "cash"),
                                                ("inventory_days_rising", "dio_days", "cost_of_sales_amount", settings.dio_rise_days, "cash")):
        now, before, row = _trend(wc, column, month, settings.trend_months)
        if now is None or before is None or now - before < threshold:
            continue
        per_day = float(row[flow]) / float(row["days"]) if float(row["days"]) else 0.0
        rise = now - before
        out.append(item(kind, "warning", rise * per_day, f"working_capital.{column}_rising", {"period": month},
                        {"period": month, "now_days": now, "trailing_days": before, "rise_days": rise,
                         "n_months": settings.trend_months}, page, {"month": month}))
    return out


BALANCE_COLUMNS = ["plant_id", "period", "wip_amount", "stock_amount"]  # compute_balances' columns, in its order


def compute_balances(ledger: pd.DataFrame) -> pd.DataFrame:
    """Month-end balances per plant of WIP and of stock (raw materials + finished goods) from the
    ledger's movements by category (``load_working_capital_ledger``): one row per plant x month
    with ``wip_amount`` and ``stock_amount`` (debit − credit to date). The month's movements are
    summed per plant x month as a groupby sums them (row order), on integer codes
    (``analytics.working_capital``'s month grid, as the ledger months), every plant from its
    first month to the last."""
    cols = BALANCE_COLUMNS
    if ledger is None or ledger.empty:
        return pd.DataFrame(columns=cols)
    d = ledger[ledger.category.isin(("wip", "raw_materials", "finished_goods")) & ledger.period.notna()]
    if d.empty:
        return pd.DataFrame(columns=cols)
    months, pair, rows, row_plant = W.month_grid(d.plant_id.fillna(""), d.period)
    net = (d.debit_amount.astype(float) - d.credit_amount.astype(float)).to_numpy()
    move = W.sum_per_month(pair, (d.category != "wip").to_numpy().astype(np.int64), 2, net, np.ones(len(d), dtype=bool), rows)
    out = pd.DataFrame(move, columns=cols[2:]).groupby(row_plant).cumsum().round(2)
    out.index = months
    out = out.reset_index()[cols]
    out.columns.name = "what"  # as the pivot table's columns were named
    return out


def compute_occupation_warnings(balances: pd.DataFrame, month: str, settings: WarningSettings) -> list[dict]:
    """Abnormal fund occupation: a plant's month-end WIP or stock above the median of its
    ``occupation_norm_months`` month ends before by more than ``occupation_excess_pct``: warning,
    amount = the balance above that norm. A plant needs every month of the norm. Plants in
    order, WIP before stock; every plant judged at once (a plant x month table of the months
    read, each row's median as the plant's own rows gave it)."""
    out = []
    if balances is None or balances.empty:
        return out
    months = [str(p) for p in pd.period_range(end=pd.Period(month, freq="M"), periods=settings.occupation_norm_months + 1, freq="M")]
    rows = balances[balances.period.isin(months) & balances.plant_id.notna()]
    if rows.empty:
        return out
    plant_codes, plants = pd.factorize(rows.plant_id, sort=True)
    month_codes = pd.Index(months).get_indexer(rows.period)
    seen = np.zeros((len(plants), len(months)), dtype=bool)
    seen[plant_codes, month_codes] = True
    judged = np.flatnonzero(seen.all(axis=1))
    tables = {}
    for column in ("wip_amount", "stock_amount"):
        table = np.full((len(plants), len(months)), np.nan)
        table[plant_codes, month_codes] = rows[column].to_numpy(dtype=float)
        tables[column] = (table[:, -1], np.median(table[:, :-1], axis=1))
    for i in judged:
        plant = plants[i]
        for column, what, page in (("wip_amount", "wip", "reconciliation"), ("stock_amount", "stock", "cash")):
            now, norm = float(tables[column][0][i]), float(tables[column][1][i])
            if norm <= 0 or now <= norm * (1 + settings.occupation_excess_pct):
                continue
            out.append(item("fund_occupation", "warning", now - norm, f"occupation.{what}_above_norm",
                            {"plant_id": plant or None, "what": what, "period": month},
                            {"plant_id": plant, "what": what, "period": month, "balance_amount": now, "norm_amount": norm,
                             "excess_pct": now / norm - 1, "n_months": settings.occupation_norm_months},
                            page, {"month": month, "plant": plant or None}))
    return out


# --------------------------------------------------------------------------- operations and the ledger
def compute_late_material_warnings(needs: pd.DataFrame, settings: WarningSettings) -> list[dict]:
    """Late materials, per work order x BOM material (``data_loaders.warnings.load_material_needs``):

    * issued late: its first issue came more than ``late_material_days`` after the order's
      planned start (amount: the value issued to the order);
    * expected late: the order has not started, has had none of it, and the plant's earliest
      open purchase order for it is expected after the planned start (amount: that order's value).
    """
    out = []
    if needs is None or needs.empty:
        return out
    start = pd.to_datetime(needs.planned_start_date)
    first = pd.to_datetime(needs.first_issue_date)
    expected = pd.to_datetime(needs.po_expected_date)
    lag = (first - start).dt.days
    wait = (expected - start).dt.days
    not_started = needs.actual_start_at.isna() & needs.status.isin(("planned", "released"))
    issued_late = first.notna() & (lag > settings.late_material_days)
    expected_late = first.isna() & not_started & expected.notna() & (wait > 0)
    for i in np.flatnonzero((issued_late | expected_late).to_numpy()):
        r = needs.iloc[i]
        late = bool(issued_late.iloc[i])
        days = int(lag.iloc[i]) if late else int(wait.iloc[i])
        when = (first if late else expected).iloc[i].strftime("%Y-%m-%d")
        out.append(item("late_materials", "warning", r.issued_amount if late else r.po_amount,
                        "materials.issued_late" if late else "materials.expected_late",
                        {"work_order_id": r.work_order_id, "material_id": r.material_id},
                        {"work_order_id": r.work_order_id, "material_id": r.material_id, "material": r.material_name,
                         "plant_id": r.plant_id, "planned_start": pd.Timestamp(r.planned_start_date).strftime("%Y-%m-%d"),
                         "arrived": when, "late_days": days, "is_expected": not late},
                        "vouchers", {"work_order": r.work_order_id}))
    return out


def compute_wip_warnings(no_completion: pd.DataFrame, untied: pd.DataFrame) -> list[dict]:
    """Work orders completed without a completion voucher (critical: operations finished, the
    ledger never relieved WIP) and the other orders of ``untied`` (``wip_tie_summary``), whose
    ledger WIP differs from what operations recorded (warning). Amount: the tie's difference
    (operations' cost − the ledger's WIP) where the order is in ``untied``."""
    out = []
    diff = {} if untied is None or untied.empty else dict(zip(untied.work_order_id, untied.difference_amount.astype(float)))
    done = set()
    for r in (no_completion.itertuples(index=False) if no_completion is not None else []):
        done.add(r.work_order_id)
        end = pd.Timestamp(r.actual_end_at).strftime("%Y-%m-%d") if pd.notna(r.actual_end_at) else None
        out.append(item("unposted_work_orders", "critical", abs(diff[r.work_order_id]) if r.work_order_id in diff else None,
                        "wip.no_completion_voucher", {"work_order_id": r.work_order_id},
                        {"work_order_id": r.work_order_id, "plant_id": r.plant_id, "product": r.product_name,
                         "completed_qty": r.completed_qty, "completed_on": end}, "vouchers", {"work_order": r.work_order_id}))
    for r in (untied.itertuples(index=False) if untied is not None else []):
        if r.work_order_id in done:
            continue
        out.append(item("wip_untied", "warning", abs(float(r.difference_amount)), "wip.tie", {"work_order_id": r.work_order_id},
                        {"work_order_id": r.work_order_id, "plant_id": r.plant_id, "operations_amount": r.operations_amount,
                         "ledger_wip_amount": r.ledger_wip_amount, "difference_amount": r.difference_amount},
                        "vouchers", {"work_order": r.work_order_id}))
    return out


def compute_unsourced_warnings(lines: pd.DataFrame) -> list[dict]:
    """Voucher lines on WIP, cost of sales or variance accounts with no source document
    (``load_cost_lines_without_source``), one item per voucher: warning, amount = its debits
    (or credits) on those accounts."""
    out = []
    if lines is None or lines.empty:
        return out
    for vno, rows in lines.groupby("voucher_no", sort=True):
        first = rows.iloc[0]
        amount = max(float(rows.debit_amount.astype(float).sum()), float(rows.credit_amount.astype(float).sum()))
        out.append(item("unsourced_cost_lines", "warning", amount, "ledger.cost_line_without_source", {"voucher_no": vno},
                        {"voucher_no": vno, "voucher_type": first.voucher_type, "plant_id": first.plant_id,
                         "account": f"{first.account_code} {first.account_name}", "n_lines": len(rows),
                         "line_amount": amount, "description": first.description}, "vouchers", {"voucher": vno}))
    return out


def compute_unbalanced_warnings(unbalanced: pd.DataFrame) -> list[dict]:
    """Vouchers whose debits and credits differ: critical, amount = the difference."""
    out = []
    for r in (unbalanced.itertuples(index=False) if unbalanced is not None else []):
        diff = float(r.debit_amount) - float(r.credit_amount)
        out.append(item("unbalanced_vouchers", "critical", diff, "ledger.unbalanced", {"voucher_no": r.voucher_no},
                        {"voucher_no": r.voucher_no, "plant_id": r.plant_id, "debit_amount": r.debit_amount,
                         "credit_amount": r.credit_amount, "difference_amount": diff}, "vouchers", {"voucher": r.voucher_no}))
    return out
