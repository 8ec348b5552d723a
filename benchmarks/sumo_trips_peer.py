"""SUMO's side of benchmarks/fidelity_sumo.py: one run of a net and route file, its tripinfo means.

Runs in the SUMO environment (eclipse-sumo, libsumo, sumolib), not twin's, so it imports nothing of
twin; fidelity_sumo.py hands it to ``peers.run_peer``. It prints one JSON line.

    python sumo_trips_peer.py NET ROUTES BEGIN END TRIPINFO CONTROLLER MIN_GREEN MAX_GREEN GAP DECISION [SEED]

CONTROLLER is the signal control, each as twin's (``twin.traffic.signal_kernel``,
``twin.traffic.max_pressure``) with the same min green, max green, gap and decision period (s):

- ``fixed_time``: the net's own programs.
- ``actuated``: SUMO's actuated control of the same phases (an added ``type="actuated"`` program:
  greens between MIN_GREEN and MAX_GREEN, ``max-gap`` GAP).
- ``max_pressure``: every DECISION s each light asks for its green phase of largest pressure, the
  vehicles halting on the incoming lanes of its green connections less those halting on their
  outgoing lanes (its current phase on a tie); a green ends, after MIN_GREEN, when another phase is
  asked for, through the yellow and red phases that follow it in the program.
"""

import json
import os
import sys
import tempfile
import time
from xml.sax.saxutils import quoteattr

try:
    import sumo
    os.environ.setdefault("SUMO_HOME", os.path.dirname(sumo.__file__))
    import libsumo
    import sumolib
except ImportError as exc:
    print(json.dumps({"missing": str(exc)}))
    sys.exit(0)

GREEN = "GgsOo"  # states that let a vehicle pass, as twin reads them


def is_green_phase(state: str) -> bool:
    """twin's rule: a green phase has a G or g and no y."""
    return ("G" in state or "g" in state) and "y" not in state.lower()


def current_phases(tls: str) -> list:
    """The phases of the program ``tls`` runs."""
    program = libsumo.trafficlight.getProgram(tls)
    logics = libsumo.trafficlight.getAllProgramLogics(tls)
    return next(lg for lg in logics if lg.programID == program).phases


def actuated_programs(net_file: str, folder: str, min_green: float, max_green: float, gap: float) -> str:
    """An additional file with an actuated copy of every light's last program; returns its path."""
    net = sumolib.net.readNet(net_file, withPrograms=True, withLatestPrograms=True)
    lines = ["<additional>"]
    for tls in net.getTrafficLights():
        program = list(tls.getPrograms().values())[-1]
        lines.append(f'  <tlLogic id={quoteattr(tls.getID())} type="actuated" programID="twin_actuated" '
                     f'offset="{program.getOffset()}">')
        lines.append(f'    <param key="max-gap" value="{gap}"/>')
        for ph in program.getPhases():
            timing = (f' minDur="{min_green}" maxDur="{max_green}"' if is_green_phase(ph.state) else "")
            lines.append(f'    <phase duration="{ph.duration}" state="{ph.state}"{timing}/>')
        lines.append("  </tlLogic>")
    lines.append("</additional>")
    path = os.path.join(folder, "actuated.add.xml")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def hold(tls: str, phase: int) -> None:
    """Show program phase ``phase`` at light ``tls`` until told otherwise (the rule times it, not SUMO)."""
    libsumo.trafficlight.setPhase(tls, phase)
    libsumo.trafficlight.setPhaseDuration(tls, 1e6)


