"""Deprecations: old argument names and old return shapes keep working, with a warning.

The API changes only with a deprecation (see DESIGN.md, "Stable API"): a renamed argument
is still accepted for one release and warns with :class:`DeprecationWarning`; a result
that used to be a DataFrame still answers the DataFrame calls that old code makes.

Examples
--------
>>> import warnings
>>> with warnings.catch_warnings(record=True) as w:
...     warnings.simplefilter("always")
...     renamed("f", "level", "confidence", 0.9, 0.95, default=0.95)
0.9
>>> str(w[0].message)
'`f(level=...)` is deprecated; use `confidence=` instead.'
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pandas as pd

from workbench.errors import ParameterError

__all__ = ["FrameCompat", "MethodFrame", "renamed", "warn"]

_UNSET: Any = object()


def warn(message: str, stacklevel: int = 3) -> None:
    """Emit a :class:`DeprecationWarning` pointing at the caller's caller."""
    warnings.warn(message, DeprecationWarning, stacklevel=stacklevel)


def renamed(func: str, old: str, new: str, old_value: Any, new_value: Any, *, default: Any) -> Any:
    """The value of an argument renamed from ``old`` to ``new``.

    ``old_value`` is what the caller passed under the old name (``None`` or the module's
    unset marker when not passed). Passing both names with different values is an error.
    """
    if old_value is None or old_value is _UNSET:
        return new_value
    warn(f"`{func}({old}=...)` is deprecated; use `{new}=` instead.", stacklevel=4)
    if new_value is not default and new_value != default and new_value != old_value:
        raise ParameterError(f"`{func}` got both `{old}=` (deprecated) and `{new}=`; pass only `{new}=`.")
    return old_value


class FrameCompat:
    """Old DataFrame-style access to a result whose ``to_frame()`` is the old frame.

    Indexing (``result["icc"]``), ``.loc``, ``.iloc``, ``.columns``, ``.index``,
    ``.round()`` and the other DataFrame attributes still work, each with a
    :class:`DeprecationWarning` that says to call ``.to_frame()`` first.
    """

    _compat_name = "result"

    def to_frame(self) -> pd.DataFrame:  # pragma: no cover - defined by the subclass
        raise NotImplementedError

    def _old(self, what: str) -> pd.DataFrame:
        warn(f"Using the {self._compat_name} as a DataFrame ({what}) is deprecated; call "
             f".to_frame() first.", stacklevel=4)
        return self.to_frame()

    def __getitem__(self, key: Any) -> Any:
        return self._old("[...]")[key]

    def __getattr__(self, name: str) -> Any:
        # only reached when normal lookup fails: dataclass fields and methods win
        if name.startswith("_"):
            raise AttributeError(name)
        frame_attr = getattr(pd.DataFrame, name, None)
        if frame_attr is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        return getattr(self._old(f".{name}"), name)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._old("iteration"))

    def __len__(self) -> int:
        return len(self.to_frame())


class MethodFrame:
    """A DataFrame that used to be an attribute and is now a method.

    Calling it (``result.summary()``) returns the frame; using it as a frame
    (``result.summary.set_index(...)``) still works, with a :class:`DeprecationWarning`.
    """

    def __init__(self, compute: Callable[[], pd.DataFrame | None], name: str) -> None:
        self._compute = compute
        self._name = name

    def __call__(self) -> pd.DataFrame | None:
        return self._compute()

    def _frame(self) -> pd.DataFrame:
        warn(f"`.{self._name}` is a method now; call `.{self._name}()`.", stacklevel=4)
        out = self._compute()
        if out is None:
            raise AttributeError(f"this result has no {self._name}")
        return out

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._frame(), name)

    def __getitem__(self, key: Any) -> Any:
        return self._frame()[key]

    def __len__(self) -> int:
        out = self._compute()
        return 0 if out is None else len(out)

    def __bool__(self) -> bool:
        return self._compute() is not None

    def __eq__(self, other: object) -> Any:
        if other is None:
            return self._compute() is None
        return self._frame() == other

    def __repr__(self) -> str:
        return repr(self._compute())
