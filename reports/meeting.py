"""The monthly business–finance meeting (业财联席会): a frozen, JSON-ready snapshot of one month.

``build_snapshot(engine, scope, month=...)`` assembles every topic of the fixed agenda from the
reports the pages use, so the meeting shows the pages' numbers; the snapshot is then stored
(``data_loaders.meeting_store``) and the meeting mode and the month-end pack read only it, so
the numbers do not move when an import lands during the meeting.

Shape (shared with the month-end pack; language-neutral: labels are i18n keys, numbers raw,
money rounded to cents, ratios as fractions 0–1)::

    {"version": 1, "month": "2026-10", "plants": [] (all) or ["P1", ...], "currency": "CNY",
     "as_of": data as-of date, "data_version": the import stamp the numbers came from,
     "created_at": ISO time, "created_by": user,
     "topics": [{"key": one of AGENDA, "title_key": "mt_topic_<key>",
                 "cards": [{"label_key", "value", "kind", "compare": {"prior_month", "last_year", "budget"}}],
                 "tables": [{"title_key", "columns": [{"key", "label_key", "kind"}], "rows": [[...]]}],
                 "chart": None or {"kind": "bridge"|"bar"|"line", "title_key", "categories", "series": [{"label_key", "values"}]},
                 "notes": [{"key", "params"}]}]}

Kinds: ``money`` (currency amount), ``pct`` (fraction), ``qty``, ``days``, ``ratio``; in tables
also ``text`` (shown as it is: names from the data) and ``code`` (an i18n key or a code: shown
as its label where the key exists, else as it is). Chart categories follow the ``code`` rule.
Note params are plain strings or numbers substituted as they are.

Signs follow the reports: cost variance = actual − standard, positive is unfavorable; budget
variance = actual − budget; bridge steps are their effect on gross profit.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
from sqlalchemy.engine import Engine

from analytics.money import finite
from analytics.oee import OeeSettings
from analytics.profitability import TARGET_VARIANCE_RATE, VARIANCES, compute_variance_summary
from data_loaders import queries as q
from data_loaders.scope import PeriodChoice, Scope, month_add
from reports import cash as cash_reports
from reports.budget import budget_report
from reports.cockpit import cockpit_report
from reports.currency import MixedCurrencies, scope_currency
from reports.oee import oee_report, oee_totals
from reports.profitability import profit_facts, profitability_report
from reports.warnings import month_warnings

VERSION = 1
AGENDA = ("kpis", "bridge", "cost_variances", "oee_loss", "budget", "cash", "warnings", "actions")
STATUSES = ("open", "done", "dropped")
TOP_ROWS = 6  # rows of a topic's table: what a room reads on one screen beside its chart
NO_BASELINE = {"baseline": None, "model": None, "scores": None}  # the meeting shows the driver forecast only


# --------------------------------------------------------------------------- small builders
def _num(value, kind: str):
    """A raw number for the snapshot: None for missing or NaN, money to cents, ratios to 6 places."""
    value = finite(value)
    if value is None:
        return None
    if kind == "money":
        return round(value, 2) + 0.0
    if kind in ("pct", "ratio"):
        return round(value, 6) + 0.0
    if kind == "days":
        return round(value, 1) + 0.0
    return round(value, 4) + 0.0


def card(label_key: str, value, kind: str, prior_month=None, last_year=None, budget=None) -> dict:
    return {"label_key": label_key, "value": _num(value, kind), "kind": kind,
            "compare": {"prior_month": _num(prior_month, kind), "last_year": _num(last_year, kind), "budget": _num(budget, kind)}}


def table(title_key: str, columns: list[tuple[str, str, str]], frame: pd.DataFrame) -> dict:
    """``columns``: (key = column of ``frame``, label key, kind). Rows as plain values."""
    rows = []
    for record in frame[[c for c, _, _ in columns]].itertuples(index=False):
        row = []
        for value, (_, _, kind) in zip(record, columns):
            if kind in ("text", "code"):
                row.append(None if value is None or (isinstance(value, float) and math.isnan(value)) else str(value))
            else:
                row.append(_num(value, kind))
        rows.append(row)
    return {"title_key": title_key, "columns": [{"key": c, "label_key": label, "kind": kind} for c, label, kind in columns],
            "rows": rows}


def chart(kind: str, title_key: str, categories, series: list[tuple[str, list]]) -> dict:
    return {"kind": kind, "title_key": title_key, "categories": [str(c) for c in categories],
            "series": [{"label_key": label, "values": [_num(v, "money") if v is not None else None for v in values]}
                       for label, values in series]}


def note(key: str, **params) -> dict:
    return {"key": key, "params": params}


def topic(key: str, cards=(), tables=(), chart_=None, notes=()) -> dict:
    return {"key": key, "title_key": f"mt_topic_{key}", "cards": list(cards), "tables": list(tables), "chart": chart_,
            "notes": list(notes)}


def _value(frame_or_row, column):
    if frame_or_row is None:
        return None
    return frame_or_row.get(column) if hasattr(frame_or_row, "get") else None


# --------------------------------------------------------------------------- topics
# the cockpit's twelve cards (reports.cockpit; labels as ui.cockpit shows them)
KPI_CARDS = (("kpi_revenue", "revenue_amount", "money"), ("kpi_gross_margin", "gross_margin_pct", "pct"),
             ("kpi_variance_rate", "variance_rate_pct", "pct"), ("cp_budget_execution", "budget_execution_pct", "pct"),
             ("kpi_oee", "oee_pct", "pct"), ("kpi_loss_cost", "oee_loss_amount", "money"),
             ("kpi_dso", "dso_days", "days"), ("kpi_dio", "dio_days", "days"), ("kpi_dpo", "dpo_days", "days"),
             ("kpi_ccc", "ccc_days", "days"))


def kpis_topic(cockpit: dict) -> dict:
    """The cockpit's figures of the month against last month, a year earlier and budget (the
    cost variance rate against its 2 % target, budget execution against 100 %), cash today and
    the lowest balance of the 13-week forecast."""
    spans = cockpit["kpis"]
    current, prior, last_year, budget = (spans.get(n) or {} for n in ("current", "prior_month", "prior_year", "budget"))
    targets = {"budget_execution_pct": 1.0}
    cards = [card(label, current.get(k), kind, prior.get(k), last_year.get(k), budget.get(k, targets.get(k)) or targets.get(k))
             for label, k, kind in KPI_CARDS]
    cash = cockpit["cash"]
    cards[6:6] = [card("kpi_cash_now", cash["cash_today_amount"], "money"), card("kpi_cash_min", cash["lowest_cash_amount"], "money")]
    notes = [note("mt_note_kpis", target=f"{cockpit['target_variance_rate_pct']:.0%}")]
    if cash.get("lowest_cash_week_date"):
        notes.append(note("cp_lowest_cash_help", w=cash["lowest_cash_week_date"]))
    return topic("kpis", cards, [], None, notes)


def bridge_topic(cockpit: dict, prof: dict, month: str) -> dict:
    """The cockpit's profit bridge: gross profit (operations) from last month to this month."""
    if not cockpit["bridge"] or prof["total"] is None:
        return topic("bridge", notes=[note("mt_note_no_data")])
    bridge = pd.DataFrame(cockpit["bridge"])
    amounts = dict(zip(bridge.step, bridge.amount))
    cards = [card("mt_gp_prior", amounts["start"], "money"), card("mt_gp_month", amounts["end"], "money", prior_month=amounts["start"]),
             card("mt_gp_change", amounts["end"] - amounts["start"], "money"),
             card("kpi_gross_margin", prof["total"].gross_margin_pct, "pct")]
    steps = bridge.assign(step_key="bridge_" + bridge.step)
    tbl = table("mt_table_bridge", [("step_key", "mt_col_step", "code"), ("amount", "mt_col_amount", "money")], steps)
    fig = chart("bridge", "mt_chart_bridge", steps.step_key.tolist(), [("mt_col_amount", bridge.amount.tolist())])
    return topic("bridge", cards, [tbl], fig, [note("mt_note_bridge", base=month_add(month, -1), month=month)])


