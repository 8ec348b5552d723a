"""``twin import osm MAP.osm``: an OpenStreetMap extract to a SUMO network, with a scenario to run it.

SUMO's own ``netconvert`` does the conversion (twin does not rebuild junction geometry, lanes and
signal programs from OSM tags itself), with the options SUMO's documentation recommends for OSM
imports: geometry nodes removed, ramps, roundabouts and clusters of junctions joined, signals
guessed where OSM marks them and joined across a junction, simple ones discarded, fixed-time
programs, only roads cars may use. netconvert is found in this order: ``--netconvert``, the
``eclipse-sumo`` wheel of this Python (``pip install eclipse-sumo``), ``$SUMO_HOME/bin``, the PATH.

The network is written next to nothing else: netconvert writes a temporary file beside the
output, twin reads it back as a scenario would (:mod:`twin.traffic.sumo_net`), and only a network
twin can run replaces the output. ``--scenario`` writes a streets-only scenario on it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from twin.errors import TwinError

NETCONVERT_TIMEOUT_S = 1800  # a city district takes seconds; a whole region minutes
# SUMO's recommended options for OSM imports (docs: Networks/Import/OpenStreetMap), fixed-time lights.
NETCONVERT_OPTIONS = (
    "--geometry.remove", "--roundabouts.guess", "--ramps.guess", "--junctions.join",
    "--tls.guess-signals", "--tls.discard-simple", "--tls.join", "--tls.default-type", "static",
    "--keep-edges.by-vclass", "passenger", "--remove-edges.isolated", "--no-warnings",
)


class ImportProblem(TwinError):
    """The OSM file, netconvert or the network it wrote cannot be used; the message says why."""


@dataclass(frozen=True)
class ImportedNet:
    """What an import wrote: the network file and its size in twin's terms."""

    net_path: Path
    junctions: int       # intersections twin models
    lights: int          # of them signalized
    roads: int           # links (SUMO edges cars may use)
    entries: int         # roads vehicles come in on from the border
    exits: int


def find_netconvert(given: str | None = None) -> Path:
    """The netconvert executable (see the module docstring for the search order); ImportProblem if none."""
    if given:
        path = Path(given)
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise ImportProblem(f"--netconvert {given}: not an executable file")
        return path
    candidates = [Path(sys.executable).parent / "netconvert"]  # the wheel's script beside this Python
    try:
        import sumo  # the eclipse-sumo wheel

        candidates.append(Path(sumo.__file__).parent / "bin" / "netconvert")
    except ImportError:
        pass
    if os.environ.get("SUMO_HOME"):
        candidates.append(Path(os.environ["SUMO_HOME"]) / "bin" / "netconvert")
    found = shutil.which("netconvert")
    if found:
        candidates.append(Path(found))
    for path in candidates:
        if path.is_file() and os.access(path, os.X_OK):
            return path
    raise ImportProblem("netconvert (SUMO's network converter) was not found: pip install eclipse-sumo "
                        "(about 230 MB), set SUMO_HOME, or give --netconvert PATH")


def _check_osm(path: Path) -> None:
    if not path.is_file():
        raise ImportProblem(f"{path}: no such file")
    with path.open("rb") as f:
        head = f.read(4096)
    if b"<osm" not in head:
        raise ImportProblem(f"{path}: not an OpenStreetMap XML file (no <osm> element at its start); export one "
                            "from openstreetmap.org (Export) or cut it with osmium extract")


