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

# only what can start markup: brackets (links, images, directives), emphasis, code, HTML, LaTeX,
# tables, headings, and a colon that opens a directive (:red[) or an icon or
# emoji code (:material/x:); times (10:30) and ports (host:5432) stay as they are; ids such as WO-2026-00417 stay as
# they are (tests and readers compare them)
_SPECIAL = re.compile(r"([\\`*_\[\]<>$~|#]|:(?=[A-Za-z_][\w/-]*[:\[]))")
# GFM links bare addresses after parsing, escapes already resolved: "https://…" and "www.…" stay
# text only if the characters themselves no longer read as one, so an invisible word joiner
# (U+2060) goes after the scheme's colon and after "www" (tests/test_hostile_text.py checks in Chromium)
_SCHEME = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*:)(?=//)")
_WWW = re.compile(r"(?i)\b(www)(?=\.)")
JOINER = "\u2060"
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
    text = _SPECIAL.sub(r"\\\1", plain(value, limit))
    return _WWW.sub(r"\1" + JOINER, _SCHEME.sub(r"\1" + JOINER, text))
