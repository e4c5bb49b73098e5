"""The few style rules Streamlit's theme cannot express, injected once per run by the router.

KPI cards wrap their labels instead of cutting them off with an ellipsis, and a change's
comparison (``较上月`` / ``vs last month``) goes under the change when the card is too narrow for
both on one line, instead of reading ``较…``. A value never breaks
inside a number (``¥4,385.00`` above ``万`` was how a narrow card showed it): its size follows
the card's own width (a container query: 17 % of the card, at most 2.1 % of the screen), so that
the longest amount of a card (``¥4,385.00万``, ``-¥10,378.65M``) fits on one line, and a value
breaks only at a space (``58.0 天``).
"""

from __future__ import annotations

import streamlit as st

CSS = """
<style>
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] * {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
}
[data-testid="stMetric"] { container-type: inline-size; }
[data-testid="stMetricValue"], [data-testid="stMetricValue"] * {
  white-space: normal !important; word-break: keep-all !important; overflow-wrap: normal !important;
  overflow: visible !important; text-overflow: clip !important; line-height: 1.2 !important;
  font-size: clamp(0.8rem, min(2.1vw, 17cqi), 2.25rem) !important;
}
[data-testid="stMetricDelta"] { white-space: normal !important; }
div:has(> [data-testid="stMetricDelta"]) { flex-wrap: wrap !important; row-gap: 0.15rem; }
[data-testid="stMetricDeltaDescription"], [data-testid="stMetricDeltaDescription"] * {
  white-space: nowrap !important; overflow: visible !important; text-overflow: clip !important;
}
</style>
"""


def apply_style() -> None:
    st.html(CSS)
