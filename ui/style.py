"""The few style rules Streamlit's theme cannot express, injected once per run by the router.

KPI cards wrap their labels and values instead of cutting them off with an ellipsis, and the
value's size follows the width, so seven cards fit a 1440 px screen and a long label on a
narrow card stays readable.
"""

from __future__ import annotations

import streamlit as st

CSS = """
<style>
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] * {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
}
[data-testid="stMetricValue"], [data-testid="stMetricValue"] * {
  white-space: normal !important; overflow-wrap: anywhere; overflow: visible !important; text-overflow: clip !important;
  font-size: clamp(1.35rem, 2.1vw, 2.25rem) !important; line-height: 1.2 !important;
}
[data-testid="stMetricDelta"] { white-space: normal !important; }
</style>
"""


def apply_style() -> None:
    st.html(CSS)
