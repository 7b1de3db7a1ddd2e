"""Writing outputs safely: never over an input, never half a file.

Every file the command line writes (a published report, a CSV of problems) goes
through :func:`check_output` (not a folder, not an input file, not inside the dataset's
folder) and :func:`write_atomic` (a temporary file next to the target, flushed to disk,
then renamed over it: a kill or a full disk leaves the old file or none, never half a
report that looks complete). A CSV meant for a spreadsheet passes through
:func:`neutralise_formulas`.

Examples
--------
>>> import pathlib, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> out = write_atomic(folder / "a.txt", "hello")
>>> out.read_text(), sorted(p.name for p in folder.iterdir())
('hello', ['a.txt'])
>>> check_output(folder, [])
Traceback (most recent call last):
...
workbench.errors.ParameterError: The output ... is a folder; give a file name, e.g. .../laporan.html.
>>> neutralise_formulas(pd.DataFrame({"value": ["=1+1", "ok", "-3", "@x"]}))["value"].tolist()
["'=1+1", 'ok', "'-3", "'@x"]
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from workbench.errors import ParameterError

__all__ = ["check_output", "neutralise_formulas", "write_atomic"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def check_output(out: str | Path, inputs: Iterable[str | Path], example: str = "laporan.html") -> Path:
    """Return ``out`` as a path once it is safe to write.

    Raises
    ------
    ParameterError
        When ``out`` is a folder, is one of ``inputs`` (a file read), or lies inside an
        input folder (the dataset's folder: a file written there would be read as data
        next time, or overwrite one).
    """
    path = Path(out)
    if path.is_dir() or str(out).endswith(("/", os.sep)):
        raise ParameterError(f"The output {out} is a folder; give a file name, e.g. "
                             f"{Path(out) / example}.")
    target = path.resolve()
    for item in inputs:
        src = Path(item).resolve()
        if target == src:
            raise ParameterError(f"The output {out} is an input file; it would be overwritten. "
                                 "Write to another file name.")
        if src.is_dir() and (src == target.parent or src in target.parents):
            raise ParameterError(f"The output {out} lies inside the dataset's folder {item}; "
                                 "it would be read as data (or overwrite a data file). Write it elsewhere.")
    return path


def write_atomic(path: str | Path, data: str | bytes, encoding: str = "utf-8") -> Path:
    """Write ``data`` to ``path`` through a temporary file renamed over it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode(encoding) if isinstance(data, str) else data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells starting with ``= + - @`` (or a tab or carriage return)
    begin with an apostrophe, so a spreadsheet shows them as text, never runs them."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(lambda v: "'" + v if isinstance(v, str) and v.startswith(_FORMULA_START) else v)
    return out
