"""How a street grid's intersections and links are named: one place for the schema, the network
generator and the envs (this module imports nothing, so the schema can use it)."""

from __future__ import annotations


def intersection_id(row: int, col: int) -> str:
    """``int-ROW-COL``, counted from the north-west corner."""
    return f"int-{row}-{col}"


def intersection_ids(rows: int, cols: int) -> tuple[str, ...]:
    """Ids of a rows x cols grid's intersections, row by row."""
    return tuple(intersection_id(r, c) for r in range(rows) for c in range(cols))


def link_id(kind: str, intersection: str, side: str) -> str:
    """``KIND/INTERSECTION/SIDE``: ``entry``, ``exit`` or ``road`` at that side (N, E, S, W) of it."""
    return f"{kind}/{intersection}/{side}"
