"""Handing freed memory back to the system (``workbench._memory``)."""

from __future__ import annotations

import ctypes

import pytest

from workbench import _memory


def test_release_memory_runs_with_and_without_the_c_librarys_trim(monkeypatch: pytest.MonkeyPatch) -> None:
    _memory.release_memory()
    monkeypatch.setattr(_memory, "_TRIM", [])

    def no_library(name: object) -> object:
        raise OSError("no C library")

    monkeypatch.setattr(ctypes, "CDLL", no_library)
    assert _memory._malloc_trim() is None  # macOS, musl or Windows: only pyarrow's pool is released
    _memory.release_memory()


def test_release_memory_returns_pyarrows_unused_memory() -> None:
    pa = pytest.importorskip("pyarrow")
    buf = pa.allocate_buffer(1 << 20)
    del buf
    _memory.release_memory()
    assert pa.total_allocated_bytes() >= 0  # released memory is not in use; nothing in use was freed
