"""Excel export of any table a page shows, with its on-screen headers."""

from __future__ import annotations

import io

import pandas as pd


def to_excel_bytes(frames: dict[str, pd.DataFrame]) -> bytes:
    """An .xlsx workbook with one sheet per frame (sheet names cut to Excel's 31 characters)."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        for name, frame in frames.items():
            frame.to_excel(writer, sheet_name=str(name)[:31] or "Sheet1", index=False)
    return buf.getvalue()
