"""The curve's smallest fix as a minimum-cost circulation: the integer programme of
:func:`workbench.rubric.curve._solve_milp`, solved exactly without a MILP solver.

When no predikat is in two different constraint groups (true of every curve row of the
bundled presets), the programme is a network flow problem: the moves ``x[p, q]`` are arcs
from predikat ``p`` to the group of predikat ``q``, a predikat gives at most its count,
and each group's net inflow must lie in its rounded bounds. Its constraint matrix is then
totally unimodular, so the cheapest circulation (found by successive shortest paths) is
the integer programme's optimum. The MILP returns *an* optimum; this module returns its
answer only when the optimum is unique (no cycle of zero cost in the residual network),
so the two always agree. In every other case (a tie, overlapping groups, bounds that
cross) it says so, and the caller asks the MILP.

Examples
--------
>>> solve_flow((2, 8, 0, 0, 0), (((1,), 0, 7), ((2, 3), 1, 10)))
(True, ((0, 0, 0, 0, 0), (0, 0, 1, 0, 0), (0, 0, 0, 0, 0), (0, 0, 0, 0, 0), (0, 0, 0, 0, 0)))
"""

from __future__ import annotations

from collections import deque

__all__ = ["solve_flow"]

Moves = tuple[tuple[int, ...], ...]
Cons = tuple[tuple[tuple[int, ...], int, int], ...]


def move_costs(k: int, n: int) -> list[list[int]]:
    """The integer cost of moving one employee from rank ``p`` to rank ``q`` (as the MILP's):
    one move outweighs any distance and tie-break, one unit of distance any tie-break."""
    step = n + 1
    per_move = (k * n + 1) * step
    return [[per_move + abs(p - q) * step + (q < p) for q in range(k)] for p in range(k)]


class _Net:
    """A residual network: arcs ``2 i`` (forward) and ``2 i + 1`` (its reverse)."""

    def __init__(self, n_nodes: int) -> None:
        self.n = n_nodes
        self.head: list[int] = []
        self.cap: list[int] = []
        self.cost: list[int] = []
        self.out: list[list[int]] = [[] for _ in range(n_nodes)]

    def add(self, u: int, v: int, cap: int, cost: int) -> int:
        i = len(self.head)
        self.head += [v, u]
        self.cap += [cap, 0]
        self.cost += [cost, -cost]
        self.out[u].append(i)
        self.out[v].append(i + 1)
        return i

    def shortest(self, source: int) -> tuple[list[float], list[int]]:
        """Bellman-Ford (queue-based) over the arcs with room."""
        inf = float("inf")
        dist: list[float] = [inf] * self.n
        via = [-1] * self.n
        dist[source] = 0
        queue, queued = deque([source]), [False] * self.n
        queued[source] = True
        head, cap, cost, out = self.head, self.cap, self.cost, self.out
        while queue:
            u = queue.popleft()
            queued[u] = False
            for a in out[u]:
                v = head[a]
                if cap[a] > 0 and dist[u] + cost[a] < dist[v]:
                    dist[v] = dist[u] + cost[a]
                    via[v] = a
                    if not queued[v]:
                        queued[v] = True
                        queue.append(v)
        return dist, via


