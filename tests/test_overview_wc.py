"""The overview's working-capital reads (#17): the ledger's working-capital movements are read
once (``ui.data.cash_wc_ledger``) for the cash page's months (the cockpit's DSO, DIO, DPO and
CCC) and the working-capital warnings; both equal what the reports read for themselves, to the
bit, on every database."""

from __future__ import annotations

import pytest

from data_loaders.scope import Scope
from reports.cash import cash_working_capital_months
from reports.warnings import month_warnings
from tests.test_overview_reads import ui_data  # noqa: F401 - a fixture


@pytest.mark.parametrize("plants", [(), ("P2",)], ids=["all", "P2"])
def test_the_shared_ledger_read_gives_the_reports_months_and_warnings(ui_data, sample_url, sample_engine, plants):  # noqa: F811
    got = ui_data.cash_wc_months(sample_url, plants)
    want = cash_working_capital_months(sample_engine, plants)
    assert got.equals(want)
    for scope in (Scope("2026-10", "2026-10", plants), Scope("2025-11", "2026-10", plants)):
        shown = ui_data.warnings(sample_url, scope, models=False)["groups"]
        want = month_warnings(sample_engine, scope, rules=["working_capital"])["groups"]
        kinds = {g["kind"] for g in want}
        assert want and [g for g in shown if g["kind"] in kinds] == want  # fund occupation above the norm (the sample's)