def _variance_total(engine: Engine, scope: Scope, periods: list[str]) -> pd.Series | None:
    if scope.period_to not in periods:
        return None
    _, variances = profit_facts(engine, scope)
    return compute_variance_summary(variances, []).iloc[0] if len(variances) else None


def variances_topic(engine: Engine, ms: Scope, prof: dict, periods: list[str]) -> dict:
    vt = prof["variance_total"]
    if vt is None:
        return topic("cost_variances", notes=[note("mt_note_no_data")])
    prior, last_year = _variance_total(engine, ms.shifted(1), periods), _variance_total(engine, ms.shifted(12), periods)
    by_product = prof["variance_by_product"]
    cards = [card("kpi_variance_ops", vt.variance_amount, "money", _value(prior, "variance_amount"), _value(last_year, "variance_amount")),
             card("kpi_variance_rate", vt.variance_rate_pct, "pct", _value(prior, "variance_rate_pct"), _value(last_year, "variance_rate_pct")),
             card("mt_products_over_target", int(by_product.over_target.sum()), "qty"),
             card("kpi_oee_loss", prof["total"].oee_loss_amount, "money")]
    names = [f"var_{v}" for v in VARIANCES]
    values = [float(vt[f"{v}_amount"]) for v in VARIANCES]
    fig = chart("bar", "mt_chart_variances", names, [("mt_col_amount", values)])
    top = by_product.reindex(by_product.variance_amount.abs().sort_values(ascending=False).index).head(TOP_ROWS)
    tbl = table("mt_table_variance_products", [
        ("product_name", "mt_col_product", "text"), ("actual_amount", "mt_col_actual", "money"),
        ("variance_amount", "mt_col_variance", "money"), ("variance_rate_pct", "kpi_variance_rate", "pct")], top)
    return topic("cost_variances", cards, [tbl], fig, [note("mt_note_variance_target", target=f"{TARGET_VARIANCE_RATE:.0%}")])


