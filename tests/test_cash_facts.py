"""The open receivables as facts (``facts_open_receivables``, data_loaders/facts_cash.py): a
hand-built book with the arithmetic written out, and the sample on every database, read from the
facts and from the invoices and receipts, the same frame."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

from data_loaders import cash as C
from data_loaders import facts
from data_loaders import schema as s
from data_loaders.engine import read_frame
from data_loaders.facts_cash import facts_open_receivables
from data_loaders.scope import Scope
from reports.cash import as_of_date
from tests.conftest import refreshed_engine

AS_OF = dt.date(2026, 3, 15)


def _book() -> dict[str, pd.DataFrame]:
    plants = pd.DataFrame({"plant_id": ["P1", "P2"], "plant_name": ["Plant 1", "Plant 2"], "currency": ["CNY", "CNY"]})
    products = pd.DataFrame({"product_id": ["X1"], "product_name": ["Valve"], "family": ["Valves"], "unit": ["pcs"], "std_material_cost": [1.0],
                             "std_labor_cost": [1.0], "std_overhead_cost": [1.0], "list_price": [5.0]})
    customers = pd.DataFrame({"customer_id": ["C1", "C2"], "customer_name": ["One", "Two"], "payment_terms_days": [30, 60]})
    banks = pd.DataFrame({"bank_account_id": ["B1"], "bank_name": ["Bank"], "plant_id": ["P1"], "currency": ["CNY"]})
    invoices = pd.DataFrame([  # invoice, customer, plant, invoice date, due date, net
        ("I1", "C1", "P1", dt.date(2026, 1, 10), dt.date(2026, 2, 9), 100.00),   # paid 30.00 + 70.00: closed
        ("I2", "C1", "P1", dt.date(2026, 2, 1), dt.date(2026, 3, 3), 200.00),    # paid 50.00: 150.00 open
        ("I3", "C2", "P2", dt.date(2026, 2, 20), dt.date(2026, 4, 21), 80.10),   # nothing paid: 80.10 open
        ("I4", "C2", "P2", dt.date(2026, 3, 1), dt.date(2026, 3, 1), -20.00),    # a credit note, not refunded: −20.00 open
        ("I5", "C1", "P1", dt.date(2026, 3, 2), dt.date(2026, 4, 1), 10.00),     # paid 9.996 (rounded 10.00): closed within half a cent
        ("I6", "C1", "P1", dt.date(2026, 3, 15), dt.date(2026, 4, 14), 55.00),   # invoiced on the as-of date: not yet open
    ], columns=["invoice_id", "customer_id", "plant_id", "invoice_date", "due_date", "net_amount"])
    invoices = invoices.assign(product_id="X1", qty=1.0, gross_amount=invoices.net_amount, discount_amount=0.0)
    receipts = pd.DataFrame([
        ("R1", "I1", "C1", dt.date(2026, 1, 20), 30.00), ("R2", "I1", "C1", dt.date(2026, 2, 5), 70.00),
        ("R3", "I2", "C1", dt.date(2026, 3, 1), 50.00), ("R4", "I5", "C1", dt.date(2026, 3, 10), 10.00),
    ], columns=["receipt_id", "invoice_id", "customer_id", "receipt_date", "amount"]).assign(bank_account_id="B1")
    info = pd.DataFrame({"info_key": ["data_version", "as_of_date"], "info_value": ["v1", AS_OF.isoformat()]})
    return {"plants": plants, "products": products, "customers": customers, "bank_accounts": banks, "sales_invoices": invoices,
            "customer_receipts": receipts, "dataset_info": info}


@pytest.fixture
def book(empty_url):
    """The hand-built book with its facts derived (writable: a test adds a receipt)."""
    yield from refreshed_engine(empty_url, _book())


def test_open_receivables_facts_by_hand(book):
    assert facts.ready(book)
    rows = read_frame(book, sa.select(facts_open_receivables).order_by(facts_open_receivables.c.invoice_id))
    # I1 100.00 − 30.00 − 70.00 = 0 and I5 10.00 − 10.00 = 0 are closed; I6 is open at the data's end (55.00)
    assert rows.invoice_id.tolist() == ["I2", "I3", "I4", "I6"]
    assert rows.open_amount.round(2).tolist() == [200.00 - 50.00, 80.10, -20.00, 55.00]
    assert rows.period.tolist() == ["2026-02", "2026-02", "2026-03", "2026-03"]
    for use in (True, False):
        got = C.load_open_receivables(book, AS_OF, Scope(), use)  # I6, invoiced on the as-of date, is not open yet
        assert got.invoice_id.tolist() == ["I2", "I3", "I4"] and got.open_amount.round(2).tolist() == [150.00, 80.10, -20.00]
        got = C.load_open_receivables(book, AS_OF, Scope(plants=("P2",)), use)
        assert got.invoice_id.tolist() == ["I3", "I4"]
    pd.testing.assert_frame_equal(C.load_open_receivables(book, AS_OF, Scope(), True), C.load_open_receivables(book, AS_OF, Scope(), False),
                                  check_exact=True)


def test_an_as_of_date_before_a_receipt_reads_the_receipts_before_it(book):
    # as of 2026-02-01, R2 (02-05) and R3 (03-01) lie ahead: I1 owes 100.00 − 30.00 = 70.00; I2 is invoiced that day, not open yet.
    # The facts hold the open items after every receipt, so the loader reads the invoices and receipts (asked for the facts or not)
    early = dt.date(2026, 2, 1)
    for use in (True, False):
        got = C.load_open_receivables(book, early, Scope(), use)
        assert got.invoice_id.tolist() == ["I1"] and got.open_amount.round(2).tolist() == [70.00]


def test_a_refresh_of_some_periods_derives_the_open_items_whole(book):
    # a March receipt pays the rest of February's I2, and only March is refreshed: I2 must close all the same
    with book.begin() as conn:
        conn.execute(s.customer_receipts.insert().values(receipt_id="R5", invoice_id="I2", customer_id="C1", bank_account_id="B1",
                                                         receipt_date=dt.date(2026, 3, 12), amount=150.00))
    facts.refresh(book, ["2026-03"])
    got = C.load_open_receivables(book, AS_OF, Scope(), True)
    assert got.invoice_id.tolist() == ["I3", "I4"]  # 200.00 − 50.00 − 150.00 = 0: closed, though I2 is February's
    pd.testing.assert_frame_equal(got, C.load_open_receivables(book, AS_OF, Scope(), False), check_exact=True)


def test_sample_open_receivables_from_the_facts_on_every_database(sample_engine):
    as_of = as_of_date(sample_engine).date()
    assert not C._receipts_from(sample_engine, as_of)  # every receipt is history: the facts are read
    for scope in (Scope(), Scope(plants=("P1",))):
        fast, base = (C.load_open_receivables(sample_engine, as_of, scope, use) for use in (True, False))
        assert len(base) > 10
        pd.testing.assert_frame_equal(fast, base, check_exact=True)
    # the identity: the facts' rows invoiced before the as-of date, summed, are the invoices' net less their receipts before it
    si, cr = s.sales_invoices, s.customer_receipts
    with sample_engine.connect() as conn:
        invoiced = conn.execute(sa.select(sa.func.sum(si.c.net_amount)).where(si.c.invoice_date < as_of)).scalar()
        received = conn.execute(sa.select(sa.func.sum(cr.c.amount)).join(si, si.c.invoice_id == cr.c.invoice_id)
                                .where(si.c.invoice_date < as_of, cr.c.receipt_date < as_of)).scalar()
    fast = C.load_open_receivables(sample_engine, as_of, Scope(), True)
    assert fast.open_amount.sum() == pytest.approx(float(invoiced) - float(received), abs=0.01 * len(fast) + 0.01)


def test_plant_months_by_hand(book):
    got = C.load_working_capital_documents(book, Scope(), True).set_index(["plant_id", "period"])
    # P1: January I1 100.00 (R1 30.00 received); February I2 200.00 (R2 70.00 for I1);
    # March I5 10.00 + I6 55.00 = 65.00 (R3 50.00 + R4 10.00 = 60.00); every P1 invoice is due after its date (credit sales)
    assert got.loc[("P1", "2026-01"), ["invoiced_amount", "credit_sales_amount", "received_amount"]].tolist() == [100.00, 100.00, 30.00]
    assert got.loc[("P1", "2026-02"), ["invoiced_amount", "credit_sales_amount", "received_amount"]].tolist() == [200.00, 200.00, 70.00]
    assert got.loc[("P1", "2026-03"), ["invoiced_amount", "credit_sales_amount", "received_amount"]].tolist() == [65.00, 65.00, 60.00]
    # P2: February I3 80.10 on credit; March the credit note I4 −20.00, due on its date: no credit sale
    assert got.loc[("P2", "2026-02"), ["invoiced_amount", "credit_sales_amount"]].tolist() == [80.10, 80.10]
    assert got.loc[("P2", "2026-03"), ["invoiced_amount", "credit_sales_amount", "received_amount"]].tolist() == [-20.00, 0.0, 0.0]
    assert len(got) == 5 and (got[["supplier_invoiced_amount", "paid_amount"]] == 0).all().all()
    pd.testing.assert_frame_equal(C.load_working_capital_documents(book, Scope(), True), C.load_working_capital_documents(book, Scope(), False),
                                  check_exact=True)


def test_sample_plant_months_are_the_customers_rows_summed_on_every_database(sample_engine):
    from data_loaders.facts_cash import AMOUNTS, facts_cash_documents, facts_cash_plant_months

    f, m = facts_cash_documents, facts_cash_plant_months
    keys = ["plant_id", "period"]
    summed = read_frame(sample_engine, sa.select(f.c.plant_id, f.c.period, *[sa.func.sum(f.c[a]).label(a) for a in AMOUNTS]).group_by(f.c.plant_id, f.c.period))
    rows = read_frame(sample_engine, sa.select(m.c.plant_id, m.c.period, *[m.c[a] for a in AMOUNTS]))
    summed, rows = (x.sort_values(keys).reset_index(drop=True) for x in (summed, rows))
    assert len(rows) > 10
    amounts = list(AMOUNTS)
    pd.testing.assert_frame_equal(rows[amounts].astype(float).round(2), summed[amounts].astype(float).round(2))
    assert rows[keys].equals(summed[keys])
    for scope in (Scope(), Scope(plants=("P1",))):
        fast, base = (C.load_working_capital_documents(sample_engine, scope, use) for use in (True, False))
        if sample_engine.dialect.name == "duckdb":  # exact sums of NUMERIC, read as the nearest float: the same bits
            pd.testing.assert_frame_equal(fast, base, check_exact=True)
        else:  # SQLite sums floats: the cents
            pd.testing.assert_frame_equal(fast.round(2), base.round(2))


def test_paying_customers_by_hand(book):
    # C1 pays (R1…R4, all positive, at P1); C2 has invoices at P2 and no receipt
    for use in (True, False):
        assert sorted(C.load_paying_customers(book, AS_OF, Scope(), use)) == ["C1"]
        assert C.load_paying_customers(book, AS_OF, Scope(plants=("P2",)), use) == []
    # as of 2026-01-20 R1 is not history yet (dated that day): nobody has paid, asked for the facts or not
    assert C.load_paying_customers(book, dt.date(2026, 1, 20), Scope(), True) == []


def test_sample_paying_customers_on_every_database(sample_engine):
    as_of = as_of_date(sample_engine).date()
    for scope in (Scope(), Scope(plants=("P1",))):
        fast, base = (sorted(C.load_paying_customers(sample_engine, as_of, scope, use)) for use in (True, False))
        assert len(base) > 3 and fast == base


def test_receipt_history_by_hand(book):
    # R1…R4 all positive, against P1's invoices I1, I1, I2, I5 (due 02-09, 02-09, 03-03, 04-01)
    want = [("C1", dt.date(2026, 1, 20), 30.00, dt.date(2026, 2, 9)), ("C1", dt.date(2026, 2, 5), 70.00, dt.date(2026, 2, 9)),
            ("C1", dt.date(2026, 3, 1), 50.00, dt.date(2026, 3, 3)), ("C1", dt.date(2026, 3, 10), 10.00, dt.date(2026, 4, 1))]
    frames = {}
    for use in (True, False):
        got = frames[use] = C.load_receipt_history(book, AS_OF, Scope(), None, use)
        assert [(c, pd.Timestamp(r).date(), round(a, 2), pd.Timestamp(d).date()) for c, r, a, d in got.itertuples(index=False)] == want
        assert len(C.load_receipt_history(book, AS_OF, Scope(), dt.date(2026, 2, 5), use)) == 3  # since R2's date
        assert C.load_receipt_history(book, AS_OF, Scope(plants=("P2",)), None, use).empty
    pd.testing.assert_frame_equal(frames[True], frames[False], check_exact=True)
    # as of 2026-02-01, R2 (02-05) and later lie ahead: the invoices and receipts are read, asked for the facts or not
    assert len(C.load_receipt_history(book, dt.date(2026, 2, 1), Scope(), None, True)) == 1


def test_sample_receipt_history_on_every_database(sample_engine):
    """The payment delays' receipts from ``facts_customer_receipts`` = the receipts joined to
    their invoices: the same frame, and so the same delays to the bit."""
    from analytics.cash import compute_payment_delays

    as_of = as_of_date(sample_engine)
    since = (as_of - pd.Timedelta(days=180)).date()
    for scope in (Scope(), Scope(plants=("P1",))):
        fast, base = (C.load_receipt_history(sample_engine, as_of.date(), scope, since, use) for use in (True, False))
        assert len(base) > 50
        pd.testing.assert_frame_equal(fast, base, check_exact=True)
        assert compute_payment_delays(fast, as_of).equals(compute_payment_delays(base, as_of))


def test_customer_months_by_hand(book):
    # C1: January I1 100.00 invoiced, R1 30.00 received; February I2 200.00, R2 70.00; March I5 + I6 = 65.00, R3 + R4 = 60.00.
    # C2: February I3 80.10; March the credit note −20.00; nothing received
    for use in (True, False):
        got = C.load_customer_flows(book, Scope(), use).set_index(["customer_id", "period"])
        assert got.loc["C1"].invoiced_amount.tolist() == [100.00, 200.00, 65.00]
        assert got.loc["C1"].received_amount.tolist() == [30.00, 70.00, 60.00]
        assert got.loc["C2"].invoiced_amount.tolist() == [80.10, -20.00] and got.loc["C2"].received_amount.tolist() == [0.0, 0.0]
    pd.testing.assert_frame_equal(C.load_customer_flows(book, Scope(), True), C.load_customer_flows(book, Scope(), False), check_exact=True)


def test_sample_customer_months_on_every_database(sample_engine):
    for scope in (Scope(), Scope(plants=("P1",))):
        fast, base = (C.load_customer_flows(sample_engine, scope, use) for use in (True, False))
        assert len(base) > 10
        if sample_engine.dialect.name == "duckdb":  # exact sums of NUMERIC, read as the nearest float: the same bits
            pd.testing.assert_frame_equal(fast, base, check_exact=True)
        else:  # SQLite sums floats: the cents
            pd.testing.assert_frame_equal(fast.round(2), base.round(2))


# --------------------------------------------------------------------------- the cockpit's cash (facts_cockpit)
def test_cockpit_cash_facts_by_hand(book):
    """The stored forecast and delays of the hand-built book (as of Sunday 2026-03-15; no bank
    balance, plan, payables, orders nor budget: the receivables alone move the balance)."""
    from data_loaders import facts_cockpit as FC

    stored = FC.load_stored(book, pd.Timestamp(AS_OF))
    # C1's receipts, days after the due date x amount: R1 01-20 vs 02-09 = −20 x 30.00, R2 02-05 vs 02-09 = −4 x 70.00,
    # R3 03-01 vs 03-03 = −2 x 50.00, R4 03-10 vs 04-01 = −22 x 10.00: −1,200 / 160.00 = −7.5 days. C2 paid nothing: no delay of its own
    assert stored["delays"].to_dict() == {"C1": -7.5}
    weeks = stored["weeks"]
    # the week of the as-of date starts Monday 03-09. I2 (150.00, due 03-03 − 7.5 days) and the credit note I4 (−20.00, due
    # 03-01) are expected before today: today, week 0 (150.00 − 20.00 = 130.00). I3 (80.10, C2 at the average −7.5 days):
    # due 04-21 − 7.5 days = 04-13 12:00, on that day, the Monday of week 5. No opening balance: 0
    mondays = ("03-09", "03-16", "03-23", "03-30", "04-06", "04-13")
    assert weeks.period_start_date.tolist()[:6] == [pd.Timestamp(f"2026-{d}") for d in mondays]
    assert weeks.in_receivables_amount.tolist() == [130.00, 0, 0, 0, 0, 80.10] + [0.0] * 7
    assert weeks.closing_amount.tolist() == [130.00] * 5 + [210.10] * 8
    assert len(weeks) == 13 and weeks.opening_amount.iloc[0] == 0.0
    # working capital of the closed months before March, from the documents (no ledger): January I1 100.00 − R1 30.00 = 70.00
    # receivable; February + I2 200.00 + I3 80.10 − R2 70.00 = 280.10
    months = stored["wc_months"]
    assert months.period.tolist() == ["2026-01", "2026-02"] and months.receivables_amount.round(2).tolist() == [70.00, 280.10]
    assert months.receivables_source.tolist() == ["documents", "documents"]


def test_cockpit_cash_facts_need_the_stated_as_of_date(book):
    from data_loaders import facts_cockpit as FC

    assert FC.load_stored(book, pd.Timestamp(AS_OF) + pd.Timedelta(days=1)) is None  # computed for another day: not these
    with book.begin() as conn:  # no as-of date: the reports start from today, another day at every view; nothing is stored
        conn.execute(s.dataset_info.delete().where(s.dataset_info.c.info_key == "as_of_date"))
    facts.refresh(book)
    assert FC.load_stored(book, pd.Timestamp(AS_OF)) is None
    with book.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(FC.facts_cash_forecast_weeks)).scalar() == 0


def test_a_failing_cockpit_cash_figure_stores_nothing_and_fails_no_refresh(book, monkeypatch):
    """The pages compute (and report) these figures themselves: an import never fails for them."""
    from data_loaders import facts_cockpit as FC
    from reports import cash as RC

    def broken(*args, **kwargs):
        raise ValueError("a plan row the forecast cannot read")

    monkeypatch.setattr(RC, "cash_inputs", broken)
    facts.refresh(book)
    assert facts.ready(book) and FC.load_stored(book, pd.Timestamp(AS_OF)) is None


def test_a_statement_the_database_refuses_stores_nothing_and_fails_no_refresh(book, monkeypatch):
    """The family derived from the facts runs after they are committed: a failed statement there
    (it aborts a transaction on DuckDB and PostgreSQL) leaves the other facts fresh and its own
    tables empty, and the pages compute its figures."""
    from data_loaders import facts_cockpit as FC

    def refused(engine, periods):
        engine.execute(sa.text("SELECT no_such_column FROM facts_wc_months"))  # the database refuses it
        return {}

    monkeypatch.setattr(FC, "derive", refused)
    out = facts.refresh(book)
    assert facts.ready(book) and FC.load_stored(book, pd.Timestamp(AS_OF)) is None
    assert out["facts_cash_forecast_weeks"]["rows"] == 0 and out["facts_cash_documents"]["rows"] > 0
    with book.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(facts_open_receivables)).scalar() > 0  # the other facts kept


def test_sample_cockpit_cash_facts_are_the_reports_on_every_database(sample_engine):
    """Read back, the stored forecast and delays are the frames the reports compute, to the bit."""
    from data_loaders import facts_cockpit as FC
    from reports import cash as RC
    from reports import cockpit as RK

    as_of = as_of_date(sample_engine)
    stored = FC.load_stored(sample_engine, as_of)
    inputs = RC.cash_inputs(sample_engine, (), as_of=as_of)
    delays = RC.payment_delays(sample_engine, (), as_of)
    assert len(delays) > 5 and inputs["opening"] > 0
    pd.testing.assert_series_equal(stored["delays"], delays, check_exact=True)
    pd.testing.assert_frame_equal(stored["weeks"], RK.cash_forecast(inputs, delays), check_exact=True)
    # the months from the other facts (derived after them, in the refresh's transaction), as a view with fresh facts reads them
    months = RC.cash_working_capital_months(sample_engine, (), as_of, use_facts=True)
    assert len(months) > 12 and months.period.max() < as_of.strftime("%Y-%m")
    pd.testing.assert_frame_equal(stored["wc_months"], months, check_exact=True)
    from_base = RC.cash_working_capital_months(sample_engine, (), as_of, use_facts=False)
    if sample_engine.dialect.name == "duckdb":  # the facts' exact NUMERIC sums, read as the nearest float: the same bits
        pd.testing.assert_frame_equal(stored["wc_months"], from_base, check_exact=True)
    else:  # other databases sum the facts' floats in their own order: the same cents
        pd.testing.assert_frame_equal(stored["wc_months"].round(2), from_base.round(2))


def test_sample_warning_inputs_facts_are_the_warnings_on_every_database(sample_engine):
    """Read back, the stored working-capital days and balances and the untied orders are the
    frames the warnings compute from fresh facts, to the bit; the ledger-only path (base tables)
    gives the same cents."""
    from analytics.warnings import WarningSettings
    from data_loaders import facts_cockpit as FC
    from reports import cash as RC
    from reports import lineage as RL
    from reports import warnings as RW

    as_of = as_of_date(sample_engine)
    days, balances = FC.load_wc_inputs(sample_engine, as_of)
    for use in (True, False):
        ledger = C.load_working_capital_ledger(sample_engine, Scope(), use)
        want_days, want_balances = RW.working_capital_inputs(RC.cash_working_capital_months(sample_engine, (), as_of, use), ledger)
        assert len(want_days) > 12 and len(want_balances) > 12 and want_balances.plant_id.nunique() >= 2
        if use or sample_engine.dialect.name == "duckdb":
            pd.testing.assert_frame_equal(days, want_days, check_exact=True)
            pd.testing.assert_frame_equal(balances, want_balances, check_exact=True)
        else:
            pd.testing.assert_frame_equal(days.round(2), want_days.round(2))
            pd.testing.assert_frame_equal(balances.round(2), want_balances.round(2))
    untied = FC.load_untied(sample_engine, as_of)
    want = RL.wip_tie_summary(sample_engine, Scope(), WarningSettings().wip_tolerance, use_facts=True)["untied"]
    assert len(want) > 0  # the sample plants untied orders
    pd.testing.assert_frame_equal(untied, want, check_exact=True)


def test_sample_month_facts_are_the_p_and_l_and_output_of_every_month_on_every_database(sample_engine):
    """Read back, the stored P&L and output of every month are the frames computed from the ledger
    and production facts, to the bit."""
    from analytics.ledger import compute_monthly_pnl, compute_production_monthly
    from data_loaders import facts_cockpit as FC
    from data_loaders import queries as Q

    as_of = as_of_date(sample_engine)
    pnl = compute_monthly_pnl(Q.load_ledger_by_category(sample_engine, Scope(), True))
    output = compute_production_monthly(Q.load_production_daily(sample_engine, Scope(), True))
    assert len(pnl) > 12 and output.family.nunique() >= 2
    pd.testing.assert_frame_equal(FC.load_pnl_months(sample_engine, as_of), pnl, check_exact=True)
    pd.testing.assert_frame_equal(FC.load_production_months(sample_engine, as_of), output, check_exact=True)


def test_the_ui_reads_the_whole_companys_cash_from_the_facts_and_computes_a_plants(sample_url, sample_engine):
    import streamlit as st
    import streamlit.logger

    from analytics.ledger import compute_monthly_pnl, compute_production_monthly
    from analytics.warnings import WarningSettings
    from data_loaders import queries as Q
    from reports import cash as RC
    from reports import cockpit as RK
    from reports import lineage as RL
    from reports import warnings as RW
    from ui import data

    streamlit.logger.set_log_level("error")
    st.cache_data.clear()
    data.check_version(sample_url)
    try:
        assert data.cash_facts(sample_url) is not None
        for plants in ((), ("P1",)):
            as_of = as_of_date(sample_engine)
            inputs = RC.cash_inputs(sample_engine, plants, as_of=as_of)
            delays = RC.payment_delays(sample_engine, plants, as_of)
            pd.testing.assert_series_equal(data.payment_delays(sample_url, plants), delays, check_exact=True)
            pd.testing.assert_frame_equal(data.cockpit_forecast(sample_url, plants), RK.cash_forecast(inputs, delays), check_exact=True)
            months = RC.cash_working_capital_months(sample_engine, plants, as_of)
            pd.testing.assert_frame_equal(data.cash_wc_months(sample_url, plants).round(2), months.round(2))
            # the warnings' inputs and the months of the KPIs: stored for every plant, computed for one; the same frames
            scope = Scope(plants=plants)
            days, balances = RW.working_capital_inputs(months, C.load_working_capital_ledger(sample_engine, scope, True))
            got_days, got_balances = data._wc_warning_inputs(sample_url, plants)
            pd.testing.assert_frame_equal(got_days.round(2), days.round(2))
            pd.testing.assert_frame_equal(got_balances, balances, check_exact=True)
            untied = RL.wip_tie_summary(sample_engine, scope, WarningSettings().wip_tolerance)["untied"]
            pd.testing.assert_frame_equal(data._untied_every_month(sample_url, plants, (), WarningSettings().wip_tolerance), untied,
                                          check_exact=True)
            pd.testing.assert_frame_equal(data._pnl_months(sample_url, plants, ()),
                                          compute_monthly_pnl(Q.load_ledger_by_category(sample_engine, scope, True)), check_exact=True)
            pd.testing.assert_frame_equal(data._production_months(sample_url, plants, ()),
                                          compute_production_monthly(Q.load_production_daily(sample_engine, scope, True)), check_exact=True)
    finally:
        st.cache_data.clear()
