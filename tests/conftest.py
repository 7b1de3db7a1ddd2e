"""Shared fixtures: the bundled sample, loaded once per test session."""

from __future__ import annotations

import pytest

import workbench as wb


@pytest.fixture(scope="session")
def kota():
    """The Kota Contoh sample (do not modify it in a test; use .copy())."""
    return wb.read_sample("kota_contoh")