def _oee_total(engine: Engine, scope: Scope, periods: list[str], settings: OeeSettings):
    if scope.period_to not in periods:
        return None
    r = oee_totals(engine, scope, settings)  # the comparisons need the total only, not the whole report
    return None if r is None else r["total"]


def oee_topic(engine: Engine, ms: Scope, prof: dict, periods: list[str], settings: OeeSettings) -> dict:
    r = oee_report(engine, ms, settings)
    if r is None:
        return topic("oee_loss", notes=[note("mt_note_no_data")])
    total = r["total"]
    prior, last_year = _oee_total(engine, ms.shifted(1), periods, settings), _oee_total(engine, ms.shifted(12), periods, settings)
    cards = [card(label, total[k], kind, _value(prior, k), _value(last_year, k)) for label, k, kind in (
        ("kpi_oee", "oee_pct", "pct"), ("kpi_loss_cost", "loss_cost_amount", "money"), ("kpi_availability", "availability_pct", "pct"),
        ("kpi_performance", "performance_pct", "pct"), ("kpi_quality", "quality_pct", "pct"))]
    losses = r["six_losses"]
    losses = losses[losses.loss_cost_amount.abs() > 0]
    fig = chart("bar", "mt_chart_losses", ("loss_" + losses.loss).tolist(), [("kpi_loss_cost", losses.loss_cost_amount.tolist())])
    by_wc = r["by_work_center"].sort_values("loss_cost_amount", ascending=False).head(TOP_ROWS)
    tbl = table("mt_table_work_centers", [
        ("work_center_name", "mt_col_work_center", "text"), ("plant_id", "mt_col_plant", "code"), ("oee_pct", "kpi_oee", "pct"),
        ("loss_cost_amount", "mt_col_loss_cost", "money")], by_wc)
    return topic("oee_loss", cards, [tbl], fig, [note("mt_note_oee")])


def budget_topic(engine: Engine, ms: Scope, fast: bool) -> dict:
    r = budget_report(engine, ms, use_facts=fast)
    if r is None or r["total"].empty:
        return topic("budget", notes=[note("mt_note_no_budget")])
    lines = r["total"].set_index("line_type")
    cost = lines.loc["cost"] if "cost" in lines.index else None
    revenue = lines.loc["revenue"] if "revenue" in lines.index else None
    alerts = r["warnings"][r["warnings"].level == "alert"]
    cards = [card("mt_cost_actual", _value(cost, "actual_amount"), "money", budget=_value(cost, "budget_amount")),
             card("mt_cost_execution", _value(cost, "execution_pct"), "pct", budget=1.0),
             card("mt_revenue_actual", _value(revenue, "actual_amount"), "money", budget=_value(revenue, "budget_amount")),
             card("mt_revenue_execution", _value(revenue, "execution_pct"), "pct", budget=1.0)]
    centers = r["by_cost_center"]
    leaves = centers[(centers.line_type == "cost") & ~centers.cost_center_node.isin(r["structure"]["cost_centers"].parent_id.dropna())]
    top = leaves.sort_values("variance_amount", ascending=False).head(TOP_ROWS)
    top = top.assign(name=top.label.str.strip())
    tbl = table("mt_table_cost_centers", [
        ("name", "mt_col_cost_center", "text"), ("budget_amount", "mt_col_budget", "money"), ("actual_amount", "mt_col_actual", "money"),
        ("variance_amount", "mt_col_variance", "money"), ("execution_pct", "kpi_execution", "pct")], top)
    fig = chart("bar", "mt_chart_budget", top.cost_center_node.tolist(), [("mt_col_variance", top.variance_amount.tolist())])
    notes = [note("mt_note_budget", version=r["version"])] + ([note("mt_note_budget_alerts", n=len(alerts))] if len(alerts) else [])
    return topic("budget", cards, [tbl], fig, notes)


