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
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml

from workbench.errors import ParameterError, check_option

__all__ = ["LANGUAGES", "Lang", "catalogue", "t"]

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
    return text.format(**values) if values else text
