"""Observation -> table rows for tabular learners: uniform bins, tile coding, and discrete spaces.

A discretizer maps one observation to the rows of a value table that are active for it: one row
for ``UniformBins`` and ``DiscreteStates``, one per tiling for ``TileCoding`` (the value is the sum
over the active rows). Our environments' observation bounds are very wide (physical limits), so
Box discretizers take explicit per-feature ranges and a subset of feature indices; values outside
a range fall into its edge bin.

Every discretizer refuses, with a ``TableTooLarge`` naming the size and how to shrink it, to build
a table of more than ``max_table_entries`` rows (CityLearn's tabular agent grows to 24 GB). Each
one round-trips through ``config()`` / ``discretizer_from_config`` so a saved agent acts identically.
"""

from __future__ import annotations

import math
from typing import Any, Protocol, Sequence

import numpy as np
from gymnasium import spaces

DEFAULT_MAX_TABLE_ENTRIES = 5_000_000


class TableTooLarge(ValueError):
    """A value table would have more entries than the configured ``max_table_entries``."""


class Discretizer(Protocol):
    """Maps one observation to the table rows active for it."""

    n_rows: int      # rows of the table
    n_active: int    # rows active per observation

    def rows(self, obs: Any) -> np.ndarray:
        """int64 indices (``n_active`` of them) of the rows active for ``obs``."""

    def config(self) -> dict[str, Any]:
        """JSON-serializable settings; ``discretizer_from_config`` rebuilds an identical discretizer."""

    def check_space(self, space: spaces.Space) -> None:
        """ValueError if observations of ``space`` cannot be mapped by this discretizer."""


def check_table_size(entries: int, max_table_entries: int, what: str, how: str) -> None:
    """TableTooLarge if ``entries`` (a Python int, no overflow) exceeds ``max_table_entries``."""
    if entries > max_table_entries:
        raise TableTooLarge(f"{what}: the table would have {entries:,} entries, more than max_table_entries="
                            f"{max_table_entries:,} ({entries * 16 / 1e9:.3g} GB at 16 bytes each); {how}, or raise "
                            "max_table_entries")


def describe(space: spaces.Space) -> str:
    """A short description of a space for error messages (a Box's bounds can run to pages)."""
    if isinstance(space, spaces.Box):
        return f"Box(shape={space.shape}, dtype={space.dtype})"
    return str(space)


class _BoxGrid:
    """Shared checks of the Box discretizers: features, ranges and divisions per feature."""

    kind = "box"

    def __init__(self, low: Sequence[float], high: Sequence[float], divisions: int | Sequence[int],
                 features: Sequence[int] | None, max_table_entries: int, divisions_name: str):
        self.low = np.asarray(low, dtype=np.float64).ravel()
        self.high = np.asarray(high, dtype=np.float64).ravel()
        d = self.low.size
        self.features = np.arange(d) if features is None else np.asarray(features, dtype=np.int64).ravel()
        div = np.broadcast_to(np.asarray(divisions, dtype=np.int64), (d,)) if np.ndim(divisions) == 0 \
            else np.asarray(divisions, dtype=np.int64).ravel()
        self.divisions = div.copy()
        self.max_table_entries = int(max_table_entries)
        name = type(self).__name__
        if d == 0 or self.high.size != d or self.features.size != d or self.divisions.size != d:
            raise ValueError(f"{name}: low, high, {divisions_name} and features need one entry per feature; got "
                             f"{self.low.size}, {self.high.size}, {self.divisions.size} and {self.features.size}")
        if not (np.all(np.isfinite(self.low)) and np.all(np.isfinite(self.high)) and np.all(self.low < self.high)):
            raise ValueError(f"{name}: every range needs finite low < high; got low={self.low.tolist()}, "
                             f"high={self.high.tolist()}")
        if np.any(self.divisions < 1):
            raise ValueError(f"{name}: {divisions_name} must be >= 1, got {self.divisions.tolist()}")
        if np.any(self.features < 0) or len(set(self.features.tolist())) != d:
            raise ValueError(f"{name}: features must be distinct indices >= 0, got {self.features.tolist()}")

    def check_space(self, space: spaces.Space) -> None:
        """ValueError unless ``space`` is a flat Box holding every feature index."""
        name = type(self).__name__
        if not isinstance(space, spaces.Box) or len(space.shape) != 1:
            raise ValueError(f"{name} maps flat Box observations; got {describe(space)}")
        if self.features.max() >= space.shape[0]:
            raise ValueError(f"{name}: feature index {int(self.features.max())} is out of range for observations "
                             f"of {space.shape[0]} features")

    def _scaled(self, obs: Any) -> np.ndarray:
        """Selected features in units of their divisions, clipped to [0, divisions]."""
        x = np.asarray(obs, dtype=np.float64).ravel()[self.features]
        if not np.all(np.isfinite(x)):
            raise ValueError(f"{type(self).__name__}: observation has non-finite values {x.tolist()}")
        return np.clip((x - self.low) / (self.high - self.low) * self.divisions, 0.0, self.divisions)


