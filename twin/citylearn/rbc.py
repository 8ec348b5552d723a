"""CityLearn's BasicRBC for batteries (``citylearn.agents.rbc.BasicRBC``, the 2022 challenge's agent),
as the rule twin's worlds and baselines share: discharge 8% of nominal power in hours 9-21, charge
9.1% in hours 1-8 and 22-24 (CityLearn counts a day's hours 1 to 24)."""

from __future__ import annotations

import numpy as np

DISCHARGE, CHARGE = -0.08, 0.091
_HOURS = np.arange(26)
#: The action by hour, 0 to 25 (0 and 25 lie outside CityLearn's day and get no action); a table,
#: so a policy stepping every hour looks its action up instead of evaluating the rule.
ACTION_BY_HOUR = np.where((_HOURS >= 9) & (_HOURS <= 21), DISCHARGE,
                          np.where(((_HOURS >= 1) & (_HOURS <= 8)) | ((_HOURS >= 22) & (_HOURS <= 24)), CHARGE, 0.0))
ACTION_BY_HOUR.setflags(write=False)


def basic_rbc_action(hour: float | np.ndarray) -> np.ndarray:
    """BasicRBC's battery action (share of nominal power, charging +) at CityLearn ``hour``(s);
    hours outside 1-24 get 0."""
    # Clipping sends every hour outside 0-25 to an end of the table, where the action is 0.
    return np.take(ACTION_BY_HOUR, np.asarray(hour).astype(np.int64), mode="clip")
