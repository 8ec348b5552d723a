"""The market a world sees: import price, feed-in price and carbon intensity, and their clock.

Prices and intensity are piecewise-constant series known for the whole horizon (see
:mod:`twin.tariffs`). The :class:`TariffClock` is the scheduled event at each change: it moves
``price_now`` / ``carbon_now`` forward so controllers and agents read the current values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.engine import ArrayState
from twin.tariffs import PriceSeries


@dataclass(frozen=True)
class Market:
    """Price and carbon series for one world (EUR/kWh, gCO2/kWh)."""

    price: PriceSeries
    carbon: PriceSeries
    feed_in_eur_per_kwh: float


@dataclass
class MarketState(ArrayState):
    """Values in force now, one per replica world (shape (K,); K = 1 for a plain world)."""

    price_now_eur_per_kwh: np.ndarray
    carbon_now_g_per_kwh: np.ndarray


class TariffClock:
    """Scheduled events: at each price or carbon change, update the values in force.

    With replica worlds there is one market per replica; the clock wakes at every replica's
    changes and sets all of them (setting a value that did not change is harmless).
    """

    name = "tariff_clock"
    priority = -5

    def __init__(self, markets: list[Market], state: MarketState):
        self.markets, self.state = markets, state
        self.price, self.carbon = _stack([m.price for m in markets]), _stack([m.carbon for m in markets])

    def first_wake_s(self) -> int:
        """Set the opening values at time 0."""
        return 0

    def fire(self, now_s: int) -> int | None:
        """Apply the values in force from ``now_s``; wake at the next change of either series."""
        changes = []
        for series, now in ((self.price, self.state.price_now_eur_per_kwh),
                            (self.carbon, self.state.carbon_now_g_per_kwh)):
            if isinstance(series, tuple):  # the replicas change at the same times: one lookup
                change_s, values = series
                i = max(int(np.searchsorted(change_s, now_s, side="right")) - 1, 0)
                now[...] = values[:, i]
                nxt = int(np.searchsorted(change_s, now_s, side="right"))
                changes += [int(change_s[nxt])] if nxt < change_s.size else []
            else:
                for k, one in enumerate(series):
                    now[k] = one.at(now_s)
                    changes += [c for c in (one.next_change_after(now_s),) if c is not None]
        return min(changes) if changes else None


def _stack(series: list[PriceSeries]) -> tuple[np.ndarray, np.ndarray] | list[PriceSeries]:
    """(change times, (K, changes) values) when every replica's series changes at the same times."""
    first = series[0].change_s
    if all(np.array_equal(s.change_s, first) for s in series[1:]):
        return first, np.stack([s.value for s in series])
    return series
