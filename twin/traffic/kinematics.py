"""Speed changes at junctions: the time a vehicle loses slowing for a turn and starting from a stop.

The queue model moves a vehicle at free-flow speed from one stop line to the next and lets it
cross a line instantly. Real vehicles (and SUMO's) also take time to cross the junction, slow down
for turns, and accelerate again after standing in a queue; on a grid of a few junctions per trip
that is several seconds per junction, which a travel time or a timeLoss must hold. Each queue row
r (a movement, or an entry's outside queue) gets, with acceleration ``a`` and deceleration ``b``
(m/s², SUMO's passenger defaults 2.6 and 4.5), approach speed ``v_in``, the next link's speed
``v_out`` and the speed through the junction ``u = min(turn speed, v_in, v_out)`` (m/s):

- **ideal time** ``c_r + L_out / v_out``: crossing the junction at its own speed (``c_r``, s, the
  SUMO internal lanes' length / speed; 0 on a generated grid) and then the next link at free flow,
  rounded up to whole traffic steps as the link's free-flow time is. This is free-flow time:
  a trip's timeLoss does not count it.
- **pass loss** ``(v_in - u)^2 / (2 v_in b) + (v_out - u)^2 / (2 v_out a)``: a vehicle that crosses
  without stopping brakes from ``v_in`` to ``u`` and accelerates to ``v_out`` again (the time
  lost against driving at those speeds throughout).
- **stop loss** ``u / (2 a) + (v_out - u)^2 / (2 v_out a)``: a vehicle that stood at the line
  accelerates from rest to ``u``, then to ``v_out``.
- A wait ``w`` (s) at the line shorter than braking to a standstill costs (``v_in / (2 b)``) is a
  slow-down, not a stop: the loss goes linearly from the pass loss (``w = 0``) to the stop loss.
- **cruise loss** ``C (1 / (v_out - d) - 1 / v_out)`` on top of either: drivers keep on average
  ``d`` (m/s) below the limit where they cruise, ``C = max(L_out - v_out^2 / 2a - v_out^2 / 2b, 0)``
  (m, the link less the metres of speeding up after a junction and slowing for the next). SUMO's
  default drivers (Krauss, ``sigma`` 0.5) do: alone on a free 2 km road at 13.89 m/s and at 8 m/s
  they lost 5.2 s and 18 s per km, ``d`` = 0.94 and 1.03 m/s.

The loss is added to the time the vehicle reaches its next stop line (or leaves the network), with
the ideal time; the sum is rounded up to whole steps, so a vehicle with no loss keeps the stepped
model's times exactly. On an imported (SUMO) network vehicles enter from rest, as SUMO inserts
them by default (``departSpeed`` 0: loss ``v / (2 a)`` on the entry link); on a generated grid
they come in from the roads beyond at speed, and lose ``v / (2 a)`` only if they had to wait.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.traffic.network import RoadNetwork, free_flow_steps_s


@dataclass(frozen=True, eq=False)
class JunctionTimes:
    """Per queue row (movement rows, then outside rows): what crossing its line costs."""

    ideal_steps_s: np.ndarray  # (R,) int64: ideal time to the next line, whole steps (s)
    ideal_s: np.ndarray        # (R,) the same unrounded (s)
    pass_loss_s: np.ndarray    # (R,) time lost crossing without a stop (s)
    stop_loss_s: np.ndarray    # (R,) time lost starting from a stop at the line (s)
    stop_wait_s: np.ndarray    # (R,) a wait at least this long is a full stop (s, > 0)


def junction_times(net: RoadNetwork, *, accel_mps2: float, decel_mps2: float, shortfall_mps: float,
                   dt_s: int) -> JunctionTimes:
    """The rows' times (see the module docstring) for vehicles accelerating at ``accel_mps2`` and
    braking at ``decel_mps2`` (m/s²) and cruising ``shortfall_mps`` (m/s) below the limit, on
    traffic steps of ``dt_s`` (s)."""
    a, b = float(accel_mps2), float(decel_mps2)
    speed, length = net.speed_mps, net.length_m
    # Drivers dawdle where they cruise: not over the metres they speed up or slow down in.
    cruising_m = np.maximum(length - speed ** 2 / (2 * a) - speed ** 2 / (2 * b), 0.0)
    cruise = cruising_m / np.maximum(speed - shortfall_mps, 0.5 * speed) - cruising_m / speed  # (L,) s
    v_in, v_out = speed[net.q_link], speed[net.q_out]
    u = np.minimum(np.minimum(net.q_turn_speed_mps, v_in), v_out)
    move_ideal = net.q_cross_s + length[net.q_out] / v_out
    move_pass = (v_in - u) ** 2 / (2 * v_in * b) + (v_out - u) ** 2 / (2 * v_out * a) + cruise[net.q_out]
    move_stop = u / (2 * a) + (v_out - u) ** 2 / (2 * v_out * a) + cruise[net.q_out]
    v_entry = speed[net.entries]
    from_rest = v_entry / (2 * a) + cruise[net.entries]
    ideal = np.concatenate([move_ideal, net.free_flow_s[net.entries]])
    # Rounded as the links' free-flow times are, so a row with no crossing time keeps them exactly.
    entry_steps = free_flow_steps_s(net, dt_s)[net.entries]
    move_steps = np.ceil(move_ideal / dt_s - 1e-9).astype(np.int64) * dt_s
    return JunctionTimes(
        ideal_steps_s=np.concatenate([move_steps, entry_steps]), ideal_s=ideal,
        pass_loss_s=np.concatenate([move_pass, from_rest if net.imported else cruise[net.entries]]),
        stop_loss_s=np.concatenate([move_stop, from_rest]),
        # A vehicle leaving an outside queue after waiting has stood there: any wait is a full stop.
        stop_wait_s=np.concatenate([v_in / (2 * b), np.full(v_entry.size, float(dt_s))]))


def storage_for_moving_vehicles(net: RoadNetwork, *, accel_mps2: float, decel_mps2: float, shortfall_mps: float,
                                dt_s: int) -> np.ndarray:
    """(L,) each link's storage (vehicles), raised to hold what drives along it at saturation flow.

    The model counts a vehicle on a link from when it crosses into it until it leaves it, driving
    included, and a link admits vehicles only while it has room. A link shorter than the distance
    its saturation flow covers in the time to drive it (a few metres between two junctions of a
    city net) would then let through fewer vehicles than its lanes can carry, and more so the longer
    that time is (crossing the junction, losses). As MATSim's queue model does, storage is at least
    lanes x saturation flow x the longest time to the line (s) any row into the link can take
    without waiting, rounded up: ``max(storage, ceil(lanes x lane_sat_vps x time))``.
    """
    t = junction_times(net, accel_mps2=accel_mps2, decel_mps2=decel_mps2, shortfall_mps=shortfall_mps, dt_s=dt_s)
    target = np.concatenate([net.q_out, net.entries])
    longest = np.ceil((t.ideal_s + np.maximum(t.pass_loss_s, t.stop_loss_s)) / dt_s - 1e-9) * dt_s
    time_s = np.zeros(net.n_links)
    np.maximum.at(time_s, target, longest)
    moving = np.ceil(net.lanes * net.lane_sat_vps * time_s - 1e-9).astype(np.int64)
    return np.maximum(net.storage, moving)
