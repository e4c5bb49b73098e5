"""Posting rules: the standard mapping from business events to vouchers (业财融合 映射规则).

``POSTING_RULES`` is the documented mapping (``docs/DATA_MODEL.md`` prints it); ``post_ledger``
applies it to the sample plant's documents. Amounts are integer cents until the voucher lines
are written, so every voucher balances exactly.

Sign rule: a positive document amount posts on the side the rule names; a negative amount (a
return, a credit note, a refund) posts on the opposite side.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.money import compute_overhead_cents, mul_cents
from sample_data import master
from sample_data.generator import PlantedStories, SampleConfig, _cents, history_start, post

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
_PERIOD_EXPENSES = [("P1-ADM", "6602", 380_000.0), ("P2-ADM", "6602", 320_000.0), ("HQ-FIN", "6602", 260_000.0)]


def _std_unit_cost(products: pd.DataFrame) -> pd.Series:
    p = products.set_index("product_id")
    return p.std_material_cost + p.std_labor_cost + p.std_overhead_cost


def machine_seconds(events: pd.DataFrame) -> pd.Series:
    """Seconds each work order held its machine (setup, running, minor stops, reduced speed)."""
    e = events[events.state.isin(["setup", "running", "minor_stop", "reduced_speed"]) & events.work_order_id.notna()]
    secs = (pd.to_datetime(e.end_at) - pd.to_datetime(e.start_at)).dt.total_seconds()
    return secs.groupby(e.work_order_id).sum()


def post_ledger(t: dict[str, pd.DataFrame], cfg: SampleConfig, stories: PlantedStories, rng) -> dict[str, pd.DataFrame]:
    """Vouchers, voucher lines, budgets and cash balances for the sample's documents."""
    end = pd.Timestamp(cfg.as_of)
    start = history_start(cfg)
    wo = t["work_orders"]
    wc = master.WORK_CENTERS.set_index("work_center_id")
    std = _std_unit_cost(t["products"])

    # planted: three orders completed last month whose labor, overhead and completion never reached the ledger
    last_month = (end - pd.DateOffset(months=1)).strftime("%Y-%m")
    done = wo[(wo.status == "completed") & (pd.to_datetime(wo.actual_end_at).dt.strftime("%Y-%m") == last_month)]
    unposted = list(done.groupby("plant_id").head(2).work_order_id.head(3))

    vouchers, lines = [], []

    def add(pair):
        if not pair[0].empty:
            vouchers.append(pair[0])
            lines.append(pair[1])

    # OB opening balances
    ob = pd.DataFrame({"plant_id": ["P1", "P2"], "date": [start, start]})
    ob["bank"] = _cents([26_000_000, 21_000_000])
    ob["fa"] = _cents([60_000_000, 48_000_000])
    ob["rm"] = _cents([3_000_000, 2_000_000])
    ob["fg"] = _cents([4_000_000, 3_000_000])
    ob["cap"] = ob.bank + ob.fa + ob.rm + ob.fg
    add(post(ob, "OB", "date", "期初余额 Opening balances", [
        dict(account="1002", amount="bank", side="D", plant="plant_id"),
        dict(account="1601", amount="fa", side="D", plant="plant_id"),
        dict(account="1403", amount="rm", side="D", plant="plant_id"),
        dict(account="1405", amount="fg", side="D", plant="plant_id"),
        dict(account="4001", amount="cap", side="C", plant="plant_id"),
    ]))

    # MI material issues and returns
    mi = t["material_issues"].merge(wo[["work_order_id", "plant_id", "product_id", "work_center_id"]], on="work_order_id")
    mi["cost_center_id"] = wc.cost_center_id.reindex(mi.work_center_id).to_numpy()
    mi["amt"] = mul_cents(mi.qty, 3, mi.unit_cost, 4) * np.where(mi.issue_type == "return", -1, 1)
    mi["_desc"] = np.where(mi.issue_type == "return", " return ", " issue ") + mi.work_order_id  # "生产领料 Material issue WO-…"
    add(post(mi, "MI", "issue_date", "生产领料 Material", [
        dict(account="500101", amount="amt", side="D", cost_center="cost_center_id", plant="plant_id", product="product_id", work_order="work_order_id", source=("material_issue", "material_issue_id")),
        dict(account="1403", amount="amt", side="C", plant="plant_id", work_order="work_order_id", source=("material_issue", "material_issue_id")),
    ]))

    # LB labor
    lb = t["labor_logs"].merge(wo[["work_order_id", "plant_id", "product_id"]], on="work_order_id")
    lb = lb[~lb.work_order_id.isin(unposted)]
    lb["cost_center_id"] = wc.cost_center_id.reindex(lb.work_center_id).to_numpy()
    lb["amt"] = mul_cents(lb.hours, 4, lb.rate_per_h, 2)
    lb["_desc"] = " " + lb.work_order_id
    add(post(lb, "LB", "work_date", "直接人工 Direct labor", [
        dict(account="500102", amount="amt", side="D", cost_center="cost_center_id", plant="plant_id", product="product_id", work_order="work_order_id", source=("labor_log", "labor_log_id")),
        dict(account="2211", amount="amt", side="C", cost_center="cost_center_id", plant="plant_id", work_order="work_order_id", source=("labor_log", "labor_log_id")),
    ]))

    # OH overhead absorbed at completion, FG completion
    comp = wo[(wo.status == "completed") & ~wo.work_order_id.isin(unposted)].copy()
    comp["date"] = pd.to_datetime(comp.actual_end_at).dt.normalize()
    comp["cost_center_id"] = wc.cost_center_id.reindex(comp.work_center_id).to_numpy()
    rate = (wc.machine_rate_per_h + wc.overhead_rate_per_h).reindex(comp.work_center_id).to_numpy()
    secs = machine_seconds(t["machine_events"]).reindex(comp.work_order_id).fillna(0).to_numpy()
    comp["oh"] = compute_overhead_cents(secs, rate)
    comp["_desc"] = " " + comp.work_order_id
    add(post(comp, "OH", "date", "制造费用分配 Overhead absorbed", [
        dict(account="500103", amount="oh", side="D", cost_center="cost_center_id", plant="plant_id", product="product_id", work_order="work_order_id", source=("work_order", "work_order_id")),
        dict(account="5109", amount="oh", side="C", cost_center="cost_center_id", plant="plant_id", work_order="work_order_id", source=("work_order", "work_order_id")),
    ]))
    mat = mi.groupby("work_order_id").amt.sum()
    lab = lb.groupby("work_order_id").amt.sum()
    comp["mat"] = mat.reindex(comp.work_order_id).fillna(0).astype(np.int64).to_numpy()
    comp["lab"] = lab.reindex(comp.work_order_id).fillna(0).astype(np.int64).to_numpy()
    comp["fg"] = mul_cents(comp.completed_qty, 3, std.reindex(comp.product_id).to_numpy(), 4)
    comp["var"] = comp.mat + comp.lab + comp.oh - comp.fg
    add(post(comp, "FG", "date", "完工入库 Completion", [
        dict(account="1405", amount="fg", side="D", plant="plant_id", product="product_id", work_order="work_order_id", source=("completion", "work_order_id")),
        dict(account="6409", amount="var", side="D", cost_center="cost_center_id", plant="plant_id", product="product_id", work_order="work_order_id", source=("completion", "work_order_id")),
        dict(account="500101", amount="mat", side="C", cost_center="cost_center_id", plant="plant_id", product="product_id", work_order="work_order_id", source=("completion", "work_order_id")),
        dict(account="500102", amount="lab", side="C", cost_center="cost_center_id", plant="plant_id", product="product_id", work_order="work_order_id", source=("completion", "work_order_id")),
        dict(account="500103", amount="oh", side="C", cost_center="cost_center_id", plant="plant_id", product="product_id", work_order="work_order_id", source=("completion", "work_order_id")),
    ]))

    # SA sales invoices and credit notes
    sa = t["sales_invoices"].copy()
    sa["rev"] = _cents(sa.net_amount)
    sa["cogs"] = mul_cents(sa.qty, 3, std.reindex(sa.product_id).to_numpy(), 4)
    sa["cc"] = "HQ-SAL"
    sa["_desc"] = " " + sa.customer_id + " " + sa.product_id
    add(post(sa, "SA", "invoice_date", "销售出库 Sale", [
        dict(account="1122", amount="rev", side="D", plant="plant_id", source=("sales_invoice", "invoice_id")),
        dict(account="6001", amount="rev", side="C", cost_center="cc", plant="plant_id", product="product_id", source=("sales_invoice", "invoice_id")),
        dict(account="6401", amount="cogs", side="D", cost_center="cc", plant="plant_id", product="product_id", source=("sales_invoice", "invoice_id")),
        dict(account="1405", amount="cogs", side="C", plant="plant_id", product="product_id", source=("sales_invoice", "invoice_id")),
    ]))

    # RC receipts
    rc = t["customer_receipts"].merge(t["sales_invoices"][["invoice_id", "plant_id"]], on="invoice_id")
    rc["amt"] = _cents(rc.amount)
    rc["_desc"] = " " + rc.customer_id
    add(post(rc, "RC", "receipt_date", "客户回款 Receipt", [
        dict(account="1002", amount="amt", side="D", plant="plant_id", source=("customer_receipt", "receipt_id")),
        dict(account="1122", amount="amt", side="C", plant="plant_id", source=("customer_receipt", "receipt_id")),
    ]))

    # PI supplier invoices, PY payments
    po_plant = t["purchase_orders"].set_index("purchase_order_id").plant_id
    pi = t["supplier_invoices"].copy()
    pi["plant_id"] = po_plant.reindex(pi.purchase_order_id).to_numpy()
    pi["amt"] = _cents(pi.amount)
    pi["_desc"] = " " + pi.supplier_id
    add(post(pi, "PI", "invoice_date", "采购入库 Purchase", [
        dict(account="1403", amount="amt", side="D", plant="plant_id", source=("supplier_invoice", "supplier_invoice_id")),
        dict(account="2202", amount="amt", side="C", plant="plant_id", source=("supplier_invoice", "supplier_invoice_id")),
    ]))
    py = t["supplier_payments"].merge(pi[["supplier_invoice_id", "plant_id"]], on="supplier_invoice_id")
    py["amt"] = _cents(py.amount)
    py["_desc"] = " " + py.supplier_id
    add(post(py, "PY", "payment_date", "供应商付款 Payment", [
        dict(account="2202", amount="amt", side="D", plant="plant_id", source=("supplier_payment", "payment_id")),
        dict(account="1002", amount="amt", side="C", plant="plant_id", source=("supplier_payment", "payment_id")),
    ]))

    # EX monthly overhead and period expenses, with budgets
    months = pd.period_range(start, end, freq="M")
    closed = [m for m in months if m.end_time < end]
    oh_month = comp.assign(m=comp.date.dt.to_period("M")).groupby("plant_id").oh.sum() / max(len(closed), 1) / 100.0
    rev_month = sa.rev.sum() / 100.0 / max(len(closed), 1)
    cogs_month = sa.cogs.sum() / 100.0 / max(len(closed), 1)
    plan = []
    for plant in ("P1", "P2"):
        prd = {"MACH": f"{plant}-MACH" if plant == "P1" else "P2-MOLD", "ASSY": f"{plant}-ASSY", "MNT": f"{plant}-MNT"}
        for group, account, share, credit in _OVERHEAD_SPLIT:
            plan.append((prd[group], plant, account, share * oh_month.get(plant, 0.0), credit))
    for cc, account, base in _PERIOD_EXPENSES:
        plan.append((cc, "P1" if cc.startswith("HQ") else cc[:2], account, base, "1002"))
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
    act["_desc"] = " " + act.cost_center_id + " " + act.month.astype(str)
    add(post(act, "EX", "date", "费用 Expenses", [
        dict(account="@account_code", amount="amt", side="D", cost_center="cost_center_id", plant="plant_id"),
        dict(account="@credit", amount="amt", side="C", plant="plant_id"),
    ]))

    # PR payroll: each plant's payroll of a month is paid on the 10th of the next
    payroll = pd.concat([
        lb.assign(m=pd.to_datetime(lb.work_date).dt.to_period("M"))[["plant_id", "m", "amt"]],
        act[act.credit == "2211"].assign(m=act.month)[["plant_id", "m", "amt"]],
    ]).groupby(["plant_id", "m"]).amt.sum().reset_index()
    payroll["date"] = (payroll.m + 1).dt.to_timestamp() + pd.Timedelta(days=9)
    payroll = payroll[payroll.date < end]
    payroll["_desc"] = " " + payroll.plant_id + " " + payroll.m.astype(str)
    add(post(payroll, "PR", "date", "发放工资 Payroll", [
        dict(account="2211", amount="amt", side="D", plant="plant_id"),
        dict(account="1002", amount="amt", side="C", plant="plant_id"),
    ]))

    # MJ the planted manual voucher: WIP debited with no source document
    mj = pd.DataFrame({"plant_id": ["P1"], "date": [pd.Period(stories.manual_voucher_period).to_timestamp() + pd.Timedelta(days=24)], "amt": [_cents(86_400.00)[()]]})
    mj["cc"] = "P1-MACH"
    add(post(mj, "MJ", "date", "手工调整 在产品 Manual adjustment to WIP", [
        dict(account="500101", amount="amt", side="D", cost_center="cc", plant="plant_id"),
        dict(account="2202", amount="amt", side="C", plant="plant_id"),
    ]))

    # open service orders: next month's maintenance and utilities, committed against the budget;
    # the planted overspender also has an overhaul on order
    next_month = end.to_period("M") + 1
    services = grid[(grid.month == next_month) & grid.account_code.isin(["510102", "510103"])].copy()
    services["amount"] = np.round(services.budget * rng.uniform(0.3, 0.6, len(services)), 2)
    over = (services.cost_center_id == stories.overspend_cost_center) & (services.account_code == stories.overspend_account)
    services.loc[over, "amount"] = np.round(services.loc[over, "budget"] * 1.5, 2)
    services = services.reset_index(drop=True)
    service_po = pd.DataFrame({
        "purchase_order_id": [f"PS{i:05d}" for i in range(1, len(services) + 1)],
        "supplier_id": np.where(services.account_code == "510103", "S09", "S10"),
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

    vouchers_df = pd.concat(vouchers, ignore_index=True)
    lines_df = pd.concat(lines, ignore_index=True)

    # forecast version: actuals for closed months of this year, revised budget after
    exp_lines = lines_df[lines_df.cost_center_id.notna()]
    actual = exp_lines.assign(amount=np.where(exp_lines.account_code == "6001", exp_lines.credit_amount - exp_lines.debit_amount, exp_lines.debit_amount - exp_lines.credit_amount))
    actual = actual.groupby(["period", "cost_center_id", "account_code"]).amount.sum()
    fc = revised[revised.month.dt.year == end.year].copy()
    key = pd.MultiIndex.from_arrays([fc.month.astype(str), fc.cost_center_id, fc.account_code])
    fc_actual = actual.reindex(key).to_numpy()
    fc["budget"] = np.where(fc.month.isin(closed), np.nan_to_num(fc_actual), fc.budget)
    budgets = pd.concat([
        original.assign(version="original"),
        revised.assign(version="revised"),
        fc.assign(version="forecast"),
    ], ignore_index=True)
    budgets = budgets.assign(period=budgets.month.astype(str)).rename(columns={"budget": "budget_amount"})
    budgets = budgets[["version", "period", "cost_center_id", "account_code", "budget_amount"]]

    # cash balances: month-ends and the day before the as-of date, from the bank account's lines
    bank = lines_df[lines_df.account_code == "1002"].merge(vouchers_df[["voucher_no", "voucher_date"]], on="voucher_no")
    bank["net"] = _cents(bank.debit_amount) - _cents(bank.credit_amount)
    daily = bank.groupby(["plant_id", "voucher_date"]).net.sum()
    # an as-of date on the 1st makes the day before a month-end already in the list: keep it once
    snaps = sorted(set(pd.date_range(start, end - pd.Timedelta(days=1), freq="ME")) | {end - pd.Timedelta(days=1)})
    rows = []
    for plant in ("P1", "P2"):
        s = daily.loc[plant].sort_index().cumsum()
        at = s.reindex(s.index.union(snaps)).ffill().fillna(0).reindex(snaps)
        rows.append(pd.DataFrame({"bank_account_id": f"BA-{plant}", "balance_date": snaps, "balance_amount": at.to_numpy() / 100.0}))
    cash_balances = pd.concat(rows, ignore_index=True)

    info_extra = pd.DataFrame({"info_key": ["planted_unposted_work_orders"], "info_value": [",".join(unposted)]})
    return {
        "purchase_orders": pd.concat([t["purchase_orders"], service_po], ignore_index=True),
        "vouchers": vouchers_df,
        "voucher_lines": lines_df,
        "budgets": budgets,
        "cash_balances": cash_balances,
        "_info_extra": info_extra,
    }


def build_sales_budgets(t: dict[str, pd.DataFrame], cfg: SampleConfig) -> pd.DataFrame:
    """The original sales budget per month x product, from history start to the end of the as-of
    year: each product's average monthly units sold in the closed months, seasonal and 5 % up
    (like the 6001 revenue budget), at its average net price and its standard unit cost."""
    start, end = history_start(cfg), pd.Timestamp(cfg.as_of)
    months = pd.period_range(start, pd.Period(f"{end.year}-12", freq="M"), freq="M")
    n_closed = max(len([m for m in months if m.end_time < end]), 1)
    sold = t["sales_invoices"].groupby("product_id").agg(qty=("qty", "sum"), net=("net_amount", "sum"))
    sold = sold[sold.qty > 0]
    std = _std_unit_cost(t["products"]).reindex(sold.index)
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
