"""Random streams: one seeded numpy Generator per replica world.

A world built from one seed has one Generator. A batch of K replica worlds (the native vector
environments step them all in one numpy call) keeps K Generators, one per replica, each seeded
exactly as a single world with that seed would be. Every draw is made per replica, from that
replica's Generator, in the same order and with the same sizes a single world would use, and the
results are laid out replica by replica. So replica k of a batch is bit for bit the single world
seeded the same way, whatever the other replicas do.

Draws of size zero do not advance a numpy Generator, which is what lets a replica with nothing to
draw (no appliances, no vehicles entering) take part in a batched draw without its stream moving.

Traffic demand and turning choices draw from streams of their own (:data:`SUBSTREAMS`), spawned from
the same seed: how many turning draws a run needs depends on how the signals are controlled, and
sharing one stream would shift every later arrival. With streams of their own, the same scenario
and seed generate the same vehicles (common random numbers) under every controller. Which homes
have a hot-water tank is drawn from a stream of its own too, so giving homes tanks changes no other
draw of the world.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np


# Streams of their own, by name: the SeedSequence spawn key each is drawn with.
SUBSTREAMS = {"traffic_demand": 1, "traffic_turns": 2, "hot_water": 3}


def generator(seed: int, substream: str | None = None) -> np.random.Generator:
    """The Generator a world seeded with ``seed`` draws from (or its ``substream``'s)."""
    key = () if substream is None else (SUBSTREAMS[substream],)
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))


class Streams:
    """One Generator per replica; draws concatenated replica by replica; named substreams beside."""

    def __init__(self, gens: Sequence[np.random.Generator], substreams: dict[str, Streams] | None = None):
        if not gens:
            raise ValueError("Streams needs at least one Generator")
        self.gens = list(gens)
        self._substreams = dict(substreams or {})

    @classmethod
    def from_seeds(cls, seeds: Sequence[int]) -> Streams:
        """One Generator per seed (see :func:`generator`), and one per seed for every substream."""
        subs = {name: cls([generator(int(s), name) for s in seeds]) for name in SUBSTREAMS}
        return cls([generator(int(s)) for s in seeds], subs)

    def substream(self, name: str) -> Streams:
        """The streams of their own that ``name`` (a key of SUBSTREAMS) draws from, one per replica."""
        return self._substreams[name]

    @property
    def replicas(self) -> int:
        """Number of replica worlds."""
        return len(self.gens)

    def split(self, method: str, n_total: int, *args: Any) -> np.ndarray:
        """``Generator.<method>(*args, size=n_total / K)`` per replica, concatenated.

        For draws of one value per entity when every replica has the same number of entities.
        """
        if len(self.gens) == 1:
            return getattr(self.gens[0], method)(*args, size=n_total)
        n, rem = divmod(n_total, len(self.gens))
        if rem:
            raise ValueError(f"{n_total} draws do not split evenly over {len(self.gens)} replicas")
        return np.concatenate([getattr(g, method)(*args, size=n) for g in self.gens])

    def sized(self, method: str, sizes: np.ndarray, *args: Any) -> np.ndarray:
        """``Generator.<method>(*args, size=sizes[k])`` per replica k, concatenated."""
        if len(self.gens) == 1:
            return getattr(self.gens[0], method)(*args, size=int(sizes[0]))
        return np.concatenate([getattr(self.gens[k], method)(*args, size=int(sizes[k]))
                               for k in np.flatnonzero(sizes)] or [np.zeros(0)])

    def uniform_rows(self, n_rows: int, sizes: np.ndarray) -> np.ndarray:
        """(n_rows, sizes.sum()) uniforms in [0, 1): ``random((n_rows, sizes[k]))`` per replica k,
        joined along the entities (columns) replica by replica."""
        if len(self.gens) == 1:
            return self.gens[0].random((n_rows, int(sizes[0])))
        return np.concatenate([g.random((n_rows, int(sizes[k]))) for k, g in enumerate(self.gens)], axis=1)

    def each(self, draw: Callable[[int, np.random.Generator], np.ndarray]) -> list[np.ndarray]:
        """``draw(k, gen_k)`` for every replica, in replica order."""
        return [draw(k, g) for k, g in enumerate(self.gens)]

    def state(self) -> dict[str, list[dict[str, Any]]]:
        """The bit-generator state of every replica and substream (for snapshots)."""
        out = {"": [g.bit_generator.state for g in self.gens]}
        for name, sub in self._substreams.items():
            out[name] = sub.state()[""]
        return out

    def set_state(self, states: dict[str, list[dict[str, Any]]]) -> None:
        """Restore the states :meth:`state` returned."""
        for g, s in zip(self.gens, states[""], strict=True):
            g.bit_generator.state = s
        for name, sub in self._substreams.items():
            sub.set_state({"": states[name]})
