"""Handing freed memory back to the system between the large steps of a load.

Both allocators a load uses keep memory that was freed: pyarrow's pool (mimalloc)
returns it after a delay, and the C library's ``malloc`` (glibc) keeps free space in
its heaps until asked. A 1,000,000-row file leaves tens of MiB behind each large step
(parsing, the checks, each column of the result); without this the process's peak
memory is the sum of those leftovers and the result, not the result and its inputs.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

__all__ = ["release_memory"]

_TRIM: list[Any] = []


def _malloc_trim() -> Any:
    """glibc's ``malloc_trim``, or None where the C library has none (macOS, musl, Windows)."""
    if not _TRIM:
        try:
            _TRIM.append(ctypes.CDLL(None).malloc_trim)
        except (OSError, TypeError, AttributeError):
            _TRIM.append(None)
    return _TRIM[0]


def release_memory() -> None:
    """Return the memory freed so far to the system: pyarrow's unused pool memory (when
    pyarrow is loaded) and the free pages of the C heap (where ``malloc_trim`` exists).

    Nothing is freed that is still in use; it costs a few milliseconds.

    >>> release_memory()
    """
    pa = sys.modules.get("pyarrow")
    if pa is not None:
        pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