class MaxPressure:
    """The max-pressure rule of the module docstring over every light, one call per second."""

    def __init__(self, min_green: float, decision: float):
        self.min_green, self.decision = min_green, decision
        self.lights = {}
        for tls in libsumo.trafficlight.getIDList():
            phases = current_phases(tls)
            greens = [i for i, ph in enumerate(phases) if is_green_phase(ph.state)]
            links = libsumo.trafficlight.getControlledLinks(tls)
            pairs = [sorted({(c[0], c[1]) for j, group in enumerate(links) for c in group if phases[g].state[j] in GREEN})
                     for g in greens]
            self.lights[tls] = {"phases": phases, "greens": greens, "pairs": pairs, "at": 0, "t_in": 0.0,
                                "request": 0, "after": []}
            hold(tls, greens[0])

    def step(self, t: float) -> None:
        """Decide (every ``decision`` s) and move lights through their transitions, before the step at ``t``."""
        halting = {}
        for tls, s in self.lights.items():
            if t % self.decision == 0:
                pressure = []
                for pairs in s["pairs"]:
                    total = 0
                    for a, b in pairs:
                        for lane in (a, b):
                            if lane not in halting:
                                halting[lane] = libsumo.lane.getLastStepHaltingNumber(lane)
                        total += halting[a] - halting[b]
                    pressure.append(total)
                best = max(range(len(pressure)), key=lambda k: pressure[k])
                s["request"] = s["at"] if pressure[best] <= pressure[s["at"]] else best
            if s["after"]:  # in a yellow or red: the next one when its time is up, then the green asked for
                if s["after"][0][1] <= 0:
                    s["after"].pop(0)
                    if s["after"]:
                        hold(tls, s["after"][0][0])
                    else:
                        self._to_target(tls, s)
            elif s["t_in"] >= self.min_green and s["request"] != s["at"]:
                g = s["greens"][s["at"]]
                n = len(s["phases"])
                after, k = [], (g + 1) % n
                while k not in s["greens"]:
                    after.append([k, s["phases"][k].duration])
                    k = (k + 1) % n
                s["target"] = s["request"]
                if after:
                    s["after"] = after
                    hold(tls, after[0][0])
                else:
                    self._to_target(tls, s)
            if s["after"]:
                s["after"][0][1] -= 1
            else:
                s["t_in"] += 1

    @staticmethod
    def _to_target(tls: str, s: dict) -> None:
        """Into the green the light's transition led to, from its first second."""
        s["at"], s["t_in"] = s["target"], 0.0
        hold(tls, s["greens"][s["at"]])


def main() -> None:
    net, routes, begin, end, tripinfo, controller = sys.argv[1:7]
    min_green, max_green, gap, decision = map(float, sys.argv[7:11])
    seed = sys.argv[11] if len(sys.argv) > 11 else "1"
    with tempfile.TemporaryDirectory() as folder:
        extra = []
        if controller == "actuated":
            extra = ["-a", actuated_programs(net, folder, min_green, max_green, gap)]
        began = time.perf_counter()
        libsumo.start(["sumo", "-n", net, "-r", routes, "-b", begin, "-e", end, "--tripinfo-output", tripinfo,
                       "--no-step-log", "--no-warnings", "--seed", seed, "--duration-log.disable", *extra])
        if controller == "actuated":
            for tls in libsumo.trafficlight.getIDList():
                libsumo.trafficlight.setProgram(tls, "twin_actuated")
        control = MaxPressure(min_green, decision) if controller == "max_pressure" else None
        loaded = time.perf_counter()
        teleports = 0
        while libsumo.simulation.getTime() < float(end):
            if control is not None:
                control.step(libsumo.simulation.getTime() - float(begin))
            libsumo.simulationStep()
            teleports += libsumo.simulation.getStartingTeleportNumber()
        ran = time.perf_counter()
        libsumo.close()
    keys = ("duration", "timeLoss", "waitingTime", "waitingCount", "departDelay")
    rows = [[float(getattr(t, k)) for k in keys] for t in sumolib.xml.parse(tripinfo, "tripinfo")]
    means = {k: (sum(r[i] for r in rows) / len(rows) if rows else None) for i, k in enumerate(keys)}
    print(json.dumps({"load_s": loaded - began, "run_s": ran - loaded, "arrived": len(rows), "teleports": teleports,
                      **means}))


if __name__ == "__main__":
    main()
