"""Shared fixtures: the bundled sample, loaded once per test session."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

import workbench as wb

# no property test has a time limit: a busy machine (CI shares its cores) made the default
# 200 ms deadline fail tests whose results were right; speed is measured in benchmarks/
settings.register_profile("workbench", deadline=None)
settings.load_profile("workbench")

# dashboards built by tests (and the Voila servers they start) compute no pages ahead: the
# warming thread would compete with the tests for the cores (tests/test_views_sources.py
# tests the warming itself)
os.environ.setdefault("WORKBENCH_WARM", "0")


@pytest.fixture(scope="session")
def kota():
    """The Kota Contoh sample (do not modify it in a test; use .copy())."""
    return wb.read_sample("kota_contoh")
