"""Serving the dashboards with Voila: the kernels of closed pages end, the others never.

Every visit to a Voila dashboard takes a kernel that holds the dataset and the page's
computed state (a few hundred MB). Voila never ends the kernel of a page that was
closed, so a dashboard served to an office all day keeps one kernel per visit until
the server runs out of memory. Jupyter's own culler (``cull_idle_timeout``) cannot be
used as it is: it also ends the kernel Voila keeps ready for the next visitor, and
the kernel just handed to a visitor whose browser is still loading the page's scripts
(both are idle and have no connection), so that page never shows.

:class:`DashboardKernelManager` culls a kernel only once a page has connected to it and
every page has left, ``cull_idle_timeout`` seconds after the last one left; a kernel
handed to a page that never connects (a tab closed while the page was loading) ends
``cull_idle_timeout`` seconds after it was handed out. The repository's ``voila.json``
selects it (``VoilaConfiguration.multi_kernel_manager_class``) and sets the timeout.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from jupyter_server._tz import utcnow
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from jupyter_server.utils import ensure_async

__all__ = ["DashboardKernelManager"]


class DashboardKernelManager(AsyncMappingKernelManager):
    """Jupyter's kernel manager, whose culler ends only the kernels of pages that have
    connected and left.

    * A kernel Voila keeps ready for the next visitor (its pool) is never culled: Voila's
      pooling manager, which subclasses this one, keeps those from the culler.
    * A kernel with a page connected is never culled (``cull_connected`` is False).
    * The idle time of a kernel whose last page has left counts from that moment.
    * A kernel no page has connected to and that is not in the pool was handed to a page
      that is still loading its scripts (a few seconds) or was closed before it connected.
      It ends once the culler has seen it so for ``cull_idle_timeout`` seconds. The clock
      starts only while every pooled kernel is ready: a kernel still starting up for the
      pool cannot yet be told from one handed out, so no clock starts then.

    Examples
    --------
    >>> m = DashboardKernelManager(cull_idle_timeout=600)
    >>> m.visited("a-kernel-id")
    False
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._visited: set[str] = set()
        self._unclaimed: dict[str, datetime] = {}  # handed out, not yet connected: since when

    def visited(self, kernel_id: str) -> bool:
        """True once a page has connected to the kernel ``kernel_id``."""
        return kernel_id in self._visited

    def notify_connect(self, kernel_id: str) -> None:
        self._visited.add(kernel_id)
        self._unclaimed.pop(kernel_id, None)
        super().notify_connect(kernel_id)

    def notify_disconnect(self, kernel_id: str) -> None:
        super().notify_disconnect(kernel_id)
        kernel = self._kernels.get(kernel_id)
        if kernel is not None:
            kernel.last_activity = utcnow()  # the idle time counts from the page leaving

    async def cull_kernel_if_idle(self, kernel_id: str) -> None:
        if kernel_id in self._visited:
            await super().cull_kernel_if_idle(kernel_id)
            return
        # Voila's pooling subclass asks only about kernels that are not ready in its pool
        pools = getattr(self, "_pools", {})
        if any(not item.done() for pool in pools.values() for item in pool):
            return  # one may be starting up for the pool: no kernel can be judged handed out
        since = self._unclaimed.setdefault(kernel_id, utcnow())
        waited = (utcnow() - since).total_seconds()
        if self.cull_idle_timeout > 0 and waited >= self.cull_idle_timeout:
            self.log.info("Culling kernel %s: handed to a page that did not connect in %d s",
                          kernel_id, waited)
            await ensure_async(self.shutdown_kernel(kernel_id))

    def remove_kernel(self, kernel_id: str) -> Any:
        self._visited.discard(kernel_id)
        self._unclaimed.pop(kernel_id, None)
        return super().remove_kernel(kernel_id)
