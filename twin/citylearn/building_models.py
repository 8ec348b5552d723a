"""A CityLearn building's models other than devices: LSTM temperature dynamics, occupant
set-point interaction and power outages, as frozen dataclasses. Files they name are resolved
against the dataset's root directory and checked to exist; none is loaded here (no torch, no
pickle)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from twin.citylearn.series import OccupantParametersSeries


@dataclass(frozen=True)
class LSTMDynamics:
    """``citylearn.dynamics.LSTMDynamics``: an LSTM that predicts the indoor temperature (°C) from
    the last ``lookback`` steps of ``input_observation_names`` (min-max normalised with the two
    lists of bounds, same order). ``model_path`` is its torch state dict (``.pth``)."""

    type: str
    model_path: Path
    input_observation_names: tuple[str, ...]
    input_normalization_minimum: tuple[float, ...]
    input_normalization_maximum: tuple[float, ...]
    hidden_size: int
    num_layers: int
    lookback: int  # time steps of history fed to the network
    input_size: int | None  # None: len(input_observation_names)
    dropout: float | None  # None: 0


@dataclass(frozen=True)
class Occupant:
    """``citylearn.occupant.LogisticRegressionOccupant``: occupants who raise or lower the set point
    with a logistic chance per time step; ``delta_output_map`` maps a decision-tree class to the set
    point change in °C. The two model paths are scikit-learn decision trees (pickles, not loaded)."""

    type: str
    parameters: OccupantParametersSeries
    setpoint_increase_model_path: Path
    setpoint_decrease_model_path: Path
    delta_output_map_c: tuple[tuple[int, float], ...]


@dataclass(frozen=True)
class PowerOutage:
    """When the building's grid connection fails. With ``simulate_power_outage`` false there are
    none; otherwise either the ``power_outage`` column of the energy file says when, or, with
    ``stochastic_power_outage``, a model draws outages from reliability indices."""

    simulate_power_outage: bool
    stochastic_power_outage: bool
    model_type: str | None  # citylearn.power_outage.ReliabilityMetricsPowerOutage or PowerOutage
    saifi_per_year: float | None  # interruptions a customer sees per year; CityLearn's default 1.436
    caidi_min: float | None  # mean interruption length in minutes; CityLearn's default 331.2
    start_time_steps: tuple[int, ...] | None  # candidate start steps within a day; None: any
    random_seed: int | None


NO_POWER_OUTAGE = PowerOutage(False, False, None, None, None, None, None)
