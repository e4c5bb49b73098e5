"""Text from the data or from a URL, made inert before it reaches Markdown.

Streamlit renders ``st.markdown``, ``st.caption``, ``st.info``/``warning``/``error``/``success``,
subheaders, toasts and widget labels as Markdown with its own directives: ``[text](url)`` is a
live link, ``![x](url)`` an image the browser fetches, ``:red[…]`` colours, ``:material/…:``
icons, ``$…$`` LaTeX. A voucher description, a product name or a ``?voucher=`` deep link can
carry any of these. ``md`` escapes every character Markdown or a directive could use, so the
value shows exactly as typed; ``plain`` is for places that are not Markdown (no escapes).
"""

from __future__ import annotations

import re

_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>$:=&])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def plain(value, limit: int = 500) -> str:
    """``value`` as one line of text: control characters and NULs removed, newlines as spaces,
    cut at ``limit`` characters (with …)."""
    text = "" if value is None else str(value)
    text = _CONTROL.sub("", text.replace("\r\n", " ").replace("\n", " ").replace("\r", " "))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def md(value, limit: int = 500) -> str:
    """``value`` escaped for Streamlit Markdown: shown as typed, never a link, image, colour,
    icon, formula or HTML (tests/test_hostile_text.py renders it in a browser)."""
    return _SPECIAL.sub(r"\\\1", plain(value, limit)).replace("/", "\\/")
