"""The telemetry record: columnar readings (time, node id, quantity, value, unit) and its files.

In memory the record is five numpy columns with dictionary codes for node ids and quantities; on
disk it is Parquet (``time`` as a timestamp, ``node_id``/``quantity``/``unit`` dictionary-encoded
strings, ``value`` float64) and optionally CSV. Files are written to a temporary name and renamed,
so a reader never sees half a file.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from twin.telemetry.bus import Frame, FrameLayout

_START_KEY = b"twin.start"


@dataclass(frozen=True, eq=False)
class Telemetry:
    """Recorded readings; row i is (time_s[i], node_ids[node[i]], quantities[quantity[i]], value[i])."""

    start: dt.datetime
    time_s: np.ndarray       # int64 seconds since start
    node: np.ndarray         # int32 code into node_ids
    quantity: np.ndarray     # int16 code into quantities
    value: np.ndarray        # float64
    node_ids: tuple[str, ...]
    quantities: tuple[str, ...]
    units: dict[str, str]    # quantity -> unit

    def __len__(self) -> int:
        return int(self.value.size)

    @classmethod
    def from_frames(cls, start: dt.datetime, frames: Iterable[Frame], node_ids: list[str]) -> "Telemetry":
        """Concatenate reading frames into a record: frame by frame, each in its layout's order.

        Quantity codes follow first appearance; a layout's row codes are worked out once, however
        many frames share it.
        """
        frames = list(frames)
        quantities: dict[str, int] = {}
        units: dict[str, str] = {}
        row_codes: dict[FrameLayout, np.ndarray] = {}  # quantity code of each row of a layout (by identity)
        for frame in frames:
            layout = frame.layout
            if layout in row_codes:
                continue
            for quantity, unit in zip(layout.quantities, layout.units):
                quantities.setdefault(quantity, len(quantities))
                units[quantity] = unit
            codes = np.array([quantities[q] for q in layout.quantities], dtype=np.int16)
            row_codes[layout] = np.repeat(codes, np.diff(layout.offsets))

        def cat(parts, dtype):
            return np.concatenate(parts).astype(dtype, copy=False) if parts else np.empty(0, dtype)

        sizes = np.array([f.layout.size for f in frames], dtype=np.int64)
        record = cls(
            start=start,
            time_s=np.repeat(np.array([f.time_s for f in frames], dtype=np.int64), sizes),
            node=cat([f.layout.nodes for f in frames], np.int32),
            quantity=cat([row_codes[f.layout] for f in frames], np.int16),
            value=cat([f.values for f in frames], np.float64),
            node_ids=tuple(node_ids),
            quantities=tuple(quantities),
            units=units,
        )
        # Each quantity's rows follow from the layouts: its place in a layout, in every frame of it.
        frame_start = np.cumsum(sizes) - sizes
        frames_of: dict[FrameLayout, list[int]] = {}
        for i, frame in enumerate(frames):
            frames_of.setdefault(frame.layout, []).append(i)
        parts: list[list[np.ndarray]] = [[] for _ in quantities]
        for layout, which in frames_of.items():
            starts = frame_start[which]
            for quantity, lo, hi in zip(layout.quantities, layout.offsets[:-1], layout.offsets[1:]):
                parts[quantities[quantity]].append((starts[:, None] + np.arange(lo, hi)).ravel())
        # A quantity of several layouts (rare) has its rows put back in recording order.
        record.__dict__["_rows_of_quantity"] = tuple(
            rows[0] if len(rows) == 1 else np.sort(np.concatenate(rows)) for rows in parts)
        return record

    # -- queries -----------------------------------------------------------------------------
    def has(self, quantity: str) -> bool:
        """Whether any reading of ``quantity`` was recorded."""
        return quantity in self.quantities

    def series(self, quantity: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(time_s, node code, value) of every reading of ``quantity``, in recording order."""
        if quantity not in self.quantities:
            raise KeyError(f"no readings of {quantity!r}; recorded: {', '.join(self.quantities) or 'none'}")
        rows = self._rows_of_quantity[self.quantities.index(quantity)]
        return self.time_s[rows], self.node[rows], self.value[rows]

    @functools.cached_property
    def _rows_of_quantity(self) -> tuple[np.ndarray, ...]:
        """Row indices of each quantity code, in recording order (from_frames fills it from the frame
        layouts; otherwise one stable sort): a mask over the whole record per query was most of an
        episode's KPIs."""
        order = np.argsort(self.quantity, kind="stable")
        bounds = np.searchsorted(self.quantity[order], np.arange(len(self.quantities) + 1))
        return tuple(order[bounds[i]:bounds[i + 1]] for i in range(len(self.quantities)))

    def wide(self, quantity: str) -> tuple[np.ndarray, list[str], np.ndarray]:
        """``quantity`` as a (times x nodes) matrix: (sorted times, node ids, values; NaN where absent)."""
        time_s, node, value = self.series(quantity)
        times, t_ix = np.unique(time_s, return_inverse=True)
        codes, n_ix = np.unique(node, return_inverse=True)
        out = np.full((times.size, codes.size), np.nan)
        out[t_ix, n_ix] = value
        return times, [self.node_ids[c] for c in codes], out

    def total_by_time(self, quantity: str) -> tuple[np.ndarray, np.ndarray]:
        """Sum of ``quantity`` over all nodes at each reading time: (sorted times, sums)."""
        if quantity not in self._totals_by_time:  # the KPIs ask for the same quantities many times
            time_s, _, value = self.series(quantity)
            times, t_ix = np.unique(time_s, return_inverse=True)
            totals = np.bincount(t_ix, weights=value, minlength=times.size)
            for arr in (times, totals):
                arr.setflags(write=False)  # shared by every caller
            self._totals_by_time[quantity] = (times, totals)
        return self._totals_by_time[quantity]

    @functools.cached_property
    def _totals_by_time(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        return {}

    def digest(self) -> str:
        """SHA-256 over all columns: equal digests mean bit-identical records."""
        h = hashlib.sha256()
        for arr in (self.time_s, self.node, self.quantity, self.value):
            h.update(np.ascontiguousarray(arr).tobytes())
        h.update("\0".join(self.node_ids).encode())
        h.update("\0".join(self.quantities).encode())
        return h.hexdigest()

    # -- files -------------------------------------------------------------------------------
    def to_arrow(self) -> pa.Table:
        """The record as an Arrow table with the documented columns."""
        start_s = int(np.datetime64(self.start.replace(tzinfo=None), "s").astype(np.int64))
        unit_names = [self.units[q] for q in self.quantities]
        nodes, quantities = _arrow_numbers(self.node, np.int32), _arrow_numbers(self.quantity, np.int16)
        table = pa.table({
            "time": _arrow_numbers(start_s + self.time_s, np.int64).view(pa.timestamp("s")),
            "node_id": pa.DictionaryArray.from_arrays(nodes, _arrow_strings(self.node_ids)),
            "quantity": pa.DictionaryArray.from_arrays(quantities, _arrow_strings(self.quantities)),
            "value": _arrow_numbers(self.value, np.float64),
            "unit": pa.DictionaryArray.from_arrays(quantities, _arrow_strings(unit_names)),
        })
        return table.replace_schema_metadata({_START_KEY: self.start.isoformat().encode()})

    def write_parquet(self, path: str | Path) -> None:
        """Write the record to ``path`` as Parquet, atomically.

        Dictionary pages only for the id columns (times and values repeat too little to gain from
        them), statistics only for ``time`` (what a reader filters on): for a week of 200 homes this
        took the write from 114 to 64 ms and the file from 3.3 to 3.0 MB.
        """
        write_atomic(path, lambda tmp: pq.write_table(self.to_arrow(), tmp, compression="zstd",
                                                      use_dictionary=["node_id", "quantity", "unit"],
                                                      write_statistics=["time"]))

    def write_csv(self, path: str | Path) -> None:
        """Write the record to ``path`` as CSV (ISO times), atomically."""
        table = self.to_arrow()
        plain = pa.table({name: (col.cast(pa.string()) if pa.types.is_dictionary(col.type) else col)
                          for name, col in zip(table.column_names, table.columns)})
        write_atomic(path, lambda tmp: pacsv.write_csv(plain, tmp))

    @classmethod
    def read_parquet(cls, path: str | Path) -> "Telemetry":
        """Read a record written by :meth:`write_parquet`."""
        table = pq.read_table(path)
        meta = table.schema.metadata or {}
        start = dt.datetime.fromisoformat(meta[_START_KEY].decode())
        node = table.column("node_id").combine_chunks()
        quantity = table.column("quantity").combine_chunks()
        unit = table.column("unit").to_pylist()
        q_names = quantity.dictionary.to_pylist()
        q_codes = quantity.indices.to_numpy(zero_copy_only=False).astype(np.int16)
        units = {}
        for code, unit_name in zip(q_codes, unit):
            units.setdefault(q_names[code], unit_name)
        times = table.column("time").to_numpy().astype("datetime64[s]")
        return cls(
            start=start,
            time_s=(times - np.datetime64(start, "s")).astype(np.int64),
            node=node.indices.to_numpy(zero_copy_only=False).astype(np.int32),
            quantity=q_codes,
            value=table.column("value").to_numpy(),
            node_ids=tuple(node.dictionary.to_pylist()),
            quantities=tuple(q_names),
            units=units,
        )


# Arrow arrays from their buffers: pa.array() imports pandas to ask whether its input is pandas',
# 0.3 s of a fresh `twin run` that never uses pandas.
def _arrow_numbers(values: np.ndarray, dtype: type) -> pa.Array:
    """``values`` as an Arrow array of ``dtype`` (int16/int32/int64/float64), sharing its memory."""
    values = np.ascontiguousarray(values, dtype=dtype)
    return pa.Array.from_buffers(pa.from_numpy_dtype(values.dtype), values.size, [None, pa.py_buffer(values)])


def _arrow_strings(items: Iterable[str]) -> pa.Array:
    """``items`` as an Arrow string array (UTF-8 data and int32 offsets)."""
    encoded = [item.encode() for item in items]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int32)
    offsets[1:] = np.cumsum([len(e) for e in encoded])
    return pa.Array.from_buffers(pa.string(), len(encoded), [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded))])


def write_atomic(path: str | Path, write) -> None:
    """Call ``write(tmp_path)`` then rename onto ``path`` so the file appears whole or not at all."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        write(str(tmp))
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
