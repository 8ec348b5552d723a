"""CityLearn's BasicRBC for batteries (``citylearn.agents.rbc.BasicRBC``, the 2022 challenge's agent),
as the rule twin's worlds and baselines share: discharge 8% of nominal power in hours 9-21, charge
9.1% in hours 1-8 and 22-24 (CityLearn counts a day's hours 1 to 24)."""

from __future__ import annotations

import numpy as np

DISCHARGE, CHARGE = -0.08, 0.091


def basic_rbc_action(hour: float | np.ndarray) -> np.ndarray:
    """BasicRBC's battery action (share of nominal power, charging +) at CityLearn ``hour``(s)."""
    h = np.asarray(hour).astype(np.int64)
    return np.where((h >= 9) & (h <= 21), DISCHARGE, np.where(((h >= 1) & (h <= 8)) | ((h >= 22) & (h <= 24)),
                                                               CHARGE, 0.0))
