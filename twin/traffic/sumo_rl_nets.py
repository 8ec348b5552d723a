"""sumo-rl's networks and route files, named ``sumo-rl:NAME`` in a scenario and read from the
installed sumo-rl package's folder (never copied: RESCO's nets carry their own licences).

The files and SUMO begin times are those sumo-rl's own environments use (``sumo_rl/environment/
resco_envs.py`` for RESCO's, its experiments for the others). Finding the folder does not import
sumo-rl, so it needs neither SUMO nor ``SUMO_HOME``.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

PREFIX = "sumo-rl:"


@dataclass(frozen=True)
class SumoRlNet:
    """One of sumo-rl's scenarios: its files under ``sumo_rl/nets/`` and the SUMO time it starts at."""

    net: str
    routes: str
    begin_s: int


SUMO_RL_NETS: dict[str, SumoRlNet] = {
    "single-intersection": SumoRlNet("single-intersection/single-intersection.net.xml",
                                     "single-intersection/single-intersection.rou.xml", 0),
    "2way-single-intersection": SumoRlNet("2way-single-intersection/single-intersection.net.xml",
                                          "2way-single-intersection/single-intersection-vhvh.rou.xml", 0),
    "4x4-Lucas": SumoRlNet("4x4-Lucas/4x4.net.xml", "4x4-Lucas/4x4c1c2c1c2.rou.xml", 0),
    "grid4x4": SumoRlNet("RESCO/grid4x4/grid4x4.net.xml", "RESCO/grid4x4/grid4x4_1.rou.xml", 0),
    "arterial4x4": SumoRlNet("RESCO/arterial4x4/arterial4x4.net.xml", "RESCO/arterial4x4/arterial4x4_1.rou.xml", 0),
    "cologne1": SumoRlNet("RESCO/cologne1/cologne1.net.xml", "RESCO/cologne1/cologne1.rou.xml", 25_200),
    "cologne3": SumoRlNet("RESCO/cologne3/cologne3.net.xml", "RESCO/cologne3/cologne3.rou.xml", 25_200),
    "cologne8": SumoRlNet("RESCO/cologne8/cologne8.net.xml", "RESCO/cologne8/cologne8.rou.xml", 25_200),
    "ingolstadt1": SumoRlNet("RESCO/ingolstadt1/ingolstadt1.net.xml", "RESCO/ingolstadt1/ingolstadt1.rou.xml", 57_600),
    "ingolstadt7": SumoRlNet("RESCO/ingolstadt7/ingolstadt7.net.xml", "RESCO/ingolstadt7/ingolstadt7.rou.xml", 57_600),
    "ingolstadt21": SumoRlNet("RESCO/ingolstadt21/ingolstadt21.net.xml", "RESCO/ingolstadt21/ingolstadt21.rou.xml",
                              57_600),
}


class SumoRlMissing(ValueError):
    """A ``sumo-rl:NAME`` twin cannot find: an unknown name, or sumo-rl not installed."""


def is_sumo_rl(value: str) -> bool:
    """Whether a scenario's file field names one of sumo-rl's scenarios rather than a path."""
    return value.startswith(PREFIX)


def sumo_rl_net(value: str) -> SumoRlNet:
    """The sumo-rl scenario ``value`` (``sumo-rl:NAME``) names; SumoRlMissing listing the names."""
    name = value[len(PREFIX):]
    if name not in SUMO_RL_NETS:
        raise SumoRlMissing(f"got {value!r}; sumo-rl's networks are {', '.join(PREFIX + n for n in SUMO_RL_NETS)}")
    return SUMO_RL_NETS[name]


def sumo_rl_file(value: str, kind: str) -> Path:
    """The installed file (``kind`` "net" or "routes") of ``sumo-rl:NAME``; SumoRlMissing if the
    name is unknown, sumo-rl is not installed, or its folder lacks the file."""
    entry = sumo_rl_net(value)
    spec = importlib.util.find_spec("sumo_rl")
    if spec is None or not spec.submodule_search_locations:
        raise SumoRlMissing(f"got {value!r}; sumo-rl is not installed in this environment: pip install sumo-rl "
                            "(twin reads its network files and needs nothing else of it)")
    path = Path(next(iter(spec.submodule_search_locations))) / "nets" / (entry.net if kind == "net" else entry.routes)
    if not path.is_file():
        raise SumoRlMissing(f"got {value!r}; the installed sumo-rl has no {path.name} (at {path}): "
                            "an older or newer sumo-rl may lay its nets out differently")
    return path
