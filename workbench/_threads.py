"""One BLAS thread for work made of many small products.

OpenBLAS keeps its threads spinning between products; on the small matrices of a page's
attacks, or between the draws of the weight engine, the second thread takes the other core
and the products get slower, not faster. The products and their results are the same.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Any

_CONTROLLER: list[Any] = []


def one_blas_thread() -> AbstractContextManager[Any]:
    """A context in which BLAS runs on one thread (the libraries are looked up once).

    >>> import numpy as np
    >>> with one_blas_thread():
    ...     float((np.ones((3, 3)) @ np.ones(3)).sum())
    9.0
    """
    if not _CONTROLLER:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # pragma: no cover - a dependency; without it BLAS keeps its threads
            return nullcontext()
        _CONTROLLER.append(ThreadpoolController())
    return _CONTROLLER[0].limit(limits=1, user_api="blas")
