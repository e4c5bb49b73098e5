"""The deterministic sample plant: operations first, then every voucher by the posting rules.

``generate(SampleConfig(as_of=date(2026, 11, 22)))`` returns one DataFrame per contract table.
The same seed, scale and as-of date always give the same rows. Everything is vectorized with
numpy so that ``scale=50`` (about 10 million voucher lines) builds in minutes, not hours.

How the plant is made (details and the planted stories in ``docs/SAMPLE_DATA.md``):

1. Each work center runs a timeline of work-order *slots* back to back from the start of history
   to the as-of date. A slot is: idle (no orders), setup, run, minor stops, run, breakdown, run,
   reduced speed, run, planned stop. Machine events are these segments.
2. Output, labor and material follow from the run minutes; sales orders, invoices and receipts
   from the completed orders; purchases from material consumption.
3. Vouchers are posted from those documents by ``POSTING_RULES`` (docs/DATA_MODEL.md), amounts in
   integer cents so that every voucher balances exactly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from data_loaders.schema import contract_fingerprint
from sample_data import master

MIN_PER_DAY = 1440.0


@dataclass(frozen=True)
class SampleConfig:
    """Settings of one sample build. ``scale=1`` gives about 5,000 work orders."""

    as_of: dt.date
    scale: float = 1.0
    seed: int = 20261122
    months: int = 25

    def __post_init__(self):
        if self.scale <= 0:
            raise ValueError(f"scale must be positive, got {self.scale}")
        if self.months < 3:
            raise ValueError(f"months must be at least 3, got {self.months}")


@dataclass(frozen=True)
class PlantedStories:
    """When and where the planted findings happen; derived from the as-of date."""

    breakdown_wc: str
    breakdown_month: str
    price_rise_supplier: str
    price_rise_month: str
    late_customer: str
    late_from_month: str
    overspend_cost_center: str
    overspend_account: str
    overspend_from_month: str
    manual_voucher_period: str


def _month_str(ts) -> str:
    return pd.Timestamp(ts).strftime("%Y-%m")


def stories_for(cfg: SampleConfig) -> PlantedStories:
    as_of = pd.Timestamp(cfg.as_of)
    m = lambda k: _month_str(as_of - pd.DateOffset(months=k))  # noqa: E731
    return PlantedStories(
        breakdown_wc="WC-INJ2",
        breakdown_month=m(5),
        price_rise_supplier="S03",
        price_rise_month=m(8),
        late_customer="C07",
        late_from_month=m(7),
        overspend_cost_center="P2-MNT",
        overspend_account="510103",
        overspend_from_month=m(6),
        manual_voucher_period=m(2),
    )


def history_start(cfg: SampleConfig) -> pd.Timestamp:
    return (pd.Timestamp(cfg.as_of) - pd.DateOffset(months=cfg.months - 1)).to_period("M").to_timestamp()


def _season(ts: np.ndarray) -> np.ndarray:
    """Demand index by calendar month: strong Q4 (heating season), weak around Spring Festival."""
    month = pd.DatetimeIndex(ts).month.to_numpy()
    table = np.array([0, 0.95, 0.70, 0.95, 1.0, 1.0, 0.95, 0.90, 0.95, 1.05, 1.15, 1.25, 1.20])
    return table[month]


def _seq_ids(prefix: str, n: int, width: int = 6) -> np.ndarray:
    width = max(width, len(str(n)))
    return (prefix + pd.Series(np.arange(1, n + 1)).astype(str).str.zfill(width)).to_numpy()


def _cents(x) -> np.ndarray:
    return np.round(np.asarray(x, dtype=float) * 100).astype(np.int64)


# --------------------------------------------------------------------------- timelines
SEGMENTS = ["idle", "setup", "running", "minor_stop", "running", "breakdown", "running", "reduced_speed", "running", "planned_stop"]
REASONS = {
    "idle": ["ID-NO-ORDER"],
    "setup": ["SU-CHANGEOVER", "SU-ADJUST"],
    "minor_stop": ["MS-JAM", "MS-SENSOR", "MS-MATERIAL"],
    "breakdown": ["BD-HYDRAULIC", "BD-ELECTRIC", "BD-MECHANICAL", "BD-TOOLING"],
    "reduced_speed": ["RS-WEAR", "RS-MATERIAL"],
    "planned_stop": ["PS-MAINTENANCE", "PS-CLEANING"],
}


def _timelines(cfg: SampleConfig, rng, routings: pd.DataFrame, stories: PlantedStories):
    """Work-order slots and machine events for every work center."""
    start = history_start(cfg)
    end = pd.Timestamp(cfg.as_of)
    span_min = (end - start) / pd.Timedelta(minutes=1)
    wcs = master.WORK_CENTERS.work_center_id.to_numpy()
    n_total = max(len(wcs) * 4, int(round(5000 * cfg.scale)))
    per_wc = np.full(len(wcs), n_total // len(wcs))
    per_wc[: n_total % len(wcs)] += 1

    wo_wc = np.repeat(wcs, per_wc)
    n = len(wo_wc)
    # slot lengths: lognormal, normalized per work center to fill history plus 1 %
    raw = rng.lognormal(0.0, 0.35, n)
    wc_sum = pd.Series(raw).groupby(wo_wc).transform("sum").to_numpy()
    slot = raw / wc_sum * span_min * 1.01
    slot_start_approx = pd.Series(slot).groupby(wo_wc).cumsum().to_numpy() - slot
    approx_ts = start + pd.to_timedelta(slot_start_approx, unit="min")
    season = _season(approx_ts)
    month = pd.DatetimeIndex(approx_ts).strftime("%Y-%m").to_numpy()

    dur = np.zeros((n, len(SEGMENTS)))
    dur[:, 0] = slot * np.clip(0.42 - 0.28 * (season - 0.7) / 0.55, 0.08, 0.5) * rng.uniform(0.6, 1.4, n)
    dur[:, 1] = rng.uniform(25, 110, n)
    dur[:, 3] = slot * rng.uniform(0.01, 0.04, n)
    dur[:, 5] = np.where(rng.random(n) < 0.35, rng.exponential(1.0, n) * 150.0 + 15, 0.0)
    # planted: in the breakdown month the machine is down for 20-35 % of every slot, at any scale
    spike = (wo_wc == stories.breakdown_wc) & (month == stories.breakdown_month)
    dur[:, 5] = np.where(spike, slot * rng.uniform(0.2, 0.35, n), dur[:, 5])
    dur[:, 7] = np.where(rng.random(n) < 0.4, rng.uniform(30, 240, n), 0.0)
    dur[:, 9] = np.where(rng.random(n) < 0.3, rng.uniform(60, 240, n), 0.0)
    other = dur.sum(axis=1)
    shrink = np.where(other > slot * 0.7, slot * 0.7 / np.maximum(other, 1e-9), 1.0)
    dur *= shrink[:, None]
    run_total = slot - dur.sum(axis=1)
    parts = rng.dirichlet([3, 2, 2, 2], n)
    for k, col in enumerate([2, 4, 6, 8]):
        dur[:, col] = run_total * parts[:, k]
    dur = np.round(dur, 1)

    # WO attributes
    prod_by_wc = routings.groupby("work_center_id").product_id.apply(list).to_dict()
    product = np.empty(n, dtype=object)
    for wc in wcs:
        mask = wo_wc == wc
        choices = prod_by_wc[wc]
        weights = rng.dirichlet(np.ones(len(choices)) * 2)
        product[mask] = rng.choice(choices, size=mask.sum(), p=weights)
    product = product.astype(str)

    # events: flatten, cumulative per work center
    flat = dur.reshape(-1)
    ev_wc = np.repeat(wo_wc, len(SEGMENTS))
    ev_end_min = pd.Series(flat).groupby(ev_wc).cumsum().to_numpy()
    ev_start_min = ev_end_min - flat
    ev_state = np.tile(np.array(SEGMENTS), n)
    ev_wo_idx = np.repeat(np.arange(n), len(SEGMENTS))
    keep = (flat > 0) & (ev_start_min < span_min)
    ev = pd.DataFrame(
        {
            "wo_idx": ev_wo_idx[keep],
            "work_center_id": ev_wc[keep],
            "state": ev_state[keep],
            "start_min": ev_start_min[keep],
            "end_min": np.minimum(ev_end_min[keep], span_min),
        }
    )
    # whole seconds, so that minutes derived from stored timestamps tie exactly
    ev["start_min"] = np.round(ev.start_min * 60) / 60
    ev["end_min"] = np.round(ev.end_min * 60) / 60
    ev["minutes"] = ev.end_min - ev.start_min
    ev = ev[ev.minutes > 0.05].reset_index(drop=True)
    return start, end, span_min, wo_wc, product, ev, rng.uniform(0.86, 0.99, n), rng.uniform(0.55, 0.8, n)


def _split_by_day(ev: pd.DataFrame, start: pd.Timestamp) -> pd.DataFrame:
    """Cut events at midnight so that day-level sums are exact; one row per event x day."""
    d0 = np.floor(ev.start_min.to_numpy() / MIN_PER_DAY).astype(int)
    d1 = np.floor((ev.end_min.to_numpy() - 1e-9) / MIN_PER_DAY).astype(int)
    reps = d1 - d0 + 1
    idx = np.repeat(np.arange(len(ev)), reps)
    offset = np.arange(len(idx)) - np.repeat(np.cumsum(reps) - reps, reps)
    day = d0[idx] + offset
    s = np.maximum(ev.start_min.to_numpy()[idx], day * MIN_PER_DAY)
    e = np.minimum(ev.end_min.to_numpy()[idx], (day + 1) * MIN_PER_DAY)
    out = ev.iloc[idx].reset_index(drop=True)
    out["day"] = start + pd.to_timedelta(day, unit="D")
    out["minutes"] = e - s
    return out


# --------------------------------------------------------------------------- posting
def _voucher_numbers(vtype: str, dates: pd.Series) -> np.ndarray:
    period = pd.DatetimeIndex(dates).strftime("%Y%m")
    order = pd.Series(np.arange(len(dates)))
    seq = order.groupby(np.asarray(period)).cumcount().to_numpy() + 1
    width = max(5, len(str(int(seq.max())))) if len(seq) else 5
    return (vtype + pd.Series(period, dtype=str) + "-" + pd.Series(seq).astype(str).str.zfill(width)).to_numpy()


def post(doc: pd.DataFrame, vtype: str, date_col: str, description: str, lines: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Post one voucher per document row.

    ``lines`` lists the voucher's lines; each is a dict with ``account`` (code, or a column
    name prefixed with ``@``), ``amount`` (a column of integer cents; positive means on the
    line's ``side``, negative flips it), ``side`` ('D' or 'C') and optional ``cost_center``,
    ``plant``, ``product``, ``work_order`` (column names), ``source`` (type, id column).
    Lines with a zero amount are dropped. Returns (vouchers, voucher_lines).
    """
    if doc.empty:
        return pd.DataFrame(), pd.DataFrame()
    doc = doc.reset_index(drop=True)
    dates = pd.to_datetime(doc[date_col])
    vno = _voucher_numbers(vtype, dates)
    period = dates.dt.strftime("%Y-%m").to_numpy()
    vouchers = pd.DataFrame(
        {
            "voucher_no": vno,
            "voucher_date": dates.dt.normalize().to_numpy(),
            "period": period,
            "voucher_type": vtype,
            "status": "posted",
            "plant_id": doc["plant_id"].to_numpy() if "plant_id" in doc else None,
            "description": (description + doc["_desc"]).to_numpy() if "_desc" in doc else description,
        }
    )
    frames = []
    for k, spec in enumerate(lines, start=1):
        amount = doc[spec["amount"]].to_numpy().astype(np.int64)
        debit_side = (spec["side"] == "D") == (amount >= 0)
        absval = np.abs(amount) / 100.0
        account = spec["account"]
        acc = doc[account[1:]].to_numpy() if account.startswith("@") else np.full(len(doc), account)

        def pick(key, spec=spec):
            name = spec.get(key)
            return doc[name].to_numpy() if name else None

        src = spec.get("source")
        frames.append(
            pd.DataFrame(
                {
                    "voucher_no": vno,
                    "line_no": k,
                    "period": period,
                    "account_code": acc,
                    "cost_center_id": pick("cost_center"),
                    "plant_id": pick("plant"),
                    "product_id": pick("product"),
                    "work_order_id": pick("work_order"),
                    "debit_amount": np.where(debit_side, absval, 0.0),
                    "credit_amount": np.where(debit_side, 0.0, absval),
                    "source_doc_type": src[0] if src else None,
                    "source_doc_id": doc[src[1]].to_numpy() if src else None,
                    "_amount": amount,
                }
            )
        )
    lines_df = pd.concat(frames, ignore_index=True)
    lines_df = lines_df[lines_df["_amount"] != 0].drop(columns="_amount")
    # renumber lines 1..n inside each voucher after dropping zero lines
    lines_df = lines_df.sort_values(["voucher_no", "line_no"], kind="stable")
    lines_df["line_no"] = lines_df.groupby("voucher_no").cumcount() + 1
    return vouchers, lines_df.reset_index(drop=True)


