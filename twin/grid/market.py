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
    """Values in force now (0-d arrays so snapshots and views work like every other state)."""

    price_now_eur_per_kwh: np.ndarray
    carbon_now_g_per_kwh: np.ndarray


class TariffClock:
    """Scheduled events: at each price or carbon change, update the values in force."""

    name = "tariff_clock"
    priority = -5

    def __init__(self, market: Market, state: MarketState):
        self.market, self.state = market, state

    def first_wake_s(self) -> int:
        """Set the opening values at time 0."""
        return 0

    def fire(self, now_s: int) -> int | None:
        """Apply the values in force from ``now_s``; wake at the next change of either series."""
        self.state.price_now_eur_per_kwh[...] = self.market.price.at(now_s)
        self.state.carbon_now_g_per_kwh[...] = self.market.carbon.at(now_s)
        changes = [c for c in (self.market.price.next_change_after(now_s),
                               self.market.carbon.next_change_after(now_s)) if c is not None]
        return min(changes) if changes else None
