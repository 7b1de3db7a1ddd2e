"""The message catalogue: every label a leader reads, in Bahasa Indonesia and English.

Labels live in one file, ``labels.yaml`` next to this module, as ``key: {id: ..., en: ...}``.
Bahasa Indonesia is the default. Placeholders follow :meth:`str.format`.

Examples
--------
>>> t("page.ringkasan_pimpinan")
'Ringkasan Pimpinan'
>>> t("page.ringkasan_pimpinan", lang="en")
'Leadership Overview'
>>> t("fig.curve.title", ok=9, n=12)
'9 dari 12 OPD memenuhi kurva distribusi'
>>> t("predikat.Baik", lang="en")
'Good'

Numbers follow the language: a comma for decimals and a dot for thousands in Bahasa
Indonesia, the other way round in English (:func:`number`).

>>> t("fig.trend.title", first=0.937, last=0.9512, p0="2025-Q1", p1="2025-Q4")
'Porsi Baik ke atas: 93,7% (2025-Q1) menjadi 95,1% (2025-Q4)'
>>> number(1234567, ",", "id"), number(1234567, ",", "en"), number(0.5, ".1%", "id")
('1.234.567', '1,234,567', '50,0%')
"""

from __future__ import annotations

import numbers
import string
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, cast

import yaml

from workbench.errors import ParameterError, check_option

__all__ = ["LANGUAGES", "Lang", "catalogue", "number", "t"]

Lang = Literal["id", "en"]
LANGUAGES: tuple[str, ...] = ("id", "en")
"""Supported languages; the first is the default."""

_FILE = Path(__file__).with_name("labels.yaml")


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    """The whole catalogue, ``{key: {"id": ..., "en": ...}}`` (read once)."""
    with _FILE.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    return {str(k): {str(lang): str(text) for lang, text in v.items()} for k, v in data.items()}


def t(key: str, lang: str = "id", **values: Any) -> str:
    """The label ``key`` in ``lang``, with ``values`` filled into its placeholders.

    Parameters
    ----------
    key
        A catalogue key, e.g. ``"fig.curve.title"``.
    lang
        ``"id"`` (Bahasa Indonesia, default) or ``"en"``.
    **values
        Values for the placeholders.

    Raises
    ------
    ParameterError
        For an unknown language or key.
    """
    check_option("lang", lang, LANGUAGES)
    entry = catalogue().get(key)
    if entry is None:
        raise ParameterError(f"No label '{key}' in the message catalogue {_FILE.name}; add it with "
                             "both an 'id' and an 'en' text.")
    text = entry[lang]
    return _FORMATTERS[lang].format(text, **values) if values else text


_SWAP = str.maketrans({",": ".", ".": ","})


def number(value: float, spec: str = ",", lang: str = "id") -> str:
    """``value`` formatted with the format ``spec`` (``","``, ``".1%"``, ``",.2f"``)
    as ``lang`` writes numbers: ``1.234,5`` in Bahasa Indonesia, ``1,234.5`` in English."""
    out = format(value, spec)
    return out.translate(_SWAP) if lang == "id" else out


class _Formatter(string.Formatter):
    """:meth:`str.format` whose numbers are written as :func:`number` writes them."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, numbers.Real) and not isinstance(value, bool):
            return number(cast(float, value), format_spec, self.lang)
        return super().format_field(value, format_spec)


_FORMATTERS = {lang: _Formatter(lang) for lang in LANGUAGES}
