"""Shared fixtures: the bundled sample, loaded once per test session."""

from __future__ import annotations

import os

import pytest

import workbench as wb

# dashboards built by tests (and the Voila servers they start) compute no pages ahead: the
# warming thread would compete with the tests for the cores (tests/test_views_sources.py
# tests the warming itself)
os.environ.setdefault("WORKBENCH_WARM", "0")


@pytest.fixture(scope="session")
def kota():
    """The Kota Contoh sample (do not modify it in a test; use .copy())."""
    return wb.read_sample("kota_contoh")
