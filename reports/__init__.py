"""Compositions of loaders and analytics into plain results, shared by the CLI and ``ui/data.py``.

No SQL (that is ``data_loaders``), no formulas (``analytics``), no Streamlit (``ui``): each
function runs loaders, passes their frames to analytics and returns what a page or a JSON
report needs, so the command line and the screens show the same numbers.
"""