def _cash(engine: Engine, plants: tuple[str, ...], fast: bool) -> dict:
    """The cash page's driver forecast and working capital, without the statistical baseline."""
    inputs = cash_reports.cash_inputs(engine, plants)
    as_of = inputs["as_of"]
    return cash_reports.compose_cash_report(
        inputs, cash_reports.payment_delays(engine, plants, as_of), NO_BASELINE,
        cash_reports.cash_working_capital_months(engine, plants, as_of, fast),
        cash_reports.cash_customer_dso(engine, plants, as_of, fast))


def cash_topic(cash: dict, month: str) -> dict:
    wc = cash["working_capital"].set_index("period") if len(cash["working_capital"]) else pd.DataFrame()

    def wc_value(period, column):
        return wc.loc[period, column] if period in wc.index else None

    weekly = cash["weekly"]
    cards = [card("kpi_cash_now", cash["opening"], "money"), card("kpi_cash_min", weekly.closing_amount.min(), "money")]
    for label, column in (("kpi_dso", "dso_days"), ("kpi_dio", "dio_days"), ("kpi_dpo", "dpo_days"), ("kpi_ccc", "ccc_days")):
        cards.append(card(label, wc_value(month, column), "days", wc_value(month_add(month, -1), column), wc_value(month_add(month, -12), column)))
    weeks = weekly.assign(week=weekly.period_start_date.dt.strftime("%Y-%m-%d"))
    tbl = table("mt_table_weeks", [("week", "mt_col_week", "text"), ("inflow_amount", "mt_col_inflow", "money"),
                                   ("outflow_amount", "mt_col_outflow", "money"), ("closing_amount", "mt_col_closing", "money")],
                weeks.head(TOP_ROWS))
    fig = chart("line", "mt_chart_cash", weeks.week.tolist(), [("mt_col_closing", weekly.closing_amount.tolist())])
    return topic("cash", cards, [tbl], fig, [note("mt_note_cash", as_of=str(cash["as_of"].date()))])


ITEMS_SHOWN = 1  # records of each group in the topic's table: the most serious (the overview lists the rest)
NAMES = ("product", "customer", "account", "material")  # an item's master-data name, where it has one


def warnings_topic(warnings: dict) -> dict:
    """The month's early warnings (``reports.warnings.month_warnings``): the groups, most serious
    first, with count and amount at stake, and the first records of each."""
    groups = warnings["groups"]
    cards = [card("mt_warning_groups", len(groups), "qty"), card("mt_warning_count", warnings["total"], "qty"),
             card("mt_warning_critical", sum(g["count"] for g in groups if g["severity"] == "critical"), "qty")]
    frame = pd.DataFrame([{"kind": f"wn_kind_{g['kind']}", "severity": f"wn_severity_{g['severity']}", "count": g["count"],
                           "amount": g["amount"]} for g in groups], columns=["kind", "severity", "count", "amount"])
    tbl = table("mt_table_warnings", [("kind", "mt_col_warning", "code"), ("severity", "mt_col_severity", "code"),
                                      ("count", "mt_col_count", "qty"), ("amount", "mt_col_at_stake", "money")], frame)
    def name(it: dict) -> str | None:
        """The record's master-data name, or what it is (``wn_what_wip``: a label key)."""
        params, subject = it.get("params") or {}, it.get("subject") or {}
        found = next((params[n] for n in NAMES if params.get(n)), None)
        return found or (f"wn_what_{subject['what']}" if subject.get("what") else None)

    items = pd.DataFrame([{"kind": f"wn_kind_{g['kind']}",
                           "item": " ".join(str(v) for k, v in (it.get("subject") or {}).items() if k != "what"),
                           "name": name(it), "amount": it.get("amount")}
                          for g in groups for it in g["items"][:ITEMS_SHOWN]], columns=["kind", "item", "name", "amount"])
    detail = table("mt_table_warning_items", [("kind", "mt_col_warning", "code"), ("item", "mt_col_item", "text"),
                                              ("name", "mt_col_name", "code"), ("amount", "mt_col_at_stake", "money")], items)
    notes = [note("mt_note_warnings")] if groups else [note("mt_note_no_warnings")]
    return topic("warnings", cards, [tbl, detail], None, notes)


