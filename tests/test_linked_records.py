"""An early warning opens its page on the record it names (#13): the budget cell, the product's
variances, the work center's month, the cash week. AppTest on the small sample: one click on the
overview's item, then the page's own drill is open on that record."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.test_warnings_app import overview  # noqa: F401 - the overview on the small sample (fixture)


def _follow(at: AppTest, key: str) -> AppTest:
    label = at.button(key=key).label
    at.button(key=key).click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at, label


def test_the_budget_warning_opens_its_cost_center_and_account(overview):
    at, label = _follow(overview, "wn_budget_overrun_0")
    assert "P2-MNT" in label
    # the tree row, then the account row, are selected: the page shows the cell's voucher lines
    headings = " ".join(m.value for m in at.markdown)
    assert "P2-MNT" in headings and "510103" in headings, headings


def test_the_cost_variance_warning_opens_its_product(overview):
    at, _ = _follow(overview, "wn_cost_variance_0")
    product = at.query_params["product"]
    assert any(product in m.value for m in at.markdown), [m.value for m in at.markdown][:20]


def test_a_link_selects_once_then_the_user_may_pick_another_row(overview):
    at, _ = _follow(overview, "wn_budget_overrun_0")
    at.session_state["bg_tree"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    assert at.session_state["bg_tree"]["selection"]["rows"] == [0]  # not put back on the linked row


def test_the_oee_warning_opens_its_work_center_month(overview):
    at, _ = _follow(overview, "wn_oee_drop_0")
    wc = at.query_params["work_center"]
    month = at.session_state["month"]  # the link's month became the filter's
    # the OEE page's drill into that work center's month (the scope's last) is open
    assert any(wc in m.value and month in m.value for m in at.markdown), [m.value for m in at.markdown][:20]
