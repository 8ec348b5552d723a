"""Yielding: how much of its saturation flow a movement keeps while it gives way to others.

A movement yields where SUMO's right of way says so: a minor link (``m``) at a junction without
a light gives way to the major links crossing it, and a permissive green (``g``) at a light gives
way to the links the junction's request says it must let pass while they have green too (a left
turn to the opposing through traffic). twin keeps one saturation flow per movement, so a
yielding movement's is scaled by the gap-acceptance capacity of a stream crossing ``v`` vehicles
per hour (Harders' formula, as in the HCM's two-way-stop model), relative to its value without
conflicting traffic::

    c(v) = v e^(-v t_c / 3600) / (1 - e^(-v t_f / 3600))         (veh/h; c(0) = 3600 / t_f)
    keep(v) = c(v) / c(0)

with ``t_c`` the critical gap (``CRITICAL_GAP_S``) and ``t_f`` the follow-up time
(``FOLLOW_UP_S``). SUMO's drivers accept a gap when the foe is still ``jmTimegapMinor`` (1 s) away
once they have crossed, so its critical gaps are shorter than the HCM's (4.1-7.1 s); the values
here are those of a left turn across two lanes at SUMO's default speeds.

The conflicting flow is the sum of the foes' expected flows (:func:`twin.traffic.lanes.
expected_queue_flow_vph`). At a light a foe's vehicles cross only in its green, so its flow is
taken over its share of the cycle (``v / green share``, at most its saturation flow). A movement
green in several phases yields in each as that phase's foes say: its factor is the mean of the
phases' factors weighted by their green times, ``1 - sum_g share_g (1 - keep(v_g))``.

The yield groups (one per movement and phase in which it yields, with the phase's share of the
movement's green) and their foes are the network's (``yield_*`` fields of
:class:`twin.traffic.network.RoadNetwork`); an imported net reads them from the junctions'
requests (:mod:`twin.traffic.sumo_yields`).
"""

from __future__ import annotations

import numpy as np

CRITICAL_GAP_S = 4.0   # t_c: the least gap in the conflicting stream a yielding driver takes, s
FOLLOW_UP_S = 2.5      # t_f: headway of yielding drivers taking one long gap one after another, s


def keep_share(conflicting_vph: np.ndarray, critical_gap_s: float = CRITICAL_GAP_S,
               follow_up_s: float = FOLLOW_UP_S) -> np.ndarray:
    """Share of its unopposed capacity a yielding stream keeps against ``conflicting_vph``
    (veh/h, any shape): ``c(v) / c(0)`` of the module docstring, 1 at ``v = 0``."""
    v = np.maximum(np.asarray(conflicting_vph, dtype=float), 0.0)
    x = v * follow_up_s / 3600.0
    # x / (1 - e^-x) -> 1 as x -> 0; expm1 keeps it exact for small x.
    ratio = np.where(x > 0, x / np.where(x > 0, -np.expm1(-x), 1.0), 1.0)
    return np.exp(-v * critical_gap_s / 3600.0) * ratio


def yield_factor(n_queues: int, group_q: np.ndarray, group_share: np.ndarray, pair_group: np.ndarray,
                 pair_foe: np.ndarray, foe_vph: np.ndarray) -> np.ndarray:
    """(n_queues,) factor on each movement's saturation flow: 1 for a movement that never yields,
    ``1 - sum_g share_g (1 - keep(v_g))`` over its yield groups otherwise (module docstring).

    ``group_q`` (G,) the movement of each group and ``group_share`` (G,) its part of the movement's
    green; ``pair_group``/``pair_foe`` (P,) the foes of each group; ``foe_vph`` (Q,) each movement's
    flow while it crosses, veh/h."""
    conflicting = np.bincount(pair_group, weights=foe_vph[pair_foe], minlength=group_q.size)
    lost = group_share * (1.0 - keep_share(conflicting))
    return 1.0 - np.bincount(group_q, weights=lost, minlength=n_queues)


def green_share(programs, q_int: np.ndarray) -> np.ndarray:
    """(Q,) part of its intersection's fixed-time cycle in which each movement has green (1 at a
    junction without a light); ``programs`` a :class:`twin.traffic.network.SignalPrograms`."""
    p = programs.green_s.shape[1]
    has = (programs.q_bits[:, None] >> np.arange(p)[None, :]) & 1
    green = (has * programs.green_s[q_int]).sum(axis=1)
    cycle = (programs.green_s + programs.yellow_s + programs.all_red_s).sum(axis=1)[q_int]
    share = np.where(programs.signalized[q_int], green / np.maximum(cycle, 1), 1.0)
    return np.maximum(share, 1e-3)