# --------------------------------------------------------------------------- the build
def generate(cfg: SampleConfig) -> dict[str, pd.DataFrame]:
    """Every contract table of the sample plant, keyed by table name."""
    rng = np.random.default_rng(cfg.seed)
    stories = stories_for(cfg)
    products, bom, routings = master.build_products(rng)
    wc_master = master.WORK_CENTERS.set_index("work_center_id")
    prod_master = products.set_index("product_id")
    start, end, span_min, wo_wc, wo_product, ev, speed, slow_speed = _timelines(cfg, rng, routings, stories)
    n = len(wo_wc)
    cycle = routings.set_index("product_id").ideal_cycle_min.reindex(wo_product).to_numpy()

    # ---- work orders from their events
    own = ev[ev.state.isin(["setup", "running", "minor_stop", "breakdown", "reduced_speed"])]
    first = own.groupby("wo_idx").start_min.min().reindex(range(n))
    last = own.groupby("wo_idx").end_min.max().reindex(range(n))
    has_events = first.notna().to_numpy()
    # a slot's own events past the as-of date mean the order is still running
    running_past = np.zeros(n, dtype=bool)
    cut_slot = ev.loc[ev.end_min >= span_min - 1e-6, "wo_idx"].to_numpy()
    running_past[cut_slot] = True
    status = np.where(running_past, "in_progress", "completed")

    ev_day = _split_by_day(ev, start)
    ev_day["speed"] = np.where(ev_day.state == "running", speed[ev_day.wo_idx], np.where(ev_day.state == "reduced_speed", slow_speed[ev_day.wo_idx], 0.0))
    ev_day["count_f"] = ev_day.minutes * ev_day.speed / cycle[ev_day.wo_idx]
    scrap_rate = rng.uniform(0.004, 0.03, n)
    per_day = (
        ev_day[~ev_day.state.isin(["idle", "planned_stop"])]
        .groupby(["wo_idx", "day"], sort=True)
        .agg(count_f=("count_f", "sum"))
        .reset_index()
    )
    mach = ev_day[ev_day.state.isin(["setup", "running", "minor_stop", "reduced_speed"])].groupby(["wo_idx", "day"]).minutes.sum()
    labor = ev_day[ev_day.state.isin(["setup", "running", "minor_stop", "reduced_speed", "breakdown"])].groupby(["wo_idx", "day"]).minutes.sum()
    key = pd.MultiIndex.from_frame(per_day[["wo_idx", "day"]])
    per_day["machine_min"] = mach.reindex(key).fillna(0).to_numpy()
    per_day["labor_min"] = labor.reindex(key).fillna(0).to_numpy()
    cum = per_day.groupby("wo_idx").count_f.cumsum()
    cum_int = np.floor(cum.to_numpy() + 1e-9)
    prev = pd.Series(cum_int).groupby(per_day.wo_idx.to_numpy()).shift(1).fillna(0).to_numpy()
    per_day["total_qty"] = cum_int - prev
    cum_scrap = np.round(cum_int * scrap_rate[per_day.wo_idx])
    prev_scrap = pd.Series(cum_scrap).groupby(per_day.wo_idx.to_numpy()).shift(1).fillna(0).to_numpy()
    per_day["scrap_qty"] = np.minimum(cum_scrap - prev_scrap, per_day.total_qty)
    per_day["good_qty"] = per_day.total_qty - per_day.scrap_qty
    per_day["rework_qty"] = np.floor(per_day.good_qty * rng.uniform(0, 0.01, len(per_day)))

    tot = per_day.groupby("wo_idx")[["good_qty", "scrap_qty", "total_qty"]].sum().reindex(range(n)).fillna(0)
    planned_full = np.maximum(1, np.round(tot.total_qty.to_numpy() * rng.uniform(0.97, 1.05, n)))
    start_ts = start + pd.to_timedelta(first.fillna(0).to_numpy(), unit="min")
    end_ts = start + pd.to_timedelta(last.fillna(0).to_numpy(), unit="min")
    order = np.lexsort((wo_wc, start_ts.to_numpy()))
    year = pd.DatetimeIndex(start_ts).year.to_numpy()
    wo_id = np.empty(n, dtype=object)
    for y in np.unique(year):
        idx = order[year[order] == y]
        wo_id[idx] = _seq_ids(f"WO-{y}-", len(idx), 5)
    wo_id = wo_id.astype(str)
    wo_plant = wc_master.plant_id.reindex(wo_wc).to_numpy()
    planned_start = (start_ts.normalize() + pd.to_timedelta(rng.integers(-2, 2, n), unit="D"))
    planned_end = planned_start + pd.to_timedelta(np.ceil(planned_full * cycle / 0.8 / 1300).astype(int) + 1, unit="D")
    # a slot with no output before the as-of date never became a work order
    valid = has_events & (tot.total_qty.to_numpy() > 0)
    # in-progress orders are planned at their full size
    planned_full = np.where(status == "in_progress", np.maximum(planned_full, np.round(planned_full * 1.4)), planned_full)

    work_orders = pd.DataFrame(
        {
            "work_order_id": wo_id,
            "plant_id": wo_plant,
            "product_id": wo_product,
            "work_center_id": wo_wc,
            "planned_qty": planned_full,
            "completed_qty": tot.good_qty.to_numpy(),
            "scrap_qty": tot.scrap_qty.to_numpy(),
            "planned_start_date": planned_start,
            "planned_end_date": planned_end,
            "actual_start_at": start_ts.floor("s"),
            "actual_end_at": pd.Series(end_ts.floor("s")).where(status == "completed").to_numpy(),
            "status": status,
        }
    )
    keep_wo = valid
    work_orders = work_orders[keep_wo].reset_index(drop=True)
    wo_index_map = pd.Series(np.arange(n))[keep_wo].to_numpy()
    idx_to_id = pd.Series(wo_id, index=np.arange(n))

    # ---- machine events (slots that never started still show their idle time)
    events = ev.copy()
    events["work_order_id"] = np.where(events.state.isin(["idle", "planned_stop"]), None, idx_to_id.reindex(events.wo_idx).to_numpy())
    events.loc[~pd.Series(keep_wo)[events.wo_idx].to_numpy(), "work_order_id"] = None
    events["start_at"] = start + pd.to_timedelta(np.round(events.start_min * 60).astype(np.int64), unit="s")
    events["end_at"] = start + pd.to_timedelta(np.round(events.end_min * 60).astype(np.int64), unit="s")
    events = events[events.end_at > events.start_at].reset_index(drop=True)
    events["reason_code"] = _reasons(events.state.to_numpy(), rng)
    events["event_id"] = _seq_ids("EV", len(events), 8)
    machine_events = events[["event_id", "work_center_id", "work_order_id", "start_at", "end_at", "state", "reason_code"]]

    # ---- calendar: planned production = calendar minus planned stops and no-order idle time
    cal = ev_day.assign(stop=np.where(ev_day.state.isin(["idle", "planned_stop"]), ev_day.minutes, 0.0))
    cal = cal.groupby(["work_center_id", "day"]).agg(stop=("stop", "sum"), covered=("minutes", "sum")).reset_index()
    cal = cal[cal.day < end]
    cal["planned_stop_min"] = np.round(cal.stop + (MIN_PER_DAY - cal.covered).clip(lower=0), 1)
    cal["planned_production_min"] = np.round(MIN_PER_DAY - cal.planned_stop_min, 1)
    work_center_calendar = pd.DataFrame(
        {
            "work_center_id": cal.work_center_id,
            "calendar_date": cal.day,
            "shift_count": 3,
            "planned_production_min": cal.planned_production_min,
            "planned_stop_min": cal.planned_stop_min,
        }
    )

    # ---- output counts (one per work order x day with machine time)
    out = per_day[pd.Series(keep_wo)[per_day.wo_idx].to_numpy()].reset_index(drop=True)
    out = out[out.day < end].reset_index(drop=True)
    out["work_order_id"] = idx_to_id.reindex(out.wo_idx).to_numpy()
    out["work_center_id"] = wo_wc[out.wo_idx]
    out["output_id"] = _seq_ids("OUT", len(out), 8)
    output_counts = out[["output_id", "work_order_id", "work_center_id"]].assign(
        count_date=out.day, good_qty=out.good_qty, scrap_qty=out.scrap_qty, rework_qty=out.rework_qty
    )

    # ---- labor logs: each crew member, each work order x day
    crew = wc_master.crew.reindex(wo_wc).to_numpy()
    lab = out[out.labor_min > 0]
    reps = crew[lab.wo_idx]
    lab = lab.loc[lab.index.repeat(reps)].reset_index(drop=True)
    member = lab.groupby(["wo_idx", "day"]).cumcount() + 1
    wc_num = pd.Series(np.arange(len(master.WORK_CENTERS)), index=master.WORK_CENTERS.work_center_id)
    lab_wc = wo_wc[lab.wo_idx]
    emp_premium = np.array([0.0, -0.04, 0.03, 0.06])[member.to_numpy() % 4]
    years_in = (pd.DatetimeIndex(lab.day).year - start.year).to_numpy()
    base_rate = wc_master.labor_rate_per_h.reindex(lab_wc).to_numpy()
    rate = np.round(base_rate * (1 + emp_premium) * (1.03 ** years_in), 2)
    hours = np.round(lab.labor_min.to_numpy() / 60.0, 4)
    labor_logs = pd.DataFrame(
        {
            "labor_log_id": _seq_ids("LB", len(lab), 8),
            "work_order_id": lab.work_order_id.to_numpy(),
            "work_center_id": lab_wc,
            "work_date": lab.day.to_numpy(),
            "employee_id": ("E" + pd.Series(wc_num.reindex(lab_wc).to_numpy() + 1).astype(str).str.zfill(2) + "-" + member.astype(str)).to_numpy(),
            "hours": hours,
            "rate_per_h": rate,
        }
    )
    labor_logs = labor_logs[labor_logs.hours > 0].reset_index(drop=True)

    # ---- material issues and returns
    wo = work_orders.assign(wo_idx=wo_index_map)
    wo["total_qty"] = wo.completed_qty + wo.scrap_qty
    mi = wo.merge(bom, on="product_id")
    mats = master.MATERIALS.set_index("material_id")
    mi["supplier_id"] = mats.supplier_id.reindex(mi.material_id).to_numpy()
    mi["issue_date"] = pd.to_datetime(mi.actual_start_at).dt.normalize()
    issue_month = mi.issue_date.dt.strftime("%Y-%m")
    months_in = ((mi.issue_date - start).dt.days / 30.4).to_numpy()
    price_index = 1 + 0.001 * months_in + rng.normal(0, 0.01, len(mi))
    price_index = np.where((mi.supplier_id == stories.price_rise_supplier) & (issue_month >= stories.price_rise_month), price_index * 1.18, price_index)
    mi["unit_cost"] = np.round(mats.std_price.reindex(mi.material_id).to_numpy() * price_index, 4)
    waste = rng.uniform(-0.005, 0.045, len(mi))
    need = mi.qty_per_unit * mi.total_qty * (1 + waste)
    issue_qty = np.round(mi.qty_per_unit * mi.planned_qty * 1.02, 3)
    issue_qty = np.where(mats.unit.reindex(mi.material_id).to_numpy() == "kg", issue_qty, np.ceil(issue_qty))
    mi["qty"] = issue_qty
    mi["issue_type"] = "issue"
    completed_mask = (mi.status == "completed").to_numpy()
    back = np.round(issue_qty - need, 3)
    back = np.where(mats.unit.reindex(mi.material_id).to_numpy() == "kg", back, np.floor(back))
    ret = mi[completed_mask & (back > 0)].copy()
    ret["qty"] = back[completed_mask & (back > 0)]
    ret["issue_type"] = "return"
    ret["issue_date"] = pd.to_datetime(ret.actual_end_at).dt.normalize()
    extra = mi[completed_mask & (back < 0)].copy()
    extra["qty"] = -back[completed_mask & (back < 0)]
    extra["issue_type"] = "issue"
    extra["issue_date"] = (pd.to_datetime(extra.actual_start_at) + (pd.to_datetime(extra.actual_end_at) - pd.to_datetime(extra.actual_start_at)) / 2).dt.normalize()
    moves = pd.concat([mi, extra, ret], ignore_index=True)
    moves = moves[(moves.qty > 0) & (moves.issue_date < end)].sort_values(["issue_date", "work_order_id", "material_id"], kind="stable").reset_index(drop=True)
    moves["material_issue_id"] = _seq_ids("MI", len(moves), 8)
    material_issues = moves[["material_issue_id", "work_order_id", "material_id", "issue_date", "issue_type", "qty", "unit_cost"]]

    # ---- sales orders, invoices, receipts (make to order: one sales order per work order)
    cust = master.CUSTOMERS
    cust_w = rng.dirichlet(np.ones(len(cust)) * 1.5)
    so = wo[["work_order_id", "product_id", "plant_id", "planned_qty", "planned_start_date", "planned_end_date", "status", "completed_qty", "actual_end_at"]].copy()
    so["customer_id"] = rng.choice(cust.customer_id.to_numpy(), size=len(so), p=cust_w)
    so["sales_order_id"] = so.work_order_id.str.replace("WO-", "SO-", regex=False)
    so["order_date"] = pd.to_datetime(so.planned_start_date) - pd.to_timedelta(rng.integers(5, 21, len(so)), unit="D")
    so["due_date"] = pd.to_datetime(so.planned_end_date) + pd.to_timedelta(rng.integers(3, 15, len(so)), unit="D")
    list_price = prod_master.list_price.reindex(so.product_id).to_numpy()
    months_so = ((so.order_date - start).dt.days / 30.4).to_numpy()
    so["unit_price"] = np.round(list_price * (1 - rng.uniform(0, 0.08, len(so))) * (1 + 0.0015 * months_so), 4)
    so["qty"] = so.planned_qty
    so["so_status"] = np.where(so.status == "completed", "invoiced", "open")
    sales_orders = so[["sales_order_id", "customer_id", "product_id", "plant_id", "order_date", "due_date", "qty", "unit_price"]].assign(status=so.so_status)
    work_orders["sales_order_id"] = work_orders.work_order_id.str.replace("WO-", "SO-", regex=False)

    inv = so[(so.status == "completed") & (so.completed_qty > 0)].copy()
    inv["invoice_date"] = (pd.to_datetime(inv.actual_end_at).dt.normalize() + pd.to_timedelta(rng.integers(1, 6, len(inv)), unit="D"))
    inv = inv[inv.invoice_date < end].copy()
    terms = cust.set_index("customer_id").payment_terms_days
    inv["due_date"] = inv.invoice_date + pd.to_timedelta(terms.reindex(inv.customer_id).to_numpy(), unit="D")
    inv["qty"] = inv.completed_qty
    inv["gross_amount"] = np.round(inv.qty * prod_master.list_price.reindex(inv.product_id).to_numpy(), 2)
    inv["net_amount"] = np.round(inv.qty * inv.unit_price, 2)
    inv["invoice_type"] = "invoice"
    # credit notes: about 2 % of invoices come back in part
    cn = inv[rng.random(len(inv)) < 0.02].copy()
    cn["qty"] = -np.maximum(1, np.round(cn.qty * rng.uniform(0.05, 0.25, len(cn))))
    cn["gross_amount"] = np.round(cn.qty * prod_master.list_price.reindex(cn.product_id).to_numpy(), 2)
    cn["net_amount"] = np.round(cn.qty * cn.unit_price, 2)
    cn["invoice_date"] = cn.invoice_date + pd.to_timedelta(rng.integers(10, 40, len(cn)), unit="D")
    cn["due_date"] = cn.invoice_date
    cn = cn[cn.invoice_date < end]
    invoices = pd.concat([inv, cn], ignore_index=True).sort_values("invoice_date", kind="stable").reset_index(drop=True)
    invoices["invoice_id"] = _seq_ids("INV", len(invoices), 7)
    invoices["discount_amount"] = np.round(invoices.gross_amount - invoices.net_amount, 2)
    sales_invoices = invoices[["invoice_id", "sales_order_id", "customer_id", "product_id", "plant_id", "invoice_date", "due_date", "qty", "gross_amount", "discount_amount", "net_amount"]]

    delay_mean = pd.Series(rng.uniform(-3, 9, len(cust)), index=cust.customer_id)
    delay = rng.normal(delay_mean.reindex(invoices.customer_id).to_numpy(), 5)
    late = (invoices.customer_id == stories.late_customer) & (invoices.invoice_date.dt.strftime("%Y-%m") >= stories.late_from_month)
    delay = np.where(late, delay + 50, delay)
    delay = np.where(invoices.qty < 0, 15, delay)
    rec = invoices.assign(receipt_date=(invoices.due_date + pd.to_timedelta(np.round(delay), unit="D")))
    rec["receipt_date"] = rec[["receipt_date", "invoice_date"]].max(axis=1)
    rec = rec[rec.receipt_date < end].sort_values("receipt_date", kind="stable").reset_index(drop=True)
    rec["receipt_id"] = _seq_ids("RC", len(rec), 7)
    rec["bank_account_id"] = "BA-" + rec.plant_id
    rec["amount"] = rec.net_amount
    customer_receipts = rec[["receipt_id", "invoice_id", "customer_id", "bank_account_id", "receipt_date", "amount"]]

    # ---- purchases: monthly per material and plant, ahead of consumption
    mv = moves.assign(signed=np.where(moves.issue_type == "issue", moves.qty, -moves.qty), month=moves.issue_date.dt.to_period("M"))
    cons = mv.groupby(["material_id", "plant_id", "month"]).signed.sum().reset_index()
    cons = cons[cons.signed > 0]
    # plan horizon: next two months from the recent average
    recent = cons[cons.month >= (pd.Timestamp(end).to_period("M") - 3)].groupby(["material_id", "plant_id"]).signed.mean().reset_index()
    fut = []
    for k in (1, 2):
        f = recent.copy()
        f["month"] = pd.Timestamp(end).to_period("M") + k
        fut.append(f)
    cons = pd.concat([cons] + fut, ignore_index=True)
    po = cons.copy()
    po["supplier_id"] = mats.supplier_id.reindex(po.material_id).to_numpy()
    lead = mats.lead_time_days.reindex(po.material_id).to_numpy()
    po["expected_date"] = po.month.dt.to_timestamp() - pd.to_timedelta(rng.integers(1, 5, len(po)), unit="D")
    po["order_date"] = po.expected_date - pd.to_timedelta(lead, unit="D")
    po = po[(po.order_date < end) & (po.expected_date >= start)].copy()
    po_month = po.order_date.dt.strftime("%Y-%m")
    pidx = 1 + 0.001 * ((po.order_date - start).dt.days / 30.4).to_numpy() + rng.normal(0, 0.008, len(po))
    pidx = np.where((po.supplier_id == stories.price_rise_supplier) & (po_month >= stories.price_rise_month), pidx * 1.18, pidx)
    po["unit_price"] = np.round(mats.std_price.reindex(po.material_id).to_numpy() * pidx, 4)
    po["qty"] = np.round(po.signed * rng.uniform(0.97, 1.08, len(po)), 0)
    po["status"] = np.where(po.expected_date < end, "received", "open")
    po["cost_center_id"] = po.plant_id + "-PRD"
    po["account_code"] = "1403"  # materials are bought into inventory
    po = po.sort_values("order_date", kind="stable").reset_index(drop=True)
    po["purchase_order_id"] = _seq_ids("PO", len(po), 6)
    purchase_orders = po[["purchase_order_id", "supplier_id", "material_id", "plant_id", "cost_center_id", "account_code", "order_date",
                          "expected_date", "qty", "unit_price", "status"]]

    sinv = po[po.status == "received"].copy().sort_values("expected_date", kind="stable").reset_index(drop=True)
    sterms = master.SUPPLIERS.set_index("supplier_id").payment_terms_days
    sinv["invoice_date"] = sinv.expected_date
    sinv["due_date"] = sinv.invoice_date + pd.to_timedelta(sterms.reindex(sinv.supplier_id).to_numpy(), unit="D")
    sinv["amount"] = np.round(sinv.qty * sinv.unit_price, 2)
    sinv["supplier_invoice_id"] = _seq_ids("PI", len(sinv), 6)
    supplier_invoices = sinv[["supplier_invoice_id", "purchase_order_id", "supplier_id", "invoice_date", "due_date", "qty", "amount"]]
    pay = sinv.assign(payment_date=sinv.due_date + pd.to_timedelta(np.round(rng.normal(2, 3, len(sinv))), unit="D"))
    pay = pay[pay.payment_date < end].sort_values("payment_date", kind="stable").reset_index(drop=True)
    pay["payment_id"] = _seq_ids("PY", len(pay), 6)
    pay["bank_account_id"] = "BA-" + pay.plant_id
    supplier_payments = pay[["payment_id", "supplier_invoice_id", "supplier_id", "bank_account_id", "payment_date", "amount"]]

    # ---- production plan: 13 weeks from the Monday after the as-of date
    recent_out = output_counts.merge(work_orders[["work_order_id", "product_id", "plant_id"]], on="work_order_id")
    recent_out = recent_out[pd.to_datetime(recent_out.count_date) >= end - pd.Timedelta(days=91)]
    weekly = recent_out.groupby(["product_id", "plant_id", "work_center_id"]).good_qty.sum().reset_index()
    weekly["good_qty"] = weekly.good_qty / 13.0
    monday = end + pd.Timedelta(days=(7 - end.weekday()) % 7 or 7)
    plan_rows = []
    for w in range(13):
        wk = monday + pd.Timedelta(weeks=w)
        f = weekly.copy()
        f["week_start_date"] = wk
        f["planned_qty"] = np.round(f.good_qty * _season(np.array([wk.to_datetime64()]))[0] * rng.uniform(0.85, 1.15, len(f)))
        plan_rows.append(f)
    plan = pd.concat(plan_rows, ignore_index=True)
    plan = plan[plan.planned_qty > 0].reset_index(drop=True)
    plan["plan_id"] = _seq_ids("PL", len(plan), 5)
    production_plan = plan[["plan_id", "plant_id", "product_id", "work_center_id", "week_start_date", "planned_qty"]]

    # ---- the ledger
    tables = {
        "plants": master.PLANTS,
        "cost_centers": master.COST_CENTERS,
        "work_centers": _with_denominator(master.WORK_CENTERS.drop(columns=["crew"]), work_orders, machine_events, start, end),
        "work_center_calendar": work_center_calendar,
        "products": products.drop(columns=["plant_id"]),
        "suppliers": master.SUPPLIERS,
        "customers": master.CUSTOMERS,
        "materials": master.MATERIALS.drop(columns=["families"]),
        "bom": bom,
        "routings": routings,
        "accounts": master.ACCOUNTS,
        "bank_accounts": master.BANK_ACCOUNTS,
        "loss_classes": master.LOSS_CLASSES,
        "sales_orders": sales_orders,
        "work_orders": work_orders,
        "material_issues": material_issues,
        "labor_logs": labor_logs,
        "machine_events": machine_events,
        "output_counts": output_counts,
        "sales_invoices": sales_invoices,
        "customer_receipts": customer_receipts,
        "purchase_orders": purchase_orders,
        "supplier_invoices": supplier_invoices,
        "supplier_payments": supplier_payments,
        "production_plan": production_plan,
    }
    from sample_data.posting import build_sales_budgets, post_ledger

    ledger = post_ledger(tables, cfg, stories, rng)
    ledger["sales_budgets"] = build_sales_budgets(tables, cfg)
    info_extra = ledger.pop("_info_extra")
    tables.update(ledger)
    info = pd.DataFrame(
        {
            "info_key": ["source", "as_of_date", "history_start", "seed", "scale", "currency", "contract_version"],
            "info_value": ["sample", cfg.as_of.isoformat(), start.date().isoformat(), str(cfg.seed), str(cfg.scale), master.CURRENCY,
                           contract_fingerprint()],
        }
    )
    tables["dataset_info"] = pd.concat([info, info_extra], ignore_index=True)
    return tables


def _with_denominator(work_centers: pd.DataFrame, work_orders: pd.DataFrame, events: pd.DataFrame, start, end) -> pd.DataFrame:
    """The denominator level of each work center: the machine hours its completed orders held in
    an average closed month, to whole hours (the level its fixed overhead rate is set for)."""
    from sample_data.posting import machine_seconds

    done = work_orders[work_orders.status == "completed"]
    secs = machine_seconds(events).reindex(done.work_order_id).fillna(0.0).to_numpy()
    closed = max(len([m for m in pd.period_range(start, end, freq="M") if m.end_time < end]), 1)
    hours = pd.Series(secs / 3600.0, index=done.work_center_id.to_numpy()).groupby(level=0).sum() / closed
    return work_centers.assign(denominator_h_per_month=hours.reindex(work_centers.work_center_id).fillna(0.0).round(0).to_numpy())


def _reasons(states: np.ndarray, rng) -> np.ndarray:
    out = np.full(len(states), None, dtype=object)
    for state, codes in REASONS.items():
        mask = states == state
        out[mask] = rng.choice(codes, size=mask.sum())
    return out
