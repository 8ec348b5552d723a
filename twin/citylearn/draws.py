"""CityLearn 3.0.2's seeded device defaults, reproduced so that a dataset means the same devices here.

A device attribute the schema leaves out and CityLearn defaults to a range (a battery's efficiency
curve, a heat pump's Carnot efficiency, ...) is drawn by CityLearn from that range. Its draws are
not random in any useful sense: every draw of one device reads the *first* number of a fresh
``numpy.random.RandomState(device_seed)`` (CityLearn rebuilds the state at each access), so all of
a device's defaulted attributes sit at the same fraction ``u`` of their ranges, and ``u`` is a pure
function of the building's name and class, the device's key and class, and the schema's
``random_seed`` (``citylearn.internal.loading``). Reproducing that function is what lets a
CityLearn dataset give CityLearn's results; the legacy ``RandomState`` is used only to read that
one number bit-exactly, never as a source of twin's own randomness.
"""

from __future__ import annotations

import hashlib

import numpy as np


def device_seed(building_name: str, building_type: str, device_key: str, device_type: str, random_seed: int) -> int:
    """The seed CityLearn gives a device: running md5 sums of the four names, scaled by the
    schema's ``random_seed`` + 1 and cut to its first nine digits."""
    md5 = hashlib.md5()
    total = 0
    for text in (building_name, building_type, device_key, device_type):
        md5.update(text.encode())
        total += int(md5.hexdigest(), 16)
    return int(str(total * (random_seed + 1))[:9])


def device_fraction(seed: int) -> float:
    """The fraction ``u`` in [0, 1) at which every defaulted range of the device with ``seed`` is read."""
    return float(np.random.RandomState(seed).random_sample())


def drawn(low: float, high: float, u: float) -> float:
    """A value of the range ``low``-``high`` at fraction ``u``, rounded as ``RandomState.uniform`` rounds it."""
    return low + (high - low) * u
