"""The message catalogue: every key in both languages with the same placeholders."""

from __future__ import annotations

import string

import pytest

from workbench.errors import ParameterError
from workbench.i18n import LANGUAGES, catalogue, t


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_every_key_has_both_languages_and_same_placeholders():
    for key, entry in catalogue().items():
        assert set(entry) == set(LANGUAGES), key
        assert _fields(entry["id"]) == _fields(entry["en"]), key
        assert entry["id"].strip() and entry["en"].strip(), key


def test_no_label_says_error_or_traceback():
    # a dashboard page must never show these words (the browser tests look for them)
    for entry in catalogue().values():
        for text in entry.values():
            assert "Error" not in text and "Traceback" not in text


def test_unknown_key_or_language():
    with pytest.raises(ParameterError, match="No label"):
        t("no.such.key")
    with pytest.raises(ParameterError, match="lang"):
        t("page.ringkasan_pimpinan", lang="fr")


def test_default_language_is_indonesian():
    assert t("control.period") == "Periode"
    assert t("control.period", "en") == "Period"
