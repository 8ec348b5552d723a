"""The viewer's palette and colour ramps (numpy only; no pygame).

A ramp maps values to RGB by linear interpolation between ``(value, (r, g, b))`` stops, for
every item at once, so a frame colours all homes or lanes with one call.
"""

from __future__ import annotations

import numpy as np

BACKGROUND = (20, 22, 27)
PANEL = (31, 34, 41)
PANEL_RULE = (58, 62, 74)
TEXT = (226, 229, 236)
MUTED = (139, 146, 160)
ACCENT = (110, 190, 255)
HIGHLIGHT = (255, 255, 255)

ROAD = (54, 58, 68)
INTERSECTION = (78, 82, 95)
FEEDER_IDLE = (96, 100, 112)
VEHICLE_MOVING = (235, 238, 245)
VEHICLE_HALTED = (255, 150, 60)

SIGNAL_GREEN = (46, 204, 96)
SIGNAL_YELLOW = (245, 200, 40)
SIGNAL_RED = (225, 52, 52)
SIGNAL_COLOURS = (SIGNAL_GREEN, SIGNAL_YELLOW, SIGNAL_RED)  # indexed by the light state in draw.py

PV_PRODUCING = (255, 214, 40)
PV_IDLE = (112, 102, 44)
BATTERY_FRAME = (30, 36, 48)
BATTERY_FILL = (80, 170, 255)
EV_CHARGING = (205, 120, 255)
EV_PLUGGED = (120, 80, 150)
EV_ABSENT = (48, 44, 58)

Stops = tuple[tuple[float, tuple[int, int, int]], ...]

# Net load of a home (kW): exporting green, idle grey, importing orange to red.
NET_LOAD_STOPS: Stops = ((-4.0, (40, 200, 110)), (-0.5, (70, 120, 90)), (0.0, (88, 92, 104)),
                         (1.5, (235, 170, 60)), (6.0, (230, 50, 40)))
# Transformer loading (fraction of the rating): green until 80 %, red above 120 %.
LOADING_STOPS: Stops = ((0.0, (60, 170, 100)), (0.8, (240, 200, 50)), (1.0, (245, 130, 40)), (1.2, (230, 40, 40)))
# Queue of a lane group (fraction of its storage): the road colour when empty, red when full.
QUEUE_STOPS: Stops = ((0.0, ROAD), (0.05, (90, 130, 90)), (0.3, (235, 200, 60)), (0.7, (235, 110, 40)),
                      (1.0, (220, 40, 40)))


def temperature_stops(low_c: float, high_c: float) -> Stops:
    """Indoor temperature stops around a comfort band (degC): blue below, green inside, red above."""
    mid = 0.5 * (low_c + high_c)
    return ((low_c - 4.0, (40, 70, 200)), (low_c - 1.0, (80, 150, 235)), (low_c, (110, 200, 200)),
            (mid, (120, 205, 120)), (high_c, (230, 200, 80)), (high_c + 3.0, (225, 60, 40)))


def ramp(values: np.ndarray, stops: Stops) -> np.ndarray:
    """RGB (n, 3) uint8 for each value by linear interpolation between ``stops`` (clamped at the ends)."""
    at = np.array([s[0] for s in stops], dtype=float)
    rgb = np.array([s[1] for s in stops], dtype=float)
    v = np.nan_to_num(np.asarray(values, dtype=float), nan=at[0])
    out = np.empty((v.size, 3), dtype=np.uint8)
    for channel in range(3):
        out[:, channel] = np.rint(np.interp(v.ravel(), at, rgb[:, channel]))
    return out
