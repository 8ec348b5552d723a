"""The device graph: the world's structure as one typed ``networkx.MultiDiGraph``.

Nodes carry ``kind`` (one of :data:`NODE_KINDS`) and, for simulated devices, ``index``: their
position in the numpy arrays of their subsystem. Edges carry ``rel`` (one of :data:`EDGE_RELS`).
Node ids are stable and readable (``home-017/battery``, ``feeder-2``) and are what YAML, logs,
telemetry and the viewer use. The graph is for structure and queries; it is never on the hot path.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterable
from pathlib import Path

import networkx as nx

from twin.errors import GraphQueryError

NODE_KINDS = frozenset({
    "city", "feeder", "transformer", "home", "zone", "heat_pump", "appliance", "pv", "battery",
    "ev_charger", "smart_meter", "intersection", "road", "signal", "detector", "weather_station", "building",
    "hot_water_tank",
})
EDGE_RELS = frozenset({"contains", "supplies", "measures", "controls", "connects"})
# Relations along which "under X" reaches: what X contains and what it supplies with power.
DOWNWARD_RELS = frozenset({"contains", "supplies"})


class DeviceGraph:
    """A typed device graph with the few queries the simulator and its users need."""

    def __init__(self) -> None:
        self.g = nx.MultiDiGraph()

    def __len__(self) -> int:
        return self.g.number_of_nodes()

    def __contains__(self, node_id: str) -> bool:
        return node_id in self.g

    def add_node(self, node_id: str, kind: str, **attrs: object) -> str:
        """Add a node of ``kind``; attributes must be str, int, float or bool (GraphML needs it)."""
        if kind not in NODE_KINDS:
            raise ValueError(f"unknown node kind {kind!r}; allowed: {', '.join(sorted(NODE_KINDS))}")
        if node_id in self.g:
            raise ValueError(f"node id {node_id!r} is already in the graph")
        self.g.add_node(node_id, kind=kind, **attrs)
        return node_id

    def add_nodes(self, kind: str, ids: list[str], **columns: list) -> None:
        """Add many nodes of one ``kind`` at once; ``columns`` give one attribute value per node."""
        if kind not in NODE_KINDS:
            raise ValueError(f"unknown node kind {kind!r}; allowed: {', '.join(sorted(NODE_KINDS))}")
        names = list(columns)
        rows = zip(ids, *(columns[c] for c in names))
        before = self.g.number_of_nodes()
        self.g.add_nodes_from((row[0], {"kind": kind, **dict(zip(names, row[1:]))}) for row in rows)
        if self.g.number_of_nodes() != before + len(ids):
            raise ValueError(f"duplicate node ids among the new {kind} nodes")

    def add_edges(self, rel: str, pairs: list[tuple[str, str]]) -> None:
        """Add many ``rel`` edges at once between existing nodes."""
        if rel not in EDGE_RELS:
            raise ValueError(f"unknown edge rel {rel!r}; allowed: {', '.join(sorted(EDGE_RELS))}")
        before = self.g.number_of_nodes()
        self.g.add_edges_from((src, dst, rel, {"rel": rel}) for src, dst in pairs)
        if self.g.number_of_nodes() != before:
            raise GraphQueryError(f"a {rel} edge names a node that is not in the device graph")

    def add_edge(self, src: str, dst: str, rel: str, **attrs: object) -> None:
        """Add a ``rel`` edge from ``src`` to ``dst``; both nodes must exist."""
        if rel not in EDGE_RELS:
            raise ValueError(f"unknown edge rel {rel!r}; allowed: {', '.join(sorted(EDGE_RELS))}")
        for node in (src, dst):
            if node not in self.g:
                raise GraphQueryError(f"no node {node!r} in the device graph")
        self.g.add_edge(src, dst, key=rel, rel=rel, **attrs)

    def kind(self, node_id: str) -> str:
        """The kind of ``node_id``."""
        return self.node(node_id)["kind"]

    def node(self, node_id: str) -> dict:
        """The attribute mapping of ``node_id`` (live: edits change the graph)."""
        try:
            return self.g.nodes[node_id]
        except KeyError:
            raise GraphQueryError(f"no node {node_id!r} in the device graph") from None

    def nodes(self, kind: str | None = None, under: str | None = None) -> list[str]:
        """Node ids, optionally of one ``kind`` and/or reachable below ``under``.

        "Below" follows ``contains`` and ``supplies`` edges, so ``nodes("battery", under="feeder-2")``
        is every battery in a home that feeder 2 supplies. Without ``under``, ids come in insertion
        order; with it, breadth-first from ``under``.
        """
        if kind is not None and kind not in NODE_KINDS:
            raise GraphQueryError(f"unknown node kind {kind!r}; allowed: {', '.join(sorted(NODE_KINDS))}")
        candidates: Iterable[str] = self.g.nodes if under is None else self.below(under)
        if kind is None:
            return list(candidates)
        kinds = self.g.nodes
        return [n for n in candidates if kinds[n]["kind"] == kind]

    def below(self, node_id: str) -> list[str]:
        """Every node reachable from ``node_id`` along contains/supplies edges (not itself)."""
        self.node(node_id)
        seen = {node_id}
        order: list[str] = []
        queue = deque([node_id])
        while queue:
            for _, child, rel in self.g.out_edges(queue.popleft(), keys=True):
                if rel in DOWNWARD_RELS and child not in seen:
                    seen.add(child)
                    order.append(child)
                    queue.append(child)
        return order

    def neighbours(self, node_id: str) -> list[tuple[str, str, str]]:
        """``(direction, rel, other)`` for every edge at ``node_id``; direction is "out" or "in"."""
        self.node(node_id)
        out = [("out", rel, dst) for _, dst, rel in self.g.out_edges(node_id, keys=True)]
        return out + [("in", rel, src) for src, _, rel in self.g.in_edges(node_id, keys=True)]

    def counts(self) -> dict[str, int]:
        """How many nodes of each kind the graph holds."""
        out: dict[str, int] = {}
        for _, kind in self.g.nodes(data="kind"):
            out[kind] = out.get(kind, 0) + 1
        return dict(sorted(out.items()))

    def to_node_link(self) -> dict:
        """The graph as node-link JSON data (networkx's format, edges under ``"edges"``)."""
        return nx.node_link_data(self.g, edges="edges")

    def write_json(self, path: str | Path) -> None:
        """Write node-link JSON to ``path``."""
        Path(path).write_text(json.dumps(self.to_node_link(), separators=(",", ":")), encoding="utf-8")

    def write_graphml(self, path: str | Path) -> None:
        """Write GraphML to ``path`` (readable by Gephi, yEd, networkx)."""
        nx.write_graphml(self.g, str(path))