class UniformBins(_BoxGrid):
    """Equal-width bins per feature: ``bins_per_dim[j]`` bins over ``[low[j], high[j]]`` for feature
    ``features[j]`` (all features when None); one active row per observation."""

    kind = "uniform_bins"
    n_active = 1

    def __init__(self, low: Sequence[float], high: Sequence[float], bins_per_dim: int | Sequence[int],
                 features: Sequence[int] | None = None, max_table_entries: int = DEFAULT_MAX_TABLE_ENTRIES):
        super().__init__(low, high, bins_per_dim, features, max_table_entries, "bins_per_dim")
        self.bins = self.divisions
        self.n_rows = math.prod(int(b) for b in self.bins)
        check_table_size(self.n_rows, self.max_table_entries, f"UniformBins with bins {self.bins.tolist()} over "
                         f"features {self.features.tolist()}", "use fewer bins per feature or fewer features")

    def rows(self, obs: Any) -> np.ndarray:
        """The one row of ``obs``: its bin per feature, raveled (values past a range go to the edge bin)."""
        coords = np.minimum(self._scaled(obs).astype(np.int64), self.bins - 1)
        return np.array([np.ravel_multi_index(tuple(coords), tuple(self.bins))], dtype=np.int64)

    def config(self) -> dict[str, Any]:
        """Settings for ``discretizer_from_config``."""
        return {"kind": self.kind, "low": self.low.tolist(), "high": self.high.tolist(),
                "bins_per_dim": self.bins.tolist(), "features": self.features.tolist(),
                "max_table_entries": self.max_table_entries}


class TileCoding(_BoxGrid):
    """``n_tilings`` grids of ``tiles_per_dim`` tiles over the ranges, each offset by a fraction of a
    tile (tiling k, feature j: ``k * (2j + 1) / n_tilings`` of a tile, Sutton & Barto's asymmetric
    offsets); each grid gets one extra tile per feature so every offset covers the range. One active
    row per tiling; a learner sums their values."""

    kind = "tile_coding"

    def __init__(self, low: Sequence[float], high: Sequence[float], tiles_per_dim: int | Sequence[int],
                 n_tilings: int = 8, features: Sequence[int] | None = None,
                 max_table_entries: int = DEFAULT_MAX_TABLE_ENTRIES):
        super().__init__(low, high, tiles_per_dim, features, max_table_entries, "tiles_per_dim")
        if n_tilings < 1:
            raise ValueError(f"TileCoding: n_tilings must be >= 1, got {n_tilings}")
        self.tiles, self.n_tilings, self.n_active = self.divisions, int(n_tilings), int(n_tilings)
        self.shape = tuple(int(t) + 1 for t in self.tiles)
        self.per_tiling = math.prod(self.shape)
        self.n_rows = self.per_tiling * self.n_tilings
        check_table_size(self.n_rows, self.max_table_entries, f"TileCoding with {self.n_tilings} tilings of "
                         f"{self.tiles.tolist()} tiles over features {self.features.tolist()}",
                         "use fewer tilings, fewer tiles per feature or fewer features")
        d = self.features.size
        self.offsets = (np.arange(self.n_tilings)[:, None] * (2 * np.arange(d) + 1)[None, :] / self.n_tilings) % 1.0

    def rows(self, obs: Any) -> np.ndarray:
        """One row per tiling: the tile ``obs`` falls in, raveled, plus the tiling's block offset."""
        coords = np.floor(self._scaled(obs)[None, :] + self.offsets).astype(np.int64)   # (tilings, d)
        within = np.ravel_multi_index(tuple(coords.T), self.shape)
        return within + np.arange(self.n_tilings, dtype=np.int64) * self.per_tiling

    def config(self) -> dict[str, Any]:
        """Settings for ``discretizer_from_config``."""
        return {"kind": self.kind, "low": self.low.tolist(), "high": self.high.tolist(),
                "tiles_per_dim": self.tiles.tolist(), "n_tilings": self.n_tilings,
                "features": self.features.tolist(), "max_table_entries": self.max_table_entries}


