"""The A2C checkpoint file: one ``torch.save`` of plain values and tensors, written atomically.

Keys: ``format``, ``config`` (Config.to_dict), ``observation_space`` / ``action_space``
(spaces.space_to_dict), ``model`` (network state dict), ``obs_normalizer`` (running mean/std),
``optimizer`` (state dict), ``global_step`` (agent decisions so far), ``updates``, ``generator``
(torch.Generator state). Only plain types and tensors, so it loads with ``weights_only=True``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

FORMAT = "twin-a2c/1"
KEYS = ("config", "observation_space", "action_space", "model", "obs_normalizer", "optimizer", "global_step",
        "updates", "generator")


class CheckpointError(ValueError):
    """A file is not an A2C checkpoint this version can read."""


def write_checkpoint(path: str | Path, state: dict[str, Any]) -> Path:
    """Write ``state`` to ``path`` (via a temporary file and rename, so a crash never leaves half a file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save({"format": FORMAT, **state}, tmp)
    os.replace(tmp, path)
    return path


def read_checkpoint(path: str | Path) -> dict[str, Any]:
    """The state stored at ``path``; CheckpointError if it is missing or not an A2C checkpoint."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"no A2C checkpoint at {path}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises several kinds for a file that is not its own
        raise CheckpointError(f"{path} is not an A2C checkpoint ({type(err).__name__}: {err})") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        found = state.get("format") if isinstance(state, dict) else type(state).__name__
        raise CheckpointError(f"{path} is not an A2C checkpoint: format {found!r}, expected {FORMAT!r}")
    missing = [k for k in KEYS if k not in state]
    if missing:
        raise CheckpointError(f"{path}: A2C checkpoint lacks {missing}")
    return state


__all__ = ["FORMAT", "CheckpointError", "write_checkpoint", "read_checkpoint"]