def solve_flow(counts: tuple[int, ...], cons: Cons) -> tuple[bool, Moves | None]:
    """The MILP's answer, if it is certain: ``(True, moves)`` (``None`` when no fix exists)
    or ``(False, None)`` when the MILP must decide.

    ``counts`` are the unit's employees per predikat rank (0 = best) and ``cons`` the
    constraints ``(ranks, lo, hi)``: the summed count of ``ranks`` must end in
    ``lo .. hi``. ``moves[p][q]`` employees move from rank ``p`` to rank ``q``.
    """
    k, n = len(counts), sum(counts)
    group_of = [-1] * k
    groups: list[list[int]] = []  # [lo, hi] per constraint group, then the free ranks
    members: list[tuple[int, ...]] = []
    for idx, lo, hi in cons:
        key = tuple(sorted(idx))
        if not key or len(set(key)) != len(key) or not all(0 <= p < k for p in key):
            return False, None
        if key in members:
            both = groups[members.index(key)]
            both[0], both[1] = max(both[0], lo), min(both[1], hi)
            continue
        if any(group_of[p] >= 0 for p in key):
            return False, None  # overlapping groups: not a network
        for p in key:
            group_of[p] = len(members)
        members.append(key)
        groups.append([lo, hi])
    bounds = []
    for key, (lo, hi) in zip(members, groups, strict=True):
        base = sum(counts[p] for p in key)
        if lo > hi:
            return False, None
        bounds.append((lo - base, hi - base))
    for p in range(k):
        if group_of[p] < 0:
            group_of[p] = len(members)
            members.append((p,))
            bounds.append((-n - 1, n + 1))  # never binding: a free predikat
    n_groups = len(members)
    t, pout = 0, 1 + n_groups  # nodes: t, the groups 1 .. n_groups, then each rank's "out"
    source, sink = pout + k, pout + k + 1
    net = _Net(sink + 1)
    excess = [0] * net.n
    for g, (lo, hi) in enumerate(bounds):  # net inflow of the group, absorbed by t, in lo .. hi
        net.add(1 + g, t, hi - lo, 0)  # its flow less lo (so arcs start at 0)
        excess[t] += lo
        excess[1 + g] -= lo
    for p in range(k):
        net.add(1 + group_of[p], pout + p, counts[p], 0)
    cost = move_costs(k, n)
    move_arc = {}
    for p in range(k):
        for q in range(k):
            if p != q:
                move_arc[p, q] = net.add(pout + p, 1 + group_of[q], n, cost[p][q])
    need = 0
    for v in range(source):
        if excess[v] > 0:
            net.add(source, v, excess[v], 0)
            need += excess[v]
        elif excess[v] < 0:
            net.add(v, sink, -excess[v], 0)
    sent = 0
    while sent < need:
        dist, via = net.shortest(source)
        if dist[sink] == float("inf"):
            return True, None  # no feasible circulation: the programme is infeasible
        push, v = need - sent, sink
        while v != source:
            a = via[v]
            push = min(push, net.cap[a])
            v = net.head[a ^ 1]
        v = sink
        while v != source:
            a = via[v]
            net.cap[a] -= push
            net.cap[a ^ 1] += push
            v = net.head[a ^ 1]
        sent += push
    if not _unique(net, source):
        return False, None
    return True, tuple(tuple(net.cap[move_arc[p, q] + 1] if p != q else 0 for q in range(k)) for p in range(k))


def _unique(net: _Net, n_nodes: int) -> bool:
    """Whether the circulation on nodes ``< n_nodes`` is the only one of its cost: no cycle
    of zero reduced cost in the residual network, other than an arc and its own reverse."""
    head, cap, cost, out = net.head, net.cap, net.cost, net.out
    pot = [0] * n_nodes  # potentials: shortest distances from a virtual root
    for _ in range(n_nodes + 1):
        changed = False
        for u in range(n_nodes):
            for a in out[u]:
                v = head[a]
                if v < n_nodes and cap[a] > 0 and pot[u] + cost[a] < pot[v]:
                    pot[v] = pot[u] + cost[a]
                    changed = True
        if not changed:
            break
    else:
        return False  # a negative cycle: not optimal (cannot happen); let the MILP decide
    tight: list[list[int]] = [[] for _ in range(n_nodes)]
    for u in range(n_nodes):
        for a in out[u]:
            v = head[a]
            if v < n_nodes and cap[a] > 0 and cost[a] + pot[u] - pot[v] == 0:
                tight[u].append(a)
    # a genuine cycle exists iff, in a strongly connected component of the tight arcs,
    # some arc is tight one way only, or the arcs (each counted once) form a cycle
    reach = []
    for s in range(n_nodes):
        seen = {s}
        stack = [s]
        while stack:
            u = stack.pop()
            for a in tight[u]:
                if head[a] not in seen:
                    seen.add(head[a])
                    stack.append(head[a])
        reach.append(seen)
    comp = [frozenset(v for v in reach[u] if u in reach[v]) for u in range(n_nodes)]
    arcs: dict[frozenset[int], set[int]] = {}
    one_way: set[int] = set()
    for u in range(n_nodes):
        for a in tight[u]:
            if head[a] in comp[u]:
                arcs.setdefault(comp[u], set()).add(a >> 1)
                one_way.symmetric_difference_update({a >> 1})
    for c, inside in arcs.items():
        if inside & one_way or len(inside) >= len(c):
            return False
    return True
