"""The deterministic sample plant: operations first, then every voucher by the posting rules.

``generate(SampleConfig(as_of=date(2026, 11, 22)))`` returns one DataFrame per contract table.
The same seed, scale and as-of date always give the same rows.

How the plant is made (details and the planted stories in ``docs/SAMPLE_DATA.md``):

1. The plant grows with the scale (``master.layout``): ``round(scale)`` line sets of 12 work
   centers, each work center carrying about the orders it carries at scale 1.
2. Each work center runs a timeline of work-order *slots* back to back from the start of history
   to the as-of date. A slot is: idle (no orders), setup, run, minor stops, run, breakdown, run,
   reduced speed, run, planned stop. Machine events are these segments.
3. Output, labor and material follow from the run minutes; sales orders, invoices and receipts
   from the completed orders; purchases from material consumption.
4. Vouchers are posted from those documents by ``POSTING_RULES`` (docs/DATA_MODEL.md), amounts in
   integer cents so that every voucher balances exactly.

Everything is vectorized numpy: per work center or per month loops at most, never per row.
Entities are integer codes (into the master tables) until a table is assembled, and text is
made by ``sample_data.arrays`` in one pass, so scale 70 (about 13 million voucher lines) is
generated in about 20 s.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from data_loaders.memory import release_memory
from data_loaders.schema import contract_fingerprint, ledger_balances
from sample_data import master
from sample_data.arrays import Coded, fixed, frame, rank, seq_ids, table, to_frame, values

MIN_PER_DAY = 1440.0


@dataclass(frozen=True)
class SampleConfig:
    """Settings of one sample build. ``scale=1`` gives about 5,000 work orders; a larger scale
    grows the plant in proportion (``master.line_sets``)."""

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


def _cents(x) -> np.ndarray:
    return np.round(np.asarray(x, dtype=float) * 100).astype(np.int64)


def _month_code(s: str) -> int:
    """'2026-06' -> months since year 0 (comparable like the text)."""
    return int(s[:4]) * 12 + int(s[5:7]) - 1


# --------------------------------------------------------------------------- calendar
@dataclass(frozen=True)
class Calendar:
    """Days are integers from the start of history; ``n_hist`` days lie before the as-of date."""

    start: pd.Timestamp
    end: pd.Timestamp
    n_days: int
    month_of_day: np.ndarray  # month code of each day
    year_of_day: np.ndarray

    @property
    def n_hist(self) -> int:
        return (self.end - self.start).days

    def dates(self, days) -> np.ndarray:
        return (self.start.to_datetime64().astype("datetime64[D]") + np.asarray(days).astype("timedelta64[D]")).astype("datetime64[ns]")

    def day(self, ts) -> np.ndarray:
        """Day index of timestamps (midnight or later on that day)."""
        ts = np.asarray(ts, dtype="datetime64[ns]")
        return ((ts - self.start.to_datetime64()) // np.timedelta64(1, "D")).astype(np.int64)

    def periods(self) -> pa.Array:
        """'YYYY-MM' of month codes 0..max (index by month code - first code)."""
        first = int(self.month_of_day[0])
        last = int(self.month_of_day[-1])
        return values([f"{c // 12:04d}-{c % 12 + 1:02d}" for c in range(first, last + 1)])


def _calendar(start: pd.Timestamp, end: pd.Timestamp, extra_days: int) -> Calendar:
    n_days = (end - start).days + extra_days
    idx = pd.date_range(start, periods=n_days, freq="D")
    return Calendar(start, end, n_days, (idx.year * 12 + idx.month - 1).to_numpy().astype(np.int64), idx.year.to_numpy())


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
STATES = ["idle", "setup", "running", "minor_stop", "breakdown", "reduced_speed", "planned_stop"]
IDLE, SETUP, RUNNING, MINOR, BREAKDOWN, REDUCED, PLANNED = range(len(STATES))
_SEG_STATE = np.array([STATES.index(s) for s in SEGMENTS], dtype=np.int8)
_MACHINE_STATES = np.array([SETUP, RUNNING, MINOR, REDUCED])  # the machine is held by the order


@dataclass
class Events:
    """Machine events in work-order order (each slot's segments in time order)."""

    wo_idx: np.ndarray
    wc: np.ndarray
    state: np.ndarray
    start_min: np.ndarray
    end_min: np.ndarray

    @property
    def minutes(self) -> np.ndarray:
        return self.end_min - self.start_min


def _timelines(cfg: SampleConfig, rng, n_wc: int, prods_of_wc: list[np.ndarray], breakdown_wc: int, breakdown_month: int,
               start: pd.Timestamp, end: pd.Timestamp):
    """Work-order slots and machine events for every work center."""
    span_min = (end - start) / pd.Timedelta(minutes=1)
    n_total = max(n_wc * 4, int(round(5000 * cfg.scale)))
    per_wc = np.full(n_wc, n_total // n_wc)
    per_wc[: n_total % n_wc] += 1

    wo_wc = np.repeat(np.arange(n_wc), per_wc)
    n = len(wo_wc)
    # slot lengths: lognormal, normalized per work center to fill history plus 1 %
    raw = rng.lognormal(0.0, 0.35, n)
    wc_sum = pd.Series(raw).groupby(wo_wc).transform("sum").to_numpy()
    slot = raw / wc_sum * span_min * 1.01
    slot_start_approx = pd.Series(slot).groupby(wo_wc).cumsum().to_numpy() - slot
    approx_ts = pd.DatetimeIndex(start + pd.to_timedelta(slot_start_approx, unit="min"))
    season = _season(approx_ts)
    month = (approx_ts.year * 12 + approx_ts.month - 1).to_numpy()

    dur = np.zeros((n, len(SEGMENTS)))
    dur[:, 0] = slot * np.clip(0.42 - 0.28 * (season - 0.7) / 0.55, 0.08, 0.5) * rng.uniform(0.6, 1.4, n)
    dur[:, 1] = rng.uniform(25, 110, n)
    dur[:, 3] = slot * rng.uniform(0.01, 0.04, n)
    dur[:, 5] = np.where(rng.random(n) < 0.35, rng.exponential(1.0, n) * 150.0 + 15, 0.0)
    # planted: in the breakdown month the machine is down for 20-35 % of every slot, at any scale
    spike = (wo_wc == breakdown_wc) & (month == breakdown_month)
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

    # each work center makes its own products, with its own mix
    product = np.empty(n, dtype=np.int64)
    bounds = np.concatenate([[0], np.cumsum(per_wc)])
    for w in range(n_wc):
        choices = prods_of_wc[w]
        weights = rng.dirichlet(np.ones(len(choices)) * 2)
        product[bounds[w]:bounds[w + 1]] = choices[rng.choice(len(choices), size=int(per_wc[w]), p=weights)]

    # events: flatten, cumulative per work center
    flat = dur.reshape(-1)
    del dur
    ev_wc = np.repeat(wo_wc, len(SEGMENTS))
    ev_end = pd.Series(flat).groupby(ev_wc).cumsum().to_numpy()
    ev_start = ev_end - flat
    keep = (flat > 0) & (ev_start < span_min)
    seg = np.tile(np.arange(len(SEGMENTS), dtype=np.int8), n)[keep]
    wo_idx = np.repeat(np.arange(n, dtype=np.int64), len(SEGMENTS))[keep]
    # whole seconds, so that minutes derived from stored timestamps tie exactly
    s = np.round(ev_start[keep] * 60) / 60
    e = np.round(np.minimum(ev_end[keep], span_min) * 60) / 60
    ok = (e - s) > 0.05
    ev = Events(wo_idx[ok], ev_wc[keep][ok].astype(np.int32), _SEG_STATE[seg[ok]], s[ok], e[ok])
    return span_min, wo_wc, product, ev, rng.uniform(0.86, 0.99, n), rng.uniform(0.55, 0.8, n)


def _split_by_day(ev: Events):
    """Cut events at midnight so that day-level sums are exact: (event row, day, minutes) per event x day."""
    d0 = np.floor(ev.start_min / MIN_PER_DAY).astype(np.int64)
    d1 = np.floor((ev.end_min - 1e-9) / MIN_PER_DAY).astype(np.int64)
    reps = d1 - d0 + 1
    idx = np.repeat(np.arange(len(reps)), reps)
    offset = np.arange(len(idx)) - np.repeat(np.cumsum(reps) - reps, reps)
    day = d0[idx] + offset
    s = np.maximum(ev.start_min[idx], day * MIN_PER_DAY)
    e = np.minimum(ev.end_min[idx], (day + 1) * MIN_PER_DAY)
    return idx, day, e - s


def _group_sum(key: np.ndarray, cols: dict[str, np.ndarray]) -> pd.DataFrame:
    """Sums per integer key, sorted by key (pandas' compensated sums, as the figures always were)."""
    return pd.DataFrame({"k": key, **cols}).groupby("k", sort=True).sum()


def _first_in_group(sorted_keys: np.ndarray) -> np.ndarray:
    """True where a run of equal keys starts."""
    out = np.ones(len(sorted_keys), dtype=bool)
    out[1:] = sorted_keys[1:] != sorted_keys[:-1]
    return out


def _cumcount(sorted_keys: np.ndarray) -> np.ndarray:
    """0, 1, 2 … inside each run of equal keys."""
    starts = np.flatnonzero(_first_in_group(sorted_keys))
    lengths = np.diff(np.append(starts, len(sorted_keys)))
    return np.arange(len(sorted_keys)) - np.repeat(starts, lengths)


def _shift_in_group(x: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    """The previous value in the same group (0 for a group's first row)."""
    prev = np.empty_like(x)
    prev[0:1] = 0
    prev[1:] = x[:-1]
    prev[_first_in_group(sorted_keys)] = 0
    return prev


# --------------------------------------------------------------------------- documents passed to posting
@dataclass
class Plant:
    """The generated plant as integer codes, for posting (``sample_data.posting``)."""

    cal: Calendar
    lay: master.Layout
    products: pd.DataFrame
    plant_ids: pa.Array
    cc_ids: pa.Array
    product_ids: pa.Array
    wc_plant: np.ndarray
    wc_cc: np.ndarray
    wc_rate: np.ndarray  # machine + overhead rate per hour
    prod_std: np.ndarray  # standard unit cost
    # kept work orders
    wo_ids: pa.Array
    wo_wc: np.ndarray
    wo_prod: np.ndarray
    wo_completed: np.ndarray
    wo_end_day: np.ndarray
    wo_good: np.ndarray
    wo_machine_secs: np.ndarray
    # material moves (the material_issues table)
    mi_ids: pa.Array
    mi_wo: np.ndarray
    mi_day: np.ndarray
    mi_return: np.ndarray
    mi_qty: np.ndarray
    mi_unit_cost: np.ndarray
    # labor logs
    lb_ids: pa.Array
    lb_wo: np.ndarray
    lb_day: np.ndarray
    lb_hours: np.ndarray
    lb_rate: np.ndarray
    # sales invoices and receipts
    inv_ids: pa.Array
    inv_cust: np.ndarray
    inv_plant: np.ndarray
    inv_prod: np.ndarray
    inv_day: np.ndarray
    inv_qty: np.ndarray
    inv_net: np.ndarray
    rc_ids: pa.Array
    rc_inv: np.ndarray
    rc_day: np.ndarray
    rc_amount: np.ndarray
    customer_ids: pa.Array
    extra: dict = field(default_factory=dict)


def _ids_by_year(prefix: str, year: np.ndarray, seq: np.ndarray, width: dict[int, int]) -> pa.Array:
    """``{prefix}{year}-{seq}`` with each year's own width, in the rows' order."""
    pieces, where = [], []
    for y in np.unique(year):
        pos = np.flatnonzero(year == y)
        pieces.append(fixed(f"{prefix}{y}-", (seq[pos], width[int(y)]), n=len(pos)))
        where.append(pos)
    if not pieces:
        return pa.array([], type=pa.large_string())
    order = np.concatenate(where)
    inverse = np.empty(len(order), dtype=np.int64)
    inverse[order] = np.arange(len(order))
    return pa.concat_arrays(pieces).take(pa.array(inverse))


# --------------------------------------------------------------------------- the build
def generate(cfg: SampleConfig) -> dict[str, pd.DataFrame]:
    """Every contract table of the sample plant, keyed by table name (text as pandas ``str``)."""
    return {name: to_frame(t) for name, t in generate_tables(cfg).items()}


def generate_tables(cfg: SampleConfig) -> dict[str, pd.DataFrame | pa.Table]:
    """Every contract table of the sample plant: the large ones as Arrow tables whose repeated
    text (accounts, periods, work centers …) is dictionary-encoded, the small ones as DataFrames.
    What the build loads (``sample_data.build``); ``generate`` is the same as DataFrames."""
    *_, tables = generate_parts(cfg)
    return tables


def generate_parts(cfg: SampleConfig) -> Iterator[dict[str, pd.DataFrame | pa.Table]]:
    """``generate_tables`` in two steps: first the plant's tables that the ledger posting does not
    change (every one but the ledger's, ``purchase_orders`` and ``dataset_info``, about 40 % of the
    generator's time), then every table, as ``generate_tables`` returns them (the same rows: the
    random draws come in the same order). The sample build stores the first while the second is
    being generated (``sample_data.build``)."""
    rng = np.random.default_rng(cfg.seed)
    stories = stories_for(cfg)
    lay = master.layout(master.line_sets(cfg.scale))
    products, bom, routings = master.build_products(rng, lay)
    start, end = history_start(cfg), pd.Timestamp(cfg.as_of)
    cal = _calendar(start, end, extra_days=40)

    W = lay.work_centers
    n_wc = len(W)
    wc_ids = values(W.work_center_id)
    wc_rank = rank(W.work_center_id)
    plant_ids = values(lay.plants.plant_id)
    plant_rank = rank(lay.plants.plant_id)
    plant_code = {p: i for i, p in enumerate(lay.plants.plant_id)}
    cc_ids = values(lay.cost_centers.cost_center_id)
    cc_code = {c: i for i, c in enumerate(lay.cost_centers.cost_center_id)}
    wc_plant = W.plant_id.map(plant_code).to_numpy()
    wc_cc = W.cost_center_id.map(cc_code).to_numpy()
    wc_code = {w: i for i, w in enumerate(W.work_center_id)}
    product_ids = values(products.product_id)
    prod_rank = rank(products.product_id)
    routing = routings.set_index("product_id")
    prod_wc = routing.work_center_id.reindex(products.product_id).map(wc_code).to_numpy()
    prod_cycle = routing.ideal_cycle_min.reindex(products.product_id).to_numpy()
    prod_list = products.list_price.to_numpy()
    prod_std = (products.std_material_cost + products.std_labor_cost + products.std_overhead_cost).to_numpy()
    prod_code = {p: i for i, p in enumerate(products.product_id)}
    route_prod = routings.product_id.map(prod_code).to_numpy()
    route_wc = routings.work_center_id.map(wc_code).to_numpy()
    prods_of_wc = [route_prod[route_wc == w] for w in range(n_wc)]

    span_min, wo_wc, wo_product, ev, speed, slow_speed = _timelines(
        cfg, rng, n_wc, prods_of_wc, wc_code[stories.breakdown_wc], _month_code(stories.breakdown_month), start, end)
    n = len(wo_wc)
    cycle = prod_cycle[wo_product]

    # ---- work orders from their events (a slot's segments are in time order)
    own = (ev.state != IDLE) & (ev.state != PLANNED)
    own_wo = ev.wo_idx[own]
    firsts = _first_in_group(own_wo)
    first = np.full(n, np.nan)
    last = np.full(n, np.nan)
    first[own_wo[firsts]] = ev.start_min[own][firsts]
    lasts = np.append(firsts[1:], True)
    last[own_wo[lasts]] = ev.end_min[own][lasts]
    has_events = ~np.isnan(first)
    # a slot's own events past the as-of date mean the order is still running
    running_past = np.zeros(n, dtype=bool)
    running_past[ev.wo_idx[ev.end_min >= span_min - 1e-6]] = True
    completed_slot = ~running_past

    d_idx, d_day, d_min = _split_by_day(ev)
    d_wo = ev.wo_idx[d_idx]
    d_state = ev.state[d_idx]
    d_speed = np.where(d_state == RUNNING, speed[d_wo], np.where(d_state == REDUCED, slow_speed[d_wo], 0.0))
    count_f = d_min * d_speed / cycle[d_wo]
    scrap_rate = rng.uniform(0.004, 0.03, n)
    work = (d_state != IDLE) & (d_state != PLANNED)
    n_days = int(d_day.max()) + 1
    g = _group_sum(d_wo[work] * n_days + d_day[work], {"count_f": count_f[work], "labor_min": d_min[work]})
    del count_f
    p_key = g.index.to_numpy()
    p_wo, p_day = p_key // n_days, p_key % n_days
    p_labor_min = g.labor_min.to_numpy()
    cum = pd.Series(g.count_f.to_numpy()).groupby(p_wo).cumsum().to_numpy()
    del g
    cum_int = np.floor(cum + 1e-9)
    p_total = cum_int - _shift_in_group(cum_int, p_wo)
    cum_scrap = np.round(cum_int * scrap_rate[p_wo])
    p_scrap = np.minimum(cum_scrap - _shift_in_group(cum_scrap, p_wo), p_total)
    p_good = p_total - p_scrap
    p_rework = np.floor(p_good * rng.uniform(0, 0.01, len(p_key)))

    tot_good = np.bincount(p_wo, weights=p_good, minlength=n)
    tot_scrap = np.bincount(p_wo, weights=p_scrap, minlength=n)
    tot_total = np.bincount(p_wo, weights=p_total, minlength=n)
    planned_full = np.maximum(1, np.round(tot_total * rng.uniform(0.97, 1.05, n)))
    start_ts = pd.DatetimeIndex(start + pd.to_timedelta(np.nan_to_num(first, nan=0.0), unit="min"))
    end_ts = pd.DatetimeIndex(start + pd.to_timedelta(np.nan_to_num(last, nan=0.0), unit="min"))
    order = np.lexsort((wc_rank[wo_wc], start_ts.asi8))
    year = start_ts.year.to_numpy().astype(np.int64)
    seq = np.empty(n, dtype=np.int64)
    width = {}
    for y in np.unique(year):
        idx = order[year[order] == y]
        seq[idx] = np.arange(1, len(idx) + 1)
        width[int(y)] = max(5, len(str(len(idx))))
    planned_start = start_ts.normalize() + pd.to_timedelta(rng.integers(-2, 2, n), unit="D")
    planned_end = planned_start + pd.to_timedelta(np.ceil(planned_full * cycle / 0.8 / 1300).astype(int) + 1, unit="D")
    # a slot with no output before the as-of date never became a work order
    valid = has_events & (tot_total > 0)
    # in-progress orders are planned at their full size
    planned_full = np.where(~completed_slot, np.maximum(planned_full, np.round(planned_full * 1.4)), planned_full)

    kept = np.flatnonzero(valid)
    nk = len(kept)
    slot2kept = np.full(n, -1, dtype=np.int64)
    slot2kept[kept] = np.arange(nk)
    k_wc = wo_wc[kept]
    k_prod = wo_product[kept]
    k_plant = wc_plant[k_wc]
    k_completed = completed_slot[kept]
    k_year, k_seq = year[kept], seq[kept]
    wo_ids = _ids_by_year("WO-", k_year, k_seq, width)
    so_ids = _ids_by_year("SO-", k_year, k_seq, width)
    wo_order = np.argsort(k_year * 10**9 + k_seq, kind="stable")  # sorting by the id text
    wo_rank = np.empty(nk, dtype=np.int64)
    wo_rank[wo_order] = np.arange(nk)
    k_start_at = start_ts.floor("s").to_numpy()[kept]
    k_end_at = end_ts.floor("s").to_numpy()[kept]
    k_start_day = cal.day(start_ts.normalize().to_numpy()[kept])
    k_end_day = cal.day(end_ts.normalize().to_numpy()[kept])
    k_planned = planned_full[kept]
    k_good, k_scrap = tot_good[kept], tot_scrap[kept]
    status_vals = values(["in_progress", "completed"])
    work_orders = table({
        "work_order_id": wo_ids,
        "plant_id": Coded(k_plant, plant_ids),
        "product_id": Coded(k_prod, product_ids),
        "work_center_id": Coded(k_wc, wc_ids),
        "planned_qty": k_planned,
        "completed_qty": k_good,
        "scrap_qty": k_scrap,
        "planned_start_date": planned_start.to_numpy()[kept],
        "planned_end_date": planned_end.to_numpy()[kept],
        "actual_start_at": k_start_at,
        "actual_end_at": np.where(k_completed, k_end_at, np.datetime64("NaT")).astype("datetime64[ns]"),
        "status": Coded(k_completed.astype(np.int64), status_vals),
        "sales_order_id": so_ids,
    })

    # ---- machine events (slots that never started still show their idle time)
    e_kept = slot2kept[ev.wo_idx]
    e_wo = np.where((ev.state == IDLE) | (ev.state == PLANNED), -1, e_kept)
    start_s = np.round(ev.start_min * 60).astype(np.int64)
    end_s = np.round(ev.end_min * 60).astype(np.int64)
    ok = end_s > start_s
    e_state = ev.state[ok]
    e_wo = e_wo[ok]
    reason_vals, e_reason = _reasons(e_state, rng)
    base = start.to_datetime64().astype("datetime64[s]")
    machine_events = table({
        "event_id": seq_ids("EV", int(ok.sum()), 8),
        "work_center_id": Coded(ev.wc[ok], wc_ids),
        "work_order_id": Coded(e_wo, wo_ids),
        "start_at": (base + start_s[ok].astype("timedelta64[s]")).astype("datetime64[us]"),
        "end_at": (base + end_s[ok].astype("timedelta64[s]")).astype("datetime64[us]"),
        "state": Coded(e_state.astype(np.int64), values(STATES)),
        "reason_code": Coded(e_reason, reason_vals),
    })
    mach = np.isin(e_state, _MACHINE_STATES) & (e_wo >= 0)
    wo_machine_secs = np.bincount(e_wo[mach], weights=(end_s[ok] - start_s[ok])[mach], minlength=nk)
    del start_s, end_s, e_kept

    # ---- calendar: planned production = calendar minus planned stops and no-order idle time
    d_wc = ev.wc[d_idx]
    stop = np.where((d_state == IDLE) | (d_state == PLANNED), d_min, 0.0)
    cal_g = _group_sum(wc_rank[d_wc] * n_days + d_day, {"stop": stop, "covered": d_min})
    del stop, d_wc, d_idx, d_wo, d_state, d_min, d_day, d_speed
    c_key = cal_g.index.to_numpy()
    c_day = c_key % n_days
    c_in = c_day < cal.n_hist
    wc_by_rank = np.argsort(wc_rank)
    planned_stop_min = np.round(cal_g.stop.to_numpy() + np.clip(MIN_PER_DAY - cal_g.covered.to_numpy(), 0, None), 1)[c_in]
    work_center_calendar = table({
        "work_center_id": Coded(wc_by_rank[c_key[c_in] // n_days], wc_ids),
        "calendar_date": cal.dates(c_day[c_in]),
        "shift_count": np.full(int(c_in.sum()), 3),
        "planned_production_min": np.round(MIN_PER_DAY - planned_stop_min, 1),
        "planned_stop_min": planned_stop_min,
    })
    del cal_g

    # ---- output counts (one per work order x day with machine time)
    o_sel = valid[p_wo] & (p_day < cal.n_hist)
    o_wo = slot2kept[p_wo[o_sel]]
    o_day = p_day[o_sel]
    o_good = p_good[o_sel]
    o_labor_min = p_labor_min[o_sel]
    output_counts = table({
        "output_id": seq_ids("OUT", len(o_wo), 8),
        "work_order_id": Coded(o_wo, wo_ids),
        "work_center_id": Coded(k_wc[o_wo], wc_ids),
        "count_date": cal.dates(o_day),
        "good_qty": o_good,
        "scrap_qty": p_scrap[o_sel],
        "rework_qty": p_rework[o_sel],
    })
    del p_wo, p_day, p_good, p_scrap, p_rework, p_total, p_labor_min, cum, cum_int, cum_scrap
    # the production plan's base: each product's good output per week over the last 13 weeks
    recent = o_day >= cal.n_hist - 91
    rp = k_prod[o_wo[recent]]
    present = np.bincount(rp, minlength=len(products)) > 0
    recent_good = np.bincount(rp, weights=o_good[recent], minlength=len(products))
    pp = np.argsort(prod_rank)
    pp = pp[present[pp]]
    weekly = pd.DataFrame({
        "product_id": products.product_id.to_numpy()[pp],
        "plant_id": lay.plants.plant_id.to_numpy()[wc_plant[prod_wc[pp]]],
        "work_center_id": W.work_center_id.to_numpy()[prod_wc[pp]],
        "good_qty": recent_good[pp] / 13.0,
    })

    # ---- labor logs: each crew member, each work order x day
    crew = W.crew.to_numpy()
    has_labor = np.flatnonzero(o_labor_min > 0)
    reps = crew[k_wc[o_wo[has_labor]]]
    row = np.repeat(has_labor, reps)
    member = _cumcount(row) + 1
    l_wo = o_wo[row]
    l_wc = k_wc[l_wo]
    l_day = o_day[row]
    emp_premium = np.array([0.0, -0.04, 0.03, 0.06])[member % 4]
    years_in = cal.year_of_day[l_day] - start.year
    base_rate = W.labor_rate_per_h.to_numpy()[l_wc]
    rate = np.round(base_rate * (1 + emp_premium) * (1.03 ** years_in), 2)
    hours = np.round(o_labor_min[row] / 60.0, 4)
    max_crew = int(crew.max())
    employees = values([f"E{w + 1:02d}-{m}" for w in range(n_wc) for m in range(1, max_crew + 1)])
    lb_all_ids = seq_ids("LB", len(row), 8)
    has_hours = hours > 0
    lb_ids = lb_all_ids.filter(pa.array(has_hours))
    l_wo, l_wc, l_day, rate, hours, member = (a[has_hours] for a in (l_wo, l_wc, l_day, rate, hours, member))
    labor_logs = table({
        "labor_log_id": lb_ids,
        "work_order_id": Coded(l_wo, wo_ids),
        "work_center_id": Coded(l_wc, wc_ids),
        "work_date": cal.dates(l_day),
        "employee_id": Coded(l_wc * max_crew + member - 1, employees),
        "hours": hours,
        "rate_per_h": rate,
    })
    del row, member, emp_premium, years_in, base_rate, o_wo, o_day, o_labor_min

    # ---- material issues and returns
    mats = lay.materials
    mat_code = {m: i for i, m in enumerate(mats.material_id)}
    mat_ids = values(mats.material_id)
    mat_rank = rank(mats.material_id)
    mat_price = mats.std_price.to_numpy()
    mat_kg = (mats.unit == "kg").to_numpy()
    sup_code = {s: i for i, s in enumerate(lay.suppliers.supplier_id)}
    mat_sup = mats.supplier_id.map(sup_code).to_numpy()
    bom_prod = bom.product_id.map(prod_code).to_numpy()
    bom_mat = bom.material_id.map(mat_code).to_numpy()
    bom_qpu = bom.qty_per_unit.to_numpy()
    bom_count = np.bincount(bom_prod, minlength=len(products))
    bom_first = np.full(len(products), 0, dtype=np.int64)
    order_b = np.argsort(bom_prod, kind="stable")
    firsts_b = np.concatenate([[0], np.cumsum(bom_count)[:-1]])
    bom_first[:] = firsts_b
    per_wo = bom_count[k_prod]
    mi_wo = np.repeat(np.arange(nk), per_wo)
    mi_b = order_b[bom_first[k_prod][mi_wo] + _cumcount(mi_wo)]
    mi_mat = bom_mat[mi_b]
    qpu = bom_qpu[mi_b]
    day = k_start_day[mi_wo]
    months_in = day / 30.4
    price_index = 1 + 0.001 * months_in + rng.normal(0, 0.01, len(mi_wo))
    rise = (mat_sup[mi_mat] == sup_code[stories.price_rise_supplier]) & (cal.month_of_day[day] >= _month_code(stories.price_rise_month))
    price_index = np.where(rise, price_index * 1.18, price_index)
    unit_cost = np.round(mat_price[mi_mat] * price_index, 4)
    waste = rng.uniform(-0.005, 0.045, len(mi_wo))
    need = qpu * (k_good + k_scrap)[mi_wo] * (1 + waste)
    issue_qty = np.round(qpu * k_planned[mi_wo] * 1.02, 3)
    kg = mat_kg[mi_mat]
    issue_qty = np.where(kg, issue_qty, np.ceil(issue_qty))
    done = k_completed[mi_wo]
    back = np.round(issue_qty - need, 3)
    back = np.where(kg, back, np.floor(back))
    del need, waste, price_index, months_in, qpu
    ret = done & (back > 0)
    extra = done & (back < 0)
    mid = pd.Series(k_start_at) + (pd.Series(k_end_at) - pd.Series(k_start_at)) / 2
    mid_day = cal.day(mid.dt.normalize().to_numpy())
    m_src = np.concatenate([np.arange(len(mi_wo)), np.flatnonzero(extra), np.flatnonzero(ret)])
    m_wo = mi_wo[m_src]
    m_mat = mi_mat[m_src]
    m_cost = unit_cost[m_src]
    n_mi, n_ex = len(mi_wo), int(extra.sum())
    m_qty = np.concatenate([issue_qty, -back[extra], back[ret]])
    m_return = np.zeros(len(m_src), dtype=bool)
    m_return[n_mi + n_ex:] = True
    m_day = np.concatenate([day, mid_day[mi_wo[extra]], k_end_day[mi_wo[ret]]])
    del mi_wo, mi_mat, unit_cost, issue_qty, back, day, done, kg, m_src
    sel = (m_qty > 0) & (m_day < cal.n_hist)
    m_wo, m_mat, m_cost, m_qty, m_return, m_day = (a[sel] for a in (m_wo, m_mat, m_cost, m_qty, m_return, m_day))
    o = np.lexsort((mat_rank[m_mat], wo_rank[m_wo], m_day))
    m_wo, m_mat, m_cost, m_qty, m_return, m_day = (a[o] for a in (m_wo, m_mat, m_cost, m_qty, m_return, m_day))
    mi_ids = seq_ids("MI", len(m_wo), 8)
    material_issues = table({
        "material_issue_id": mi_ids,
        "work_order_id": Coded(m_wo, wo_ids),
        "material_id": Coded(m_mat, mat_ids),
        "issue_date": cal.dates(m_day),
        "issue_type": Coded(m_return.astype(np.int64), values(["issue", "return"])),
        "qty": m_qty,
        "unit_cost": m_cost,
    })

    # ---- sales orders, invoices, receipts (make to order: one sales order per work order)
    cust = lay.customers
    n_cust = len(cust)
    customer_ids = values(cust.customer_id)
    cust_w = rng.dirichlet(np.ones(n_cust) * 1.5)
    if lay.n_sets > 1:
        # among many customers the planted late payer buys at least an average share, so that
        # its story has invoices to show at any scale (scale 1 draws it as it always did)
        late = cust.customer_id.tolist().index(stories.late_customer)
        cust_w[late] = max(cust_w[late], 1.0 / n_cust)
        cust_w = cust_w / cust_w.sum()
    s_cust = rng.choice(n_cust, size=nk, p=cust_w)
    p_start = planned_start.to_numpy()[kept]
    p_end = planned_end.to_numpy()[kept]
    order_date = p_start - rng.integers(5, 21, nk).astype("timedelta64[D]")
    due_date = p_end + rng.integers(3, 15, nk).astype("timedelta64[D]")
    list_price = prod_list[k_prod]
    months_so = cal.day(order_date) / 30.4
    unit_price = np.round(list_price * (1 - rng.uniform(0, 0.08, nk)) * (1 + 0.0015 * months_so), 4)
    sales_orders = table({
        "sales_order_id": so_ids,
        "customer_id": Coded(s_cust, customer_ids),
        "product_id": Coded(k_prod, product_ids),
        "plant_id": Coded(k_plant, plant_ids),
        "order_date": order_date.astype("datetime64[ns]"),
        "due_date": due_date.astype("datetime64[ns]"),
        "qty": k_planned,
        "unit_price": unit_price,
        "status": Coded(k_completed.astype(np.int64), values(["open", "invoiced"])),
    })

    inv_wo = np.flatnonzero(k_completed & (k_good > 0))
    inv_day = k_end_day[inv_wo] + rng.integers(1, 6, len(inv_wo))
    inv_wo, inv_day = inv_wo[inv_day < cal.n_hist], inv_day[inv_day < cal.n_hist]
    terms = cust.payment_terms_days.to_numpy()
    inv_qty = k_good[inv_wo]
    inv_gross = np.round(inv_qty * list_price[inv_wo], 2)
    inv_net = np.round(inv_qty * unit_price[inv_wo], 2)
    # credit notes: about 2 % of invoices come back in part
    cn = np.flatnonzero(rng.random(len(inv_wo)) < 0.02)
    cn_qty = -np.maximum(1, np.round(inv_qty[cn] * rng.uniform(0.05, 0.25, len(cn))))
    cn_gross = np.round(cn_qty * list_price[inv_wo[cn]], 2)
    cn_net = np.round(cn_qty * unit_price[inv_wo[cn]], 2)
    cn_day = inv_day[cn] + rng.integers(10, 40, len(cn))
    cn_ok = cn_day < cal.n_hist
    i_wo = np.concatenate([inv_wo, inv_wo[cn][cn_ok]])
    i_day = np.concatenate([inv_day, cn_day[cn_ok]])
    i_due = np.concatenate([inv_day + terms[s_cust[inv_wo]], cn_day[cn_ok]])
    i_qty = np.concatenate([inv_qty, cn_qty[cn_ok]])
    i_gross = np.concatenate([inv_gross, cn_gross[cn_ok]])
    i_net = np.concatenate([inv_net, cn_net[cn_ok]])
    o = np.argsort(i_day, kind="stable")
    i_wo, i_day, i_due, i_qty, i_gross, i_net = (a[o] for a in (i_wo, i_day, i_due, i_qty, i_gross, i_net))
    i_cust = s_cust[i_wo]
    inv_ids = seq_ids("INV", len(i_wo), 7)
    sales_invoices = table({
        "invoice_id": inv_ids,
        "sales_order_id": so_ids.take(pa.array(i_wo)),
        "customer_id": Coded(i_cust, customer_ids),
        "product_id": Coded(k_prod[i_wo], product_ids),
        "plant_id": Coded(k_plant[i_wo], plant_ids),
        "invoice_date": cal.dates(i_day),
        "due_date": cal.dates(i_due),
        "qty": i_qty,
        "gross_amount": i_gross,
        "discount_amount": np.round(i_gross - i_net, 2),
        "net_amount": i_net,
    })

    delay_mean = rng.uniform(-3, 9, n_cust)
    delay = rng.normal(delay_mean[i_cust], 5)
    late = (i_cust == cust.customer_id.tolist().index(stories.late_customer)) & (
        cal.month_of_day[i_day] >= _month_code(stories.late_from_month))
    delay = np.where(late, delay + 50, delay)
    delay = np.where(i_qty < 0, 15, delay)
    r_day = np.maximum(i_due + np.round(delay).astype(np.int64), i_day)
    r_inv = np.flatnonzero(r_day < cal.n_hist)
    r_inv = r_inv[np.argsort(r_day[r_inv], kind="stable")]
    r_day = r_day[r_inv]
    bank_code = {b: i for i, b in enumerate(lay.bank_accounts.bank_account_id)}
    plant_bank = np.array([bank_code[f"BA-{p}"] for p in lay.plants.plant_id])
    rc_ids = seq_ids("RC", len(r_inv), 7)
    customer_receipts = table({
        "receipt_id": rc_ids,
        "invoice_id": inv_ids.take(pa.array(r_inv)),
        "customer_id": Coded(i_cust[r_inv], customer_ids),
        "bank_account_id": Coded(plant_bank[k_plant[i_wo[r_inv]]], values(lay.bank_accounts.bank_account_id)),
        "receipt_date": cal.dates(r_day),
        "amount": i_net[r_inv],
    })

    # ---- purchases: monthly per material and plant, ahead of consumption
    first_month = int(cal.month_of_day[0])
    mv_month = cal.month_of_day[m_day] - first_month
    n_months = int(cal.month_of_day[-1]) - first_month + 1
    mv_plant = k_plant[m_wo]
    key = (mat_rank[m_mat] * len(plant_ids) + plant_rank[mv_plant]) * n_months + mv_month
    g = _group_sum(key, {"signed": np.where(m_return, -m_qty, m_qty)})
    gk = g.index.to_numpy()
    mat_by_rank = np.argsort(mat_rank)
    plant_by_rank = np.argsort(plant_rank)
    cons = pd.DataFrame({
        "material_id": mats.material_id.to_numpy()[mat_by_rank[gk // n_months // len(plant_ids)]],
        "plant_id": lay.plants.plant_id.to_numpy()[plant_by_rank[gk // n_months % len(plant_ids)]],
        "month": pd.PeriodIndex(pd.to_datetime(
            [f"{(c + first_month) // 12:04d}-{(c + first_month) % 12 + 1:02d}-01" for c in gk % n_months]), freq="M")
        if len(gk) else pd.PeriodIndex([], freq="M"),
        "signed": g.signed.to_numpy(),
    })
    purchase_orders, supplier_invoices, supplier_payments = _purchases(cons, lay, stories, rng, start, end)
    # ---- production plan: 13 weeks from the Monday after the as-of date
    production_plan = _production_plan(weekly, end, rng)


    # ---- the ledger
    tables = {
        "plants": lay.plants.drop(columns=["kind", "pair", "n_sets"]),
        "cost_centers": lay.cost_centers,
        "work_centers": _with_denominator(W, k_wc, k_completed, wo_machine_secs, start, end),
        "work_center_calendar": work_center_calendar,
        "products": products.drop(columns=["plant_id"]),
        "suppliers": lay.suppliers.drop(columns=["pair"]),
        "customers": lay.customers,
        "materials": lay.materials.drop(columns=["families", "pair"]),
        "bom": bom,
        "routings": routings,
        "accounts": master.ACCOUNTS,
        "bank_accounts": lay.bank_accounts,
        "loss_classes": lay.loss_classes,
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
    plant = Plant(
        cal=cal, lay=lay, products=products, plant_ids=plant_ids, cc_ids=cc_ids, product_ids=product_ids,
        wc_plant=wc_plant, wc_cc=wc_cc,
        wc_rate=(W.machine_rate_per_h + W.overhead_rate_per_h).to_numpy(), prod_std=prod_std,
        wo_ids=wo_ids, wo_wc=k_wc, wo_prod=k_prod, wo_completed=k_completed, wo_end_day=k_end_day, wo_good=k_good,
        wo_machine_secs=wo_machine_secs,
        mi_ids=mi_ids, mi_wo=m_wo, mi_day=m_day, mi_return=m_return, mi_qty=m_qty, mi_unit_cost=m_cost,
        lb_ids=lb_ids, lb_wo=l_wo, lb_day=l_day, lb_hours=hours, lb_rate=rate,
        inv_ids=inv_ids, inv_cust=i_cust, inv_plant=k_plant[i_wo], inv_prod=k_prod[i_wo], inv_day=i_day, inv_qty=i_qty,
        inv_net=i_net, rc_ids=rc_ids, rc_inv=r_inv, rc_day=r_day, rc_amount=i_net[r_inv], customer_ids=customer_ids,
    )
    from sample_data.posting import build_sales_budgets, post_ledger

    release_memory()
    yield {name: table for name, table in tables.items() if name != "purchase_orders"}  # post_ledger adds its services
    ledger = post_ledger(plant, tables, cfg, stories, rng)
    sold = pd.DataFrame({"k": prod_rank[k_prod[i_wo]], "qty": i_qty, "net": i_net}).groupby("k", sort=True).sum()
    sold.index = products.product_id.to_numpy()[np.argsort(prod_rank)][sold.index.to_numpy()]
    ledger["sales_budgets"] = build_sales_budgets(sold, products, cfg)
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
    # the sample has vouchers: no period comes from ledger balances (imported sources without vouchers)
    tables["ledger_balances"] = pd.DataFrame({c.name: pd.Series(dtype=object) for c in ledger_balances.columns})
    release_memory()
    yield tables


def _purchases(cons: pd.DataFrame, lay: master.Layout, stories: PlantedStories, rng, start, end):
    """Purchase orders, supplier invoices and payments from monthly consumption per material and plant."""
    cons = cons[cons.signed > 0]
    # plan horizon: next two months from the recent average
    recent = cons[cons.month >= (pd.Timestamp(end).to_period("M") - 3)].groupby(["material_id", "plant_id"]).signed.mean().reset_index()
    fut = []
    for k in (1, 2):
        f = recent.copy()
        f["month"] = pd.Timestamp(end).to_period("M") + k
        fut.append(f)
    cons = pd.concat([cons] + fut, ignore_index=True)
    mats = lay.materials.set_index("material_id")
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
    po["purchase_order_id"] = frame({"x": seq_ids("PO", len(po), 6)}).x
    purchase_orders = po[["purchase_order_id", "supplier_id", "material_id", "plant_id", "cost_center_id", "account_code", "order_date",
                          "expected_date", "qty", "unit_price", "status"]]

    sinv = po[po.status == "received"].copy().sort_values("expected_date", kind="stable").reset_index(drop=True)
    sterms = lay.suppliers.set_index("supplier_id").payment_terms_days
    sinv["invoice_date"] = sinv.expected_date
    sinv["due_date"] = sinv.invoice_date + pd.to_timedelta(sterms.reindex(sinv.supplier_id).to_numpy(), unit="D")
    sinv["amount"] = np.round(sinv.qty * sinv.unit_price, 2)
    sinv["supplier_invoice_id"] = frame({"x": seq_ids("PI", len(sinv), 6)}).x
    supplier_invoices = sinv[["supplier_invoice_id", "purchase_order_id", "supplier_id", "invoice_date", "due_date", "qty", "amount"]]
    pay = sinv.assign(payment_date=sinv.due_date + pd.to_timedelta(np.round(rng.normal(2, 3, len(sinv))), unit="D"))
    pay = pay[pay.payment_date < end].sort_values("payment_date", kind="stable").reset_index(drop=True)
    pay["payment_id"] = frame({"x": seq_ids("PY", len(pay), 6)}).x
    pay["bank_account_id"] = "BA-" + pay.plant_id
    supplier_payments = pay[["payment_id", "supplier_invoice_id", "supplier_id", "bank_account_id", "payment_date", "amount"]]
    return purchase_orders, supplier_invoices, supplier_payments


def _production_plan(weekly: pd.DataFrame, end: pd.Timestamp, rng) -> pd.DataFrame:
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
    plan["plan_id"] = frame({"x": seq_ids("PL", len(plan), 5)}).x
    return plan[["plan_id", "plant_id", "product_id", "work_center_id", "week_start_date", "planned_qty"]]


def _with_denominator(work_centers: pd.DataFrame, wo_wc: np.ndarray, completed: np.ndarray, machine_secs: np.ndarray,
                      start, end) -> pd.DataFrame:
    """The denominator level of each work center: the machine hours its completed orders held in
    an average closed month, to whole hours (the level its fixed overhead rate is set for)."""
    closed = max(len([m for m in pd.period_range(start, end, freq="M") if m.end_time < end]), 1)
    hours = pd.Series(machine_secs[completed] / 3600.0).groupby(wo_wc[completed]).sum() / closed
    out = work_centers.drop(columns=["crew", "line_set"])
    return out.assign(denominator_h_per_month=hours.reindex(np.arange(len(out))).fillna(0.0).round(0).to_numpy())


def _reasons(states: np.ndarray, rng) -> tuple[pa.Array, np.ndarray]:
    """A reason code for every event of a state that has them (running has none)."""
    all_codes = [c for codes in REASONS.values() for c in codes]
    out = np.full(len(states), -1, dtype=np.int64)
    offset = 0
    for state, codes in REASONS.items():
        mask = states == STATES.index(state)
        out[mask] = offset + rng.choice(len(codes), size=int(mask.sum()))
        offset += len(codes)
    return values(all_codes), out