def import_osm(osm_path: Path, net_path: Path, *, netconvert: str | None = None, force: bool = False,
               lane_sat_vphpl: float = 1800.0, jam_spacing_m: float = 7.5) -> ImportedNet:
    """Convert ``osm_path`` to the SUMO network ``net_path`` and check twin can run it.

    Refuses (ImportProblem) an input that is not OSM XML, an existing output without ``force``, a
    netconvert that fails or runs past NETCONVERT_TIMEOUT_S, and a network twin cannot read
    (named as twin would name it); in every case the output is left as it was.
    """
    from twin.traffic.network import ENTRY
    from twin.traffic.sumo_net import SumoNetError, read_sumo_net

    _check_osm(osm_path)
    if net_path.exists() and not force:
        raise ImportProblem(f"{net_path}: already exists; choose another --out or add --force")
    if net_path.suffix != ".xml" or not net_path.name.endswith(".net.xml"):
        raise ImportProblem(f"--out {net_path}: a SUMO network file is named NAME.net.xml")
    exe = find_netconvert(netconvert)
    net_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = net_path.with_name(f".{net_path.name}.tmp-{os.getpid()}.net.xml")
    try:
        try:
            done = subprocess.run([str(exe), "--osm-files", str(osm_path), "--output-file", str(tmp),
                                   *NETCONVERT_OPTIONS], capture_output=True, text=True,
                                  timeout=NETCONVERT_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            raise ImportProblem(f"netconvert ran past {NETCONVERT_TIMEOUT_S} s on {osm_path}; cut a smaller "
                                "extract") from None
        if done.returncode != 0 or not tmp.is_file():
            said = (done.stderr or done.stdout).strip().splitlines()
            raise ImportProblem(f"netconvert could not convert {osm_path} (exit {done.returncode}): "
                                + (said[-1] if said else "it printed nothing"))
        try:
            net = read_sumo_net(tmp, lane_sat_vps=lane_sat_vphpl / 3600.0, jam_spacing_m=jam_spacing_m, dt_s=1)
        except SumoNetError as exc:
            raise ImportProblem(f"netconvert converted {osm_path}, but twin cannot run the network: "
                                f"{str(exc).replace(str(tmp), str(net_path))}") from None
        os.replace(tmp, net_path)
    finally:
        tmp.unlink(missing_ok=True)
    return ImportedNet(net_path=net_path, junctions=net.n_int, lights=int(net.programs.signalized.sum()),
                       roads=net.n_links, entries=int((net.link_kind == ENTRY).sum()), exits=int(net.exits.size))


SCENARIO_TEMPLATE = """\
# Streets only, on {net_name} (imported from {osm_name} by `twin import osm`).
# Poisson arrivals at every road into the net, turning by the ratios below; give a SUMO route file
# with `demand: {{sumo_routes: x.rou.xml}}` for real demand. Try another controller with
#   twin run {scenario_name} --set traffic.signals.controller=actuated   (or max_pressure)
name: {name}
description: Traffic on the OpenStreetMap extract {osm_name}, {lights} signalized of {junctions} junctions.
seed: 1
start: 2025-01-14 07:30
duration: 1h
homes: {{count: 0}}
outputs: {{record: [], plots: true}}
traffic:
  resolution: 1s
  network:
    sumo_net: {net_rel}   # relative to this file
  demand:
    entry_vph: 120
    turning: {{left: 0.15, through: 0.70, right: 0.15}}
  signals:
    controller: fixed_time   # the programs netconvert wrote; or actuated, max_pressure
"""


def write_scenario(path: Path, imported: ImportedNet, osm_path: Path, *, force: bool = False) -> None:
    """A streets-only scenario on the imported network at ``path`` (the net named relative to it),
    checked by loading it; ImportProblem if it exists without ``force`` or does not load."""
    from twin.scenario import load_scenario

    if path.exists() and not force:
        raise ImportProblem(f"{path}: already exists; choose another --scenario or add --force")
    net_rel = Path(os.path.relpath(imported.net_path.resolve(), path.resolve().parent)).as_posix()
    text = SCENARIO_TEMPLATE.format(net_name=imported.net_path.name, osm_name=osm_path.name, scenario_name=path.name,
                                    name=path.name.split(".")[0], lights=imported.lights,
                                    junctions=imported.junctions, net_rel=net_rel)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8")
        try:
            load_scenario(tmp)
        except TwinError as exc:
            raise ImportProblem(f"the scenario on {imported.net_path} does not load: {exc}") from None
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def add_import_parser(sub: argparse._SubParsersAction) -> None:
    """``twin import osm ...``."""
    imp = sub.add_parser("import", help="bring a road network in from OpenStreetMap (through SUMO's netconvert)",
                         description="Convert an OpenStreetMap extract into a SUMO network twin runs, with SUMO's "
                                     "netconvert (pip install eclipse-sumo), and optionally a scenario on it.",
                         epilog="examples:\n  twin import osm downtown.osm --out nets/downtown.net.xml "
                                "--scenario downtown.yaml\n  twin run downtown.yaml",
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    kinds = imp.add_subparsers(dest="kind", metavar="KIND")
    kinds.required = True
    osm = kinds.add_parser("osm", help="an OpenStreetMap XML extract (.osm)",
                           description="Convert an OpenStreetMap XML extract (.osm) into a SUMO network.")
    osm.add_argument("osm", type=Path, help="the .osm file (OpenStreetMap XML)")
    osm.add_argument("--out", type=Path, help="network file to write (default: NAME.net.xml beside the .osm)")
    osm.add_argument("--scenario", type=Path, help="also write a streets-only scenario on the network here")
    osm.add_argument("--netconvert", help="the netconvert executable (default: eclipse-sumo's, $SUMO_HOME's, "
                                          "or the PATH's)")
    osm.add_argument("--force", action="store_true", help="replace existing output files")


def cmd_import(args: argparse.Namespace) -> int:
    """``twin import osm``: convert, check, report."""
    out = args.out or args.osm.with_name(args.osm.name.split(".")[0] + ".net.xml")
    if args.scenario is not None and args.scenario.exists() and not args.force:
        raise ImportProblem(f"{args.scenario}: already exists; choose another --scenario or add --force")
    imported = import_osm(args.osm, out, netconvert=args.netconvert, force=args.force)
    print(f"wrote {imported.net_path}: {imported.junctions} junctions ({imported.lights} with traffic lights), "
          f"{imported.roads} roads, {imported.entries} entries and {imported.exits} exits")
    if args.scenario is not None:
        write_scenario(args.scenario, imported, args.osm, force=args.force)
        print(f"wrote {args.scenario}: run it with  twin run {args.scenario}")
    else:
        print(f"use it in a scenario:  traffic: {{network: {{sumo_net: {imported.net_path}}}}}")
    return 0
