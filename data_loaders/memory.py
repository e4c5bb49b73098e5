"""Give freed memory back to the operating system.

pandas, numpy and Arrow free large temporaries into their allocators, which keep them: the
resident size of a long-running process (the Streamlit server after a few pages, an import of
a large file, the sample generator between its steps) then counts memory nothing uses. glibc's
``malloc_trim`` returns the C heap's free pages and Arrow's pool releases its unused blocks;
elsewhere (macOS, musl) only Arrow's part applies.
"""

from __future__ import annotations

import sys

import pyarrow as pa

_trim = None


def release_memory() -> None:
    """Return freed heap memory to the system (cheap: a few milliseconds on a server's heap)."""
    global _trim
    pa.default_memory_pool().release_unused()
    if _trim is None:
        _trim = False
        if sys.platform.startswith("linux"):
            try:
                import ctypes

                _trim = getattr(ctypes.CDLL("libc.so.6"), "malloc_trim", False)
            except OSError:
                pass
    if _trim:
        _trim(0)