ACTION_COLUMNS = [("id", "mt_col_id", "qty"), ("topic", "mt_col_topic", "code"), ("text", "mt_col_action", "text"),
                  ("owner", "mt_col_owner", "text"), ("due_date", "mt_col_due", "text"), ("status", "mt_col_status", "code"),
                  ("month_opened", "mt_col_opened", "text")]


def actions_topic(items: list[dict] | None, month: str) -> dict:
    """The action items the meeting opens with (carried over and this month's, as the store gave
    them when the snapshot was frozen). The meeting page shows the store's live list."""
    frame = pd.DataFrame(items or [], columns=[c for c, _, _ in ACTION_COLUMNS] + ["closed_month"])
    frame = frame.assign(topic="mt_topic_" + frame.topic.astype(str), status="mt_status_" + frame.status.astype(str))
    is_open = frame.status == "mt_status_open"
    overdue = is_open & (frame.due_date.astype(str) < month_add(month, 1) + "-01") & frame.due_date.notna()
    cards = [card("mt_items_open", int(is_open.sum()), "qty"), card("mt_items_overdue", int(overdue.sum()), "qty"),
             card("mt_items_carried", int((is_open & (frame.month_opened < month)).sum()), "qty")]
    return topic("actions", cards, [table("mt_table_actions", ACTION_COLUMNS, frame)], None, [note("mt_note_actions", month=month)])


# --------------------------------------------------------------------------- the snapshot
def build_snapshot(engine: Engine, scope: Scope, *, month: str | None = None, created_by: str = "", created_at: str | None = None,
                   action_items: list[dict] | None = None, oee_settings: OeeSettings = OeeSettings()) -> dict:
    """The meeting's snapshot of ``month`` (default: the scope's last month) for the scope's
    plants (the user's plant limit already applied; product families do not apply: the meeting
    looks at whole plants). ``action_items``: the store's items the meeting opens with
    (``meeting_store.meeting_items``), frozen into the actions topic. JSON-serializable."""
    month = month or scope.period_to
    if month is None:
        raise ValueError("month is needed: the scope has no last month")
    ms = Scope(month, month, tuple(scope.plants))
    info = q.load_dataset_info(engine)
    periods = q.load_filter_options(engine)["periods"]
    fast = q.use_ledger_facts(engine)
    prof = profitability_report(engine, ms)
    cockpit = cockpit_report(engine, ms, PeriodChoice("month", month))
    topics = {
        "kpis": kpis_topic(cockpit),
        "bridge": bridge_topic(cockpit, prof, month),
        "cost_variances": variances_topic(engine, ms, prof, periods),
        "oee_loss": oee_topic(engine, ms, prof, periods, oee_settings),
        "budget": budget_topic(engine, ms, fast),
        "cash": cash_topic(_cash(engine, ms.plants, fast), month),
        "warnings": warnings_topic(month_warnings(engine, ms)),
        "actions": actions_topic(action_items, month),
    }
    currency, mixed = scope_currency(engine, ms)
    if mixed:
        raise MixedCurrencies(mixed)
    return {
        "version": VERSION, "month": month, "plants": list(ms.plants), "currency": currency,
        "as_of": info.get("as_of_date") or "", "data_version": info.get("data_version") or "",
        "created_at": created_at or dt.datetime.now().isoformat(timespec="seconds"), "created_by": created_by,
        "topics": [topics[k] for k in AGENDA],
    }


def topic_of(snapshot: dict, key: str) -> dict:
    """The topic ``key`` of a snapshot."""
    for t in snapshot["topics"]:
        if t["key"] == key:
            return t
    raise KeyError(key)
