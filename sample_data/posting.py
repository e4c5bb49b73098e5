"""Posting rules: the standard mapping from business events to vouchers (业财融合 映射规则).

``POSTING_RULES`` is the documented mapping (``docs/DATA_MODEL.md`` prints it); ``post_ledger``
applies it to the sample plant's documents. Amounts are integer cents until the voucher lines
are written, so every voucher balances exactly.

Sign rule: a positive document amount posts on the side the rule names; a negative amount (a
return, a credit note, a refund) posts on the opposite side.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from analytics.money import compute_overhead_cents, mul_cents
from data_loaders.memory import release_memory
from sample_data import master
from sample_data.arrays import Coded, fixed, join, table, take, values
from sample_data.generator import Plant, PlantedStories, SampleConfig, _cents, _cumcount, history_start

# voucher type, business event, source document, debit, credit, amount
POSTING_RULES = pd.DataFrame(
    [
        ("OB", "Opening balances", "-", "1002 / 1601 / 1403 / 1405", "4001", "opening position per plant"),
        ("MI", "Material issue (return reverses)", "material_issue", "500101 WIP - direct material", "1403 Raw materials", "qty x actual unit cost"),
        ("LB", "Labor reported on a work order", "labor_log", "500102 WIP - direct labor", "2211 Payroll payable", "hours x rate"),
        ("OH", "Overhead absorbed at completion", "work_order", "500103 WIP - applied overhead", "5109 Overhead applied", "machine hours x (machine + overhead rate)"),
        ("FG", "Completion into finished goods", "completion", "1405 Finished goods (standard cost x good qty); 6409 variance if unfavorable", "500101 / 500102 / 500103 (the order's accumulated WIP); 6409 if favorable", "standard cost of good output; variance = WIP - standard"),
        ("SA", "Sales invoice (credit note reverses)", "sales_invoice", "1122 Receivables; 6401 Cost of sales", "6001 Revenue; 1405 Finished goods", "net amount; standard cost x qty"),
        ("RC", "Customer receipt", "customer_receipt", "1002 Bank", "1122 Receivables", "amount received"),
        ("PI", "Supplier invoice on goods receipt", "supplier_invoice", "1403 Raw materials", "2202 Payables", "invoice amount"),
        ("PY", "Supplier payment", "supplier_payment", "2202 Payables", "1002 Bank", "amount paid"),
        ("EX", "Overhead and period expenses", "-", "5101xx overhead / 6601 / 6602", "1602 / 2211 / 1002", "monthly, by cost center"),
        ("PR", "Payroll paid", "-", "2211 Payroll payable", "1002 Bank", "last month's payroll, paid on the 10th"),
        ("MJ", "Manual journal", "-", "as entered", "as entered", "as entered"),
    ],
    columns=["voucher_type", "event", "source_doc_type", "debit", "credit", "amount"],
)

# Monthly expense plan: cost center, account, base amount (CNY), credit account
_OVERHEAD_SPLIT = [  # share of the plant's absorbed overhead
    ("MACH", "510101", 0.26, "1602"), ("MACH", "510102", 0.14, "1002"), ("MACH", "510104", 0.08, "2211"),
    ("ASSY", "510101", 0.12, "1602"), ("ASSY", "510102", 0.06, "1002"), ("ASSY", "510104", 0.06, "2211"),
    ("MNT", "510103", 0.20, "1002"), ("MNT", "510104", 0.08, "2211"),
]
# period expenses per plant and head office: master.admin_expenses


ACCOUNT_IDS = values(master.ACCOUNTS.account_code)
_ACC = {a: i for i, a in enumerate(master.ACCOUNTS.account_code)}
SOURCE_TYPES = ["material_issue", "labor_log", "work_order", "completion", "sales_invoice", "customer_receipt",
                "supplier_invoice", "supplier_payment"]


def _std_unit_cost(products: pd.DataFrame) -> pd.Series:
    p = products.set_index("product_id")
    return p.std_material_cost + p.std_labor_cost + p.std_overhead_cost


def machine_seconds(events: pd.DataFrame) -> pd.Series:
    """Seconds each work order held its machine (setup, running, minor stops, reduced speed)."""
    e = events[events.state.isin(["setup", "running", "minor_stop", "reduced_speed"]) & events.work_order_id.notna()]
    secs = (pd.to_datetime(e.end_at) - pd.to_datetime(e.start_at)).dt.total_seconds()
    return secs.groupby(e.work_order_id).sum()


# --------------------------------------------------------------------------- posting documents
def line(account, amount, side: str, cost_center=None, plant=None, product=None, work_order=None, source: bool = False) -> dict:
    """One line of every voucher of a posting.

    ``account`` is a code ('500101') or per-document account codes (indexes into ``ACCOUNTS``);
    ``amount`` per-document integer cents (positive posts on ``side``, negative flips it);
    ``cost_center``, ``plant``, ``product``, ``work_order`` per-document codes (into the plant's
    cost centers, plants, products, work orders) or a single code; ``source`` puts the posting's
    source document on the line.
    """
    return dict(account=_ACC[account] if isinstance(account, str) else account, amount=np.asarray(amount, dtype=np.int64),
                side=side, cost_center=cost_center, plant=plant, product=product, work_order=work_order, source=source)


@dataclass
class Posted:
    """The vouchers of one posting: per document, and per line sorted by voucher number."""

    vtype: str
    vno: pa.Array
    day: np.ndarray
    plant: np.ndarray
    desc: object  # pa.Array per document, or one str
    l_doc: np.ndarray
    l_no: np.ndarray
    l_acc: np.ndarray
    l_cc: np.ndarray
    l_plant: np.ndarray
    l_prod: np.ndarray
    l_wo: np.ndarray
    l_cents: np.ndarray  # debit - credit
    l_src: np.ndarray  # code into src_vals, -1 = none
    src_type: str | None
    src_vals: pa.Array | None


def post(p: Plant, vtype: str, day: np.ndarray, plant: np.ndarray, description, lines: list[dict],
         source: tuple[str, pa.Array] | tuple[str, pa.Array, np.ndarray] | None = None) -> Posted:
    """Post one voucher per document (day, plant, description) with ``lines`` (see ``line``).

    Vouchers are numbered ``{type}{YYYYMM}-{n}`` by month in document order. Lines with a zero
    amount are dropped and the rest numbered 1..n inside each voucher. ``source`` is the source
    document type and its ids, one per document (or ids and each document's code into them).
    """
    day = np.asarray(day, dtype=np.int64)
    d = len(day)
    period = p.cal.month_of_day[day]
    order = np.argsort(period, kind="stable")
    seq = np.empty(d, dtype=np.int64)
    seq[order] = _cumcount(period[order]) + 1
    width = max(5, len(str(int(seq.max())))) if d else 5
    vno = fixed(vtype, ((period // 12) * 100 + period % 12 + 1, 6), "-", (seq, width), n=d)
    n_lines = len(lines)
    # lines in voucher-number order, each voucher's lines in rule order; zero amounts dropped
    amounts = np.stack([np.broadcast_to(spec["amount"], d) for spec in lines])[:, order].T.reshape(-1)
    keep = np.flatnonzero(amounts != 0)
    l_doc = order[keep // n_lines]
    k = (keep % n_lines).astype(np.int8)
    amt = amounts[keep]
    del amounts, keep
    l_no = (_cumcount(l_doc) + 1).astype(np.int16)

    def field(name):
        specs = [spec[name] for spec in lines]
        if all(v is None for v in specs):
            return np.full(len(l_doc), -1, dtype=np.int32)
        m = np.full((n_lines, d), -1, dtype=np.int32)
        for i, v in enumerate(specs):
            if v is not None:
                m[i] = v
        return m[k, l_doc]

    sign = np.array([1 if spec["side"] == "D" else -1 for spec in lines], dtype=np.int64)
    src = np.full(len(l_doc), -1, dtype=np.int32)
    src_vals = None
    if source is not None:
        src_vals = source[1]
        doc_code = source[2] if len(source) > 2 else np.arange(d)
        has = np.array([bool(spec["source"]) for spec in lines])[k]
        src[has] = doc_code[l_doc[has]]
    return Posted(
        vtype=vtype, vno=vno, day=day, plant=np.asarray(plant, dtype=np.int32), desc=description,
        l_doc=l_doc.astype(np.int32), l_no=l_no, l_acc=field("account"), l_cc=field("cost_center"), l_plant=field("plant"),
        l_prod=field("product"), l_wo=field("work_order"), l_cents=amt * sign[k], l_src=src,
        src_type=source[0] if source else None, src_vals=src_vals,
    )


def assemble(p: Plant, posts: list[Posted]) -> tuple[pa.Table, pa.Table]:
    """The ``vouchers`` and ``voucher_lines`` tables of all postings, in posting order: the
    repeated columns dictionary-encoded, voucher numbers and source ids of the lines too (codes
    into the vouchers' numbers and the documents' ids, no copy of the text per line).

    The ledger's last step: it consumes the posts' line arrays (each is dropped once its column
    is built), so that the lines are never held twice over."""
    posts = [x for x in posts if len(x.day)]
    periods = p.cal.periods()
    first = int(p.cal.month_of_day[0])
    cat = np.concatenate
    desc = [take(values([x.desc]), np.zeros(len(x.day), dtype=np.int64)) if isinstance(x.desc, str) else x.desc.cast(pa.large_string())
            for x in posts]
    vno = pa.concat_arrays([x.vno for x in posts])
    v_period = (cat([p.cal.month_of_day[x.day] for x in posts]) - first).astype(np.int32)
    vouchers = table({
        "voucher_no": vno,
        "voucher_date": p.cal.dates(cat([x.day for x in posts])),
        "period": Coded(v_period, periods),
        "voucher_type": Coded(np.repeat(np.arange(len(posts)), [len(x.day) for x in posts]), values([x.vtype for x in posts])),
        "status": "posted",
        "plant_id": Coded(cat([x.plant for x in posts]), p.plant_ids),
        "description": pa.concat_arrays(desc),
    })
    del desc
    doc_offset = np.cumsum([0] + [len(x.day) for x in posts])
    src_arrays, src_offset = [], {}
    for x in posts:
        if x.src_vals is not None and id(x.src_vals) not in src_offset:
            src_offset[id(x.src_vals)] = sum(len(a) for a in src_arrays)
            src_arrays.append(x.src_vals)
    src_all = pa.concat_arrays(src_arrays) if src_arrays else pa.array([], type=pa.large_string())
    src_code = {t: i for i, t in enumerate(SOURCE_TYPES)}

    def consume(name: str, part) -> np.ndarray:
        """``part(x)`` of every post, concatenated; then the posts' ``name`` arrays are dropped."""
        out = cat([part(x) for x in posts])
        for x in posts:
            setattr(x, name, None)
        return out

    cols: dict = {}
    doc = cat([x.l_doc + np.int32(doc_offset[i]) for i, x in enumerate(posts)])
    for x in posts:
        x.l_doc = None
    cols["voucher_no"] = Coded(doc, vno).arrow()
    cols["line_no"] = consume("l_no", lambda x: x.l_no).astype(np.int32)
    cols["period"] = Coded(v_period[doc], periods).arrow()
    del doc
    for name, field, vals in (("account_code", "l_acc", ACCOUNT_IDS), ("cost_center_id", "l_cc", p.cc_ids),
                              ("plant_id", "l_plant", p.plant_ids), ("product_id", "l_prod", p.product_ids),
                              ("work_order_id", "l_wo", p.wo_ids)):
        cols[name] = Coded(consume(field, lambda x, f=field: getattr(x, f)), vals).arrow()
    cents = consume("l_cents", lambda x: x.l_cents)
    debit = cents > 0
    absval = np.abs(cents) / 100.0
    del cents
    cols["debit_amount"] = np.where(debit, absval, 0.0)
    cols["credit_amount"] = np.where(debit, 0.0, absval)
    del debit, absval
    cols["source_doc_type"] = Coded(cat([np.where(x.l_src >= 0, src_code.get(x.src_type, -1), -1).astype(np.int32) for x in posts]),
                                    values(SOURCE_TYPES)).arrow()
    cols["source_doc_id"] = Coded(consume("l_src", lambda x: np.where(x.l_src >= 0, x.l_src + np.int32(src_offset.get(id(x.src_vals), 0)),
                                                                       np.int32(-1))), src_all).arrow()
    return vouchers, table(cols)


def post_ledger(p: Plant, t: dict[str, pd.DataFrame], cfg: SampleConfig, stories: PlantedStories, rng) -> dict[str, pd.DataFrame]:
    """Vouchers, voucher lines, budgets and cash balances for the sample's documents."""
    end = pd.Timestamp(cfg.as_of)
    start = history_start(cfg)
    cal = p.cal
    lay = p.lay
    plant_list = lay.plants.plant_id.tolist()
    plant_code = {x: i for i, x in enumerate(plant_list)}
    cc_code = {x: i for i, x in enumerate(lay.cost_centers.cost_center_id)}
    nk = len(p.wo_wc)
    wo_plant = p.wc_plant[p.wo_wc]
    wo_cc = p.wc_cc[p.wo_wc]

    # planted: three orders completed last month whose labor, overhead and completion never reached the ledger
    last_month = end - pd.DateOffset(months=1)
    last_code = last_month.year * 12 + last_month.month - 1
    done = np.flatnonzero(p.wo_completed & (cal.month_of_day[np.minimum(p.wo_end_day, cal.n_days - 1)] == last_code))
    first_two = done[pd.Series(wo_plant[done]).groupby(wo_plant[done]).cumcount().to_numpy() < 2]
    unposted = first_two[:3]
    is_unposted = np.zeros(nk, dtype=bool)
    is_unposted[unposted] = True

    posts: list[Posted] = []

    # OB opening balances
    ob = master.opening_balances(lay)
    ob_amt = {c: _cents(ob[c]) for c in ("bank", "fa", "rm", "fg")}
    cap = ob_amt["bank"] + ob_amt["fa"] + ob_amt["rm"] + ob_amt["fg"]
    plants = np.arange(len(ob))
    posts.append(post(p, "OB", np.zeros(len(ob), dtype=np.int64), plants, "期初余额 Opening balances", [
        line("1002", ob_amt["bank"], "D", plant=plants),
        line("1601", ob_amt["fa"], "D", plant=plants),
        line("1403", ob_amt["rm"], "D", plant=plants),
        line("1405", ob_amt["fg"], "D", plant=plants),
        line("4001", cap, "C", plant=plants),
    ]))

    # MI material issues and returns
    mw = p.mi_wo
    mi_amt = mul_cents(p.mi_qty, 3, p.mi_unit_cost, 4) * np.where(p.mi_return, -1, 1)
    mi_desc = take(join(take(values(["生产领料 Material issue ", "生产领料 Material return "]), np.repeat([0, 1], nk)),
                        pa.concat_arrays([p.wo_ids] * 2)), mw + np.where(p.mi_return, nk, 0))
    posts.append(post(p, "MI", p.mi_day, wo_plant[mw], mi_desc, [
        line("500101", mi_amt, "D", cost_center=wo_cc[mw], plant=wo_plant[mw], product=p.wo_prod[mw], work_order=mw, source=True),
        line("1403", mi_amt, "C", plant=wo_plant[mw], work_order=mw, source=True),
    ], source=("material_issue", p.mi_ids)))

    # LB labor
    sel = ~is_unposted[p.lb_wo]
    lw = p.lb_wo[sel]
    lb_amt = mul_cents(p.lb_hours[sel], 4, p.lb_rate[sel], 2)
    lb_day = p.lb_day[sel]
    per_wo = lambda text: join(text + " ", p.wo_ids)  # noqa: E731
    posts.append(post(p, "LB", lb_day, wo_plant[lw], per_wo("直接人工 Direct labor").take(pa.array(lw)), [
        line("500102", lb_amt, "D", cost_center=wo_cc[lw], plant=wo_plant[lw], product=p.wo_prod[lw], work_order=lw, source=True),
        line("2211", lb_amt, "C", cost_center=wo_cc[lw], plant=wo_plant[lw], work_order=lw, source=True),
    ], source=("labor_log", p.lb_ids, np.flatnonzero(sel))))

    # OH overhead absorbed at completion, FG completion
    comp = np.flatnonzero(p.wo_completed & ~is_unposted)
    c_plant, c_cc, c_prod = wo_plant[comp], wo_cc[comp], p.wo_prod[comp]
    c_day = p.wo_end_day[comp]
    oh = compute_overhead_cents(p.wo_machine_secs[comp], p.wc_rate[p.wo_wc[comp]])
    posts.append(post(p, "OH", c_day, c_plant, per_wo("制造费用分配 Overhead absorbed").take(pa.array(comp)), [
        line("500103", oh, "D", cost_center=c_cc, plant=c_plant, product=c_prod, work_order=comp, source=True),
        line("5109", oh, "C", cost_center=c_cc, plant=c_plant, work_order=comp, source=True),
    ], source=("work_order", p.wo_ids, comp)))
    mat = np.bincount(mw, weights=mi_amt, minlength=nk).round().astype(np.int64)
    lab = np.bincount(lw, weights=lb_amt, minlength=nk).round().astype(np.int64)
    c_mat, c_lab = mat[comp], lab[comp]
    fg = mul_cents(p.wo_good[comp], 3, p.prod_std[c_prod], 4)
    var = c_mat + c_lab + oh - fg
    posts.append(post(p, "FG", c_day, c_plant, per_wo("完工入库 Completion").take(pa.array(comp)), [
        line("1405", fg, "D", plant=c_plant, product=c_prod, work_order=comp, source=True),
        line("6409", var, "D", cost_center=c_cc, plant=c_plant, product=c_prod, work_order=comp, source=True),
        line("500101", c_mat, "C", cost_center=c_cc, plant=c_plant, product=c_prod, work_order=comp, source=True),
        line("500102", c_lab, "C", cost_center=c_cc, plant=c_plant, product=c_prod, work_order=comp, source=True),
        line("500103", oh, "C", cost_center=c_cc, plant=c_plant, product=c_prod, work_order=comp, source=True),
    ], source=("completion", p.wo_ids, comp)))

    # SA sales invoices and credit notes
    rev = _cents(p.inv_net)
    cogs = mul_cents(p.inv_qty, 3, p.prod_std[p.inv_prod], 4)
    sal = cc_code["HQ-SAL"]
    sa_desc = join("销售出库 Sale ", p.customer_ids.take(pa.array(p.inv_cust)), " ", p.product_ids.take(pa.array(p.inv_prod)))
    posts.append(post(p, "SA", p.inv_day, p.inv_plant, sa_desc, [
        line("1122", rev, "D", plant=p.inv_plant, source=True),
        line("6001", rev, "C", cost_center=sal, plant=p.inv_plant, product=p.inv_prod, source=True),
        line("6401", cogs, "D", cost_center=sal, plant=p.inv_plant, product=p.inv_prod, source=True),
        line("1405", cogs, "C", plant=p.inv_plant, product=p.inv_prod, source=True),
    ], source=("sales_invoice", p.inv_ids)))

    # RC receipts
    rc_plant = p.inv_plant[p.rc_inv]
    rc_amt = _cents(p.rc_amount)
    posts.append(post(p, "RC", p.rc_day, rc_plant, join("客户回款 Receipt ", p.customer_ids.take(pa.array(p.inv_cust[p.rc_inv]))), [
        line("1002", rc_amt, "D", plant=rc_plant, source=True),
        line("1122", rc_amt, "C", plant=rc_plant, source=True),
    ], source=("customer_receipt", p.rc_ids)))

    # PI supplier invoices, PY payments
    po_plant = t["purchase_orders"].set_index("purchase_order_id").plant_id
    pi = t["supplier_invoices"].copy()
    pi["plant_id"] = po_plant.reindex(pi.purchase_order_id).to_numpy()
    pi_plant = np.array([plant_code[x] for x in pi.plant_id], dtype=np.int64)
    pi_amt = _cents(pi.amount)
    posts.append(post(p, "PI", cal.day(pi.invoice_date.to_numpy()), pi_plant,
                      values(("采购入库 Purchase " + pi.supplier_id).tolist()), [
        line("1403", pi_amt, "D", plant=pi_plant, source=True),
        line("2202", pi_amt, "C", plant=pi_plant, source=True),
    ], source=("supplier_invoice", values(pi.supplier_invoice_id))))
    py = t["supplier_payments"].merge(pi[["supplier_invoice_id", "plant_id"]], on="supplier_invoice_id")
    py_plant = np.array([plant_code[x] for x in py.plant_id], dtype=np.int64)
    py_amt = _cents(py.amount)
    posts.append(post(p, "PY", cal.day(py.payment_date.to_numpy()), py_plant,
                      values(("供应商付款 Payment " + py.supplier_id).tolist()), [
        line("2202", py_amt, "D", plant=py_plant, source=True),
        line("1002", py_amt, "C", plant=py_plant, source=True),
    ], source=("supplier_payment", values(py.payment_id))))

    # EX monthly overhead and period expenses, with budgets
    months = pd.period_range(start, end, freq="M")
    closed = [m for m in months if m.end_time < end]
    n_closed = max(len(closed), 1)
    oh_month = pd.Series(np.bincount(c_plant, weights=oh, minlength=len(plant_list)), index=plant_list) / n_closed / 100.0
    rev_month = rev.sum() / 100.0 / n_closed
    cogs_month = cogs.sum() / 100.0 / n_closed
    plan = []
    for pl in lay.plants.itertuples(index=False):
        prd = {"MACH": f"{pl.plant_id}-MACH" if pl.kind == "A" else f"{pl.plant_id}-MOLD", "ASSY": f"{pl.plant_id}-ASSY",
               "MNT": f"{pl.plant_id}-MNT"}
        for group, account, share, credit in _OVERHEAD_SPLIT:
            plan.append((prd[group], pl.plant_id, account, share * oh_month.get(pl.plant_id, 0.0), credit))
    for cc, account, base in master.admin_expenses(lay):
        plan.append((cc, "P1" if cc.startswith("HQ") else cc.split("-")[0], account, base, "1002"))
    plan.append(("HQ-SAL", "P1", "6601", 0.035 * rev_month, "1002"))
    plan = pd.DataFrame(plan, columns=["cost_center_id", "plant_id", "account_code", "base", "credit"])

    year_end = pd.Period(f"{end.year}-12", freq="M")
    budget_months = pd.period_range(start, year_end, freq="M")
    season = pd.Series([0.95, 0.7, 0.95, 1.0, 1.0, 0.95, 0.9, 0.95, 1.05, 1.15, 1.25, 1.2], index=range(1, 13))
    season = season / season.mean()
    grid = plan.merge(pd.DataFrame({"month": budget_months}), how="cross")
    m_idx = grid.month.dt.month
    variable = grid.account_code.isin(["510102", "6601"])
    grid["budget"] = np.round(grid.base * np.where(variable, season.reindex(m_idx).to_numpy(), 1.0) * 1.02, -2)
    rev_rows = pd.DataFrame({"month": budget_months})
    rev_rows = pd.concat([
        rev_rows.assign(cost_center_id="HQ-SAL", account_code="6001", budget=np.round(rev_month * season.reindex(rev_rows.month.dt.month).to_numpy() * 1.05, -3)),
        rev_rows.assign(cost_center_id="HQ-SAL", account_code="6401", budget=np.round(cogs_month * season.reindex(rev_rows.month.dt.month).to_numpy() * 1.03, -3)),
    ])
    original = pd.concat([grid[["month", "cost_center_id", "account_code", "budget"]], rev_rows], ignore_index=True)
    adj = pd.Series(rng.uniform(-0.05, 0.08, len(original)))
    revised = original.copy()
    revised["budget"] = np.where(original.month.dt.month >= 7, np.round(original.budget * (1 + adj), -2), original.budget)

    act = grid[grid.month.isin(closed)].copy()
    noise = rng.normal(1.0, 0.04, len(act))
    over = (act.cost_center_id == stories.overspend_cost_center) & (act.account_code == stories.overspend_account) & (act.month.astype(str) >= stories.overspend_from_month)
    act["amt"] = _cents(np.round(act.budget * noise * np.where(over, 1.45, 1.0), 2))
    act["date"] = act.month.dt.to_timestamp(how="end").dt.normalize()
    ex_plant = np.array([plant_code[x] for x in act.plant_id], dtype=np.int64)
    posts.append(post(p, "EX", cal.day(act.date.to_numpy()), ex_plant,
                      values(("费用 Expenses " + act.cost_center_id + " " + act.month.astype(str)).tolist()), [
        line(np.array([_ACC[a] for a in act.account_code]), act.amt.to_numpy(), "D",
             cost_center=np.array([cc_code[c] for c in act.cost_center_id]), plant=ex_plant),
        line(np.array([_ACC[a] for a in act.credit]), act.amt.to_numpy(), "C", plant=ex_plant),
    ]))

    # PR payroll: each plant's payroll of a month is paid on the 10th of the next
    first_month = int(cal.month_of_day[0])
    n_m = int(cal.month_of_day[-1]) - first_month + 1
    lb_key = wo_plant[lw] * n_m + cal.month_of_day[lb_day] - first_month
    lb_sum = np.bincount(lb_key, weights=lb_amt, minlength=len(plant_list) * n_m).round().astype(np.int64)
    has = np.bincount(lb_key, minlength=len(plant_list) * n_m) > 0
    keys = np.flatnonzero(has)
    lb_month = pd.DataFrame({
        "plant_id": np.array(plant_list, dtype=object)[keys // n_m],
        "m": pd.PeriodIndex([pd.Period(year=(c + first_month) // 12, month=(c + first_month) % 12 + 1, freq="M") for c in keys % n_m],
                            dtype="period[M]"),
        "amt": lb_sum[keys],
    })
    payroll = pd.concat([
        lb_month,
        act[act.credit == "2211"].assign(m=act.month)[["plant_id", "m", "amt"]],
    ]).groupby(["plant_id", "m"]).amt.sum().reset_index()
    payroll["date"] = (payroll.m + 1).dt.to_timestamp() + pd.Timedelta(days=9)
    payroll = payroll[payroll.date < end]
    pr_plant = np.array([plant_code[x] for x in payroll.plant_id], dtype=np.int64)
    posts.append(post(p, "PR", cal.day(payroll.date.to_numpy()), pr_plant,
                      values(("发放工资 Payroll " + payroll.plant_id + " " + payroll.m.astype(str)).tolist()), [
        line("2211", payroll.amt.to_numpy(), "D", plant=pr_plant),
        line("1002", payroll.amt.to_numpy(), "C", plant=pr_plant),
    ]))

    # MJ the planted manual voucher: WIP debited with no source document
    mj_day = cal.day(np.array([(pd.Period(stories.manual_voucher_period).to_timestamp() + pd.Timedelta(days=24)).to_datetime64()]))
    posts.append(post(p, "MJ", mj_day, np.array([plant_code["P1"]]), "手工调整 在产品 Manual adjustment to WIP", [
        line("500101", _cents([86_400.00]), "D", cost_center=cc_code["P1-MACH"], plant=plant_code["P1"]),
        line("2202", _cents([86_400.00]), "C", plant=plant_code["P1"]),
    ]))

    # open service orders: next month's maintenance and utilities, committed against the budget;
    # the planted overspender also has an overhaul on order
    next_month = end.to_period("M") + 1
    services = grid[(grid.month == next_month) & grid.account_code.isin(["510102", "510103"])].copy()
    services["amount"] = np.round(services.budget * rng.uniform(0.3, 0.6, len(services)), 2)
    over = (services.cost_center_id == stories.overspend_cost_center) & (services.account_code == stories.overspend_account)
    services.loc[over, "amount"] = np.round(services.loc[over, "budget"] * 1.5, 2)
    services = services.reset_index(drop=True)
    service_sup = master.service_suppliers(lay)
    service_po = pd.DataFrame({
        "purchase_order_id": [f"PS{i:05d}" for i in range(1, len(services) + 1)],
        "supplier_id": [service_sup[pl][0 if a == "510103" else 1] for pl, a in zip(services.plant_id, services.account_code)],
        "material_id": None,
        "plant_id": services.plant_id,
        "cost_center_id": services.cost_center_id,
        "account_code": services.account_code,
        "order_date": end - pd.to_timedelta(rng.integers(1, 15, len(services)), unit="D"),
        "expected_date": next_month.to_timestamp() + pd.to_timedelta(rng.integers(0, 20, len(services)), unit="D"),
        "qty": 1.0,
        "unit_price": services.amount,
        "status": "open",
    })

    # forecast version: actuals for closed months of this year, revised budget after
    cc_ids = lay.cost_centers.cost_center_id.to_numpy()
    acc_ids = master.ACCOUNTS.account_code.to_numpy()
    n_cc, n_acc = len(cc_ids), len(acc_ids)
    key_parts, amounts = [], []
    for x in posts:
        e = x.l_cc >= 0
        month = p.cal.month_of_day[x.day[x.l_doc[e]]] - first_month
        key_parts.append((month * n_cc + x.l_cc[e]) * n_acc + x.l_acc[e])
        amounts.append(np.where(x.l_acc[e] == _ACC["6001"], -x.l_cents[e], x.l_cents[e]))
    key = np.concatenate(key_parts)
    uniq, inverse = np.unique(key, return_inverse=True)
    sums = np.bincount(inverse, weights=np.concatenate(amounts)).round() / 100.0
    periods = p.cal.periods().to_pylist()
    actual = pd.Series(sums, index=pd.MultiIndex.from_arrays([
        [periods[c] for c in uniq // n_acc // n_cc], cc_ids[uniq // n_acc % n_cc], acc_ids[uniq % n_acc]]))
    fc = revised[revised.month.dt.year == end.year].copy()
    fc_key = pd.MultiIndex.from_arrays([fc.month.astype(str), fc.cost_center_id, fc.account_code])
    fc_actual = actual.reindex(fc_key).to_numpy()
    fc["budget"] = np.where(fc.month.isin(closed), np.nan_to_num(fc_actual), fc.budget)
    budgets = pd.concat([
        original.assign(version="original"),
        revised.assign(version="revised"),
        fc.assign(version="forecast"),
    ], ignore_index=True)
    budgets = budgets.assign(period=budgets.month.astype(str)).rename(columns={"budget": "budget_amount"})
    budgets = budgets[["version", "period", "cost_center_id", "account_code", "budget_amount"]]

    # cash balances: month-ends and the day before the as-of date, from the bank account's lines
    snaps = sorted(set(pd.date_range(start, end - pd.Timedelta(days=1), freq="ME")) | {end - pd.Timedelta(days=1)})
    snap_day = cal.day(np.array([s.to_datetime64() for s in snaps]))
    bank_key, bank_cents = [], []
    for x in posts:
        b = x.l_acc == _ACC["1002"]
        bank_key.append(x.l_plant[b].astype(np.int64) * cal.n_days + x.day[x.l_doc[b]])
        bank_cents.append(x.l_cents[b])
    daily = np.bincount(np.concatenate(bank_key), weights=np.concatenate(bank_cents),
                        minlength=len(plant_list) * cal.n_days).round().astype(np.int64)
    running = np.cumsum(daily.reshape(len(plant_list), cal.n_days), axis=1)
    bank_of = dict(zip(lay.bank_accounts.plant_id, lay.bank_accounts.bank_account_id))
    cash_balances = pd.concat([
        pd.DataFrame({"bank_account_id": bank_of[pl], "balance_date": snaps, "balance_amount": running[i, snap_day] / 100.0})
        for i, pl in enumerate(plant_list)
    ], ignore_index=True)

    release_memory()
    vouchers_df, lines_df = assemble(p, posts)
    info_extra = pd.DataFrame({"info_key": ["planted_unposted_work_orders"],
                               "info_value": [",".join(p.wo_ids.take(pa.array(unposted, type=pa.int64())).to_pylist())]})
    return {
        "purchase_orders": pd.concat([t["purchase_orders"], service_po], ignore_index=True),
        "vouchers": vouchers_df,
        "voucher_lines": lines_df,
        "budgets": budgets,
        "cash_balances": cash_balances,
        "_info_extra": info_extra,
    }


def build_sales_budgets(sold: pd.DataFrame, products: pd.DataFrame, cfg: SampleConfig) -> pd.DataFrame:
    """The original sales budget per month x product, from history start to the end of the as-of
    year: each product's average monthly units sold in the closed months, seasonal and 5 % up
    (like the 6001 revenue budget), at its average net price and its standard unit cost."""
    start, end = history_start(cfg), pd.Timestamp(cfg.as_of)
    months = pd.period_range(start, pd.Period(f"{end.year}-12", freq="M"), freq="M")
    n_closed = max(len([m for m in months if m.end_time < end]), 1)
    sold = sold[sold.qty > 0]
    std = _std_unit_cost(products).reindex(sold.index)
    season = pd.Series([0.95, 0.7, 0.95, 1.0, 1.0, 0.95, 0.9, 0.95, 1.05, 1.15, 1.25, 1.2], index=range(1, 13))
    season = season / season.mean()
    grid = pd.DataFrame({"product_id": sold.index}).merge(pd.DataFrame({"month": months}), how="cross")
    per_month = (sold.qty / n_closed).reindex(grid.product_id).to_numpy()
    return pd.DataFrame({
        "version": "original",
        "period": grid.month.astype(str),
        "product_id": grid.product_id,
        "budget_qty": np.round(per_month * season.reindex(grid.month.dt.month).to_numpy() * 1.05, 0),
        "budget_price": np.round((sold.net / sold.qty).reindex(grid.product_id).to_numpy(), 2),
        "budget_std_cost_per_unit": np.round(std.reindex(grid.product_id).to_numpy(), 4),
    })