class DiscreteStates:
    """Observations of a Discrete or MultiDiscrete space: one row per state (``nvec`` values per
    component, offset by ``start``)."""

    kind = "discrete_states"
    n_active = 1

    def __init__(self, nvec: int | Sequence[int], start: int | Sequence[int] = 0,
                 max_table_entries: int = DEFAULT_MAX_TABLE_ENTRIES):
        self.nvec = np.atleast_1d(np.asarray(nvec, dtype=np.int64))
        self.start = np.broadcast_to(np.asarray(start, dtype=np.int64), self.nvec.shape).copy()
        self.scalar = np.ndim(nvec) == 0
        self.max_table_entries = int(max_table_entries)
        if self.nvec.ndim != 1 or np.any(self.nvec < 1):
            raise ValueError(f"DiscreteStates: nvec must be positive counts, got {self.nvec.tolist()}")
        self.n_rows = math.prod(int(n) for n in self.nvec)
        check_table_size(self.n_rows, self.max_table_entries, f"DiscreteStates over {self.nvec.tolist()} values",
                         "use an observation space with fewer states")

    @classmethod
    def of(cls, space: spaces.Space, max_table_entries: int = DEFAULT_MAX_TABLE_ENTRIES) -> "DiscreteStates":
        """The discretizer of a Discrete or MultiDiscrete (1-D) observation space."""
        if isinstance(space, spaces.Discrete):
            return cls(int(space.n), int(space.start), max_table_entries)
        if isinstance(space, spaces.MultiDiscrete) and space.nvec.ndim == 1:
            return cls(space.nvec.tolist(), space.start.tolist(), max_table_entries)
        raise ValueError("DiscreteStates needs a Discrete or 1-D MultiDiscrete observation space, got "
                         f"{describe(space)}")

    def check_space(self, space: spaces.Space) -> None:
        """ValueError unless ``space`` has exactly these states."""
        other = DiscreteStates.of(space, self.max_table_entries)
        if other.nvec.tolist() != self.nvec.tolist() or other.start.tolist() != self.start.tolist():
            raise ValueError(f"DiscreteStates over {self.nvec.tolist()} does not match {describe(space)}")

    def rows(self, obs: Any) -> np.ndarray:
        """The one row of state ``obs``."""
        coords = np.atleast_1d(np.asarray(obs, dtype=np.int64)) - self.start
        return np.array([np.ravel_multi_index(tuple(coords), tuple(self.nvec))], dtype=np.int64)

    def config(self) -> dict[str, Any]:
        """Settings for ``discretizer_from_config``."""
        if self.scalar:
            nvec, start = int(self.nvec[0]), int(self.start[0])
        else:
            nvec, start = self.nvec.tolist(), self.start.tolist()
        return {"kind": self.kind, "nvec": nvec, "start": start, "max_table_entries": self.max_table_entries}


KINDS = {cls.kind: cls for cls in (UniformBins, TileCoding, DiscreteStates)}


def discretizer_from_config(config: dict[str, Any]) -> Discretizer:
    """Rebuild a discretizer from its ``config()``."""
    settings = dict(config)
    kind = settings.pop("kind", None)
    if kind not in KINDS:
        raise ValueError(f"unknown discretizer kind {kind!r}; known: {', '.join(KINDS)}")
    return KINDS[kind](**settings)


# -- defaults for the twin environments ------------------------------------------------------------

def smart_home_discretizer(max_table_entries: int = DEFAULT_MAX_TABLE_ENTRIES) -> UniformBins:
    """Bins for one SmartHome-v0 home (features of :data:`envs.home_task.OBS_FEATURES`):

    - indoor_temp_c 18 .. 24 degC, 6 bins of 1 K (the default comfort band 20-24 and below it);
    - hour_sin and hour_cos -1 .. 1, 4 bins each: 12 of the 16 cells occur, sectors of 1-3 h of the
      day, which carry the occupancy routine and, on a time-of-use tariff, the price period;
    - battery_soc 0.1 .. 0.95, 3 bins.

    288 rows, 5,184 entries with the 18 discrete actions. In a small comparison on
    ``scenarios/smart_home.yaml`` (4 seeds, 60-300 episodes) this set learned more reliably than
    sets with ``price_now`` instead of the hour, with occupancy, or with finer temperature bins; for
    a real-time tariff add ``price_now_eur_per_kwh`` (index 3).
    """
    from envs.home_task import OBS_FEATURES

    index = {name: i for i, (name, _) in enumerate(OBS_FEATURES)}
    names = ("indoor_temp_c", "hour_sin", "hour_cos", "battery_soc")
    return UniformBins(low=[18.0, -1.0, -1.0, 0.1], high=[24.0, 1.0, 1.0, 0.95], bins_per_dim=[6, 4, 4, 3],
                       features=[index[n] for n in names], max_table_entries=max_table_entries)



def signal_discretizer(n_phases: int, max_table_entries: int = DEFAULT_MAX_TABLE_ENTRIES) -> UniformBins:
    """Bins for one intersection of TrafficGrid-v0 (one signal, features of :mod:`envs.traffic_task`):

    - halted vehicles of the through movement of each approach (NT, ET, ST, WT), 0 .. 12, 4 bins
      of 3 vehicles (the through lane groups carry most of the demand; 12 and more share a bin);
    - the phase one-hot, 2 bins per phase;
    - in yellow/all-red (0/1), 2 bins.

    256 x 2^(n_phases + 1) rows: 2,048 for the default two phases.
    """
    from envs.signal_agents import MOVEMENTS

    through = [MOVEMENTS.index(f"{side}T") for side in "NESW"]
    phases = [2 * len(MOVEMENTS) + p for p in range(n_phases)]
    changing = 2 * len(MOVEMENTS) + n_phases
    features = [*through, *phases, changing]
    return UniformBins(low=[0.0] * len(features), high=[12.0] * 4 + [1.0] * (n_phases + 1),
                       bins_per_dim=[4] * 4 + [2] * (n_phases + 1), features=features,
                       max_table_entries=max_table_entries)


__all__ = ["Discretizer", "UniformBins", "TileCoding", "DiscreteStates", "TableTooLarge", "check_table_size",
           "discretizer_from_config", "describe", "smart_home_discretizer", "signal_discretizer", "DEFAULT_MAX_TABLE_ENTRIES"]
