"""Checks of a validated CityLearn schema that span keys: the simulation window and episodes,
observation and action names, what each building type needs, and the building selection.

Each check returns ``(key_path, message)`` problems rather than raising, so that one
:class:`~twin.errors.ScenarioError` lists them all.
"""

from __future__ import annotations

from collections.abc import Sequence

from twin.citylearn.device_schema import PV_ABSOLUTE_MODES, pv_generation_mode
from twin.citylearn.names import BUILDING_ACTIONS, is_known_action, is_known_observation
from twin.citylearn.schema import (
    DYNAMICS_BUILDING_TYPES,
    OCCUPANT_BUILDING,
    PLAIN_OUTAGE,
    PLAIN_BUILDING,
    BuildingSchema,
    SchemaFile,
)
from twin.errors import shown

Problems = list[tuple[str, str]]


def schema_problems(s: SchemaFile) -> Problems:
    """Every cross-key problem of ``s``: window, episodes, names, and each building's entries."""
    problems = _window_problems(s)
    for name in s.observations:
        if not is_known_observation(name):
            problems.append((f"observations.{name}", "unknown observation name; CityLearn 3.0.2 knows the columns "
                                                     "of the data files and the derived names such as "
                                                     "net_electricity_consumption or electrical_storage_soc"))
    for name in s.actions:
        if not is_known_action(name):
            problems.append((f"actions.{name}", f"unknown action name; allowed: {', '.join(sorted(BUILDING_ACTIONS))}"))
    if not s.buildings:
        problems.append(("buildings", "no buildings; a dataset needs at least one"))
    for name, b in s.buildings.items():
        problems += building_problems(s, name, b)
    return problems


def _window_problems(s: SchemaFile) -> Problems:
    start, end = s.simulation_start_time_step, s.simulation_end_time_step
    if end < start:
        return [("simulation_end_time_step", f"got {end}; must be >= simulation_start_time_step ({start})")]
    episodes = s.episode_time_steps
    if isinstance(episodes, int) and episodes > end - start + 1:
        return [("episode_time_steps", f"got {episodes}; the simulation has only {end - start + 1} time steps "
                                       f"({start} to {end})")]
    if isinstance(episodes, tuple):
        for k, (a, b) in enumerate(episodes):
            if not start <= a <= b <= end:
                return [(f"episode_time_steps[{k}]", f"got [{a}, {b}]; each episode must be [start, end] with "
                                                     f"{start} <= start <= end <= {end}")]
    return []


def building_problems(s: SchemaFile, name: str, b: BuildingSchema) -> Problems:
    """Problems of one building's entries that need more than one key to see."""
    where = f"buildings.{name}"
    problems: Problems = []
    for i, obs in enumerate(b.inactive_observations or []):
        if obs not in s.observations:
            problems.append((f"{where}.inactive_observations[{i}]",
                             f"got {shown(obs)}; not one of the schema's observations"))
    for i, act in enumerate(b.inactive_actions or []):
        if act not in s.actions:
            problems.append((f"{where}.inactive_actions[{i}]", f"got {shown(act)}; not one of the schema's actions "
                                                               f"({', '.join(s.actions)})"))
    kind = b.type or PLAIN_BUILDING
    if kind in DYNAMICS_BUILDING_TYPES and b.dynamics is None:
        problems.append((f"{where}.dynamics", f"required key is missing: building type {kind} needs an LSTM "
                                              "dynamics model"))
    if kind not in DYNAMICS_BUILDING_TYPES and b.dynamics is not None:
        problems.append((f"{where}.dynamics", f"building type {kind} does not use a dynamics model; set type to "
                                              f"{DYNAMICS_BUILDING_TYPES[0]} or remove dynamics"))
    if b.occupant is not None and kind != OCCUPANT_BUILDING:
        problems.append((f"{where}.occupant", f"building type {kind} has no occupant model; set type to "
                                              f"{OCCUPANT_BUILDING} or remove occupant"))
    if b.dynamics is not None:
        a = b.dynamics.attributes
        sizes = {len(a.input_observation_names), len(a.input_normalization_minimum),
                 len(a.input_normalization_maximum)}
        if len(sizes) > 1:
            problems.append((f"{where}.dynamics.attributes", "input_observation_names, input_normalization_minimum "
                                                             "and input_normalization_maximum must have the same "
                                                             "length"))
    problems += _pv_problems(where, b)
    outage = b.power_outage.stochastic_power_outage_model if b.power_outage else None
    if outage is not None and outage.type == PLAIN_OUTAGE and outage.attributes is not None:
        extra = [k for k in ("saifi", "caidi", "start_time_steps") if getattr(outage.attributes, k) is not None]
        if extra:
            problems.append((f"{where}.power_outage.stochastic_power_outage_model.attributes.{extra[0]}",
                             f"{PLAIN_OUTAGE} takes only random_seed; use "
                             "citylearn.power_outage.ReliabilityMetricsPowerOutage for saifi, caidi, start_time_steps"))
    problems += _battery_action_problems(s, where, b)
    return problems


def _pv_problems(where: str, b: BuildingSchema) -> Problems:
    if b.pv is None:
        return []
    problems: Problems = []
    mode = b.pv.attributes.generation_mode if b.pv.attributes else None
    if pv_generation_mode(mode) is None:
        problems.append((f"{where}.pv.attributes.generation_mode",
                         f"got {shown(mode)}; allowed: per_kw, w_per_kw, profile (and CityLearn's absolute modes, "
                         "which twin does not read)"))
    elif pv_generation_mode(mode) == "absolute":
        problems.append((f"{where}.pv.attributes.generation_mode",
                         f"got {shown(mode)}; twin reads solar_generation as W per kW of PV only (per_kw); "
                         f"the absolute modes ({', '.join(PV_ABSOLUTE_MODES)}) are not supported"))
    if b.pv.autosize and (b.pv.autosize_attributes is None or b.pv.autosize_attributes.epw_filepath is None):
        problems.append((f"{where}.pv.autosize_attributes.epw_filepath",
                         "required when autosize is true: CityLearn sizes the PV from an EPW weather file"))
    return problems


def _battery_action_problems(s: SchemaFile, where: str, b: BuildingSchema) -> Problems:
    """CityLearn 3.0.2 refuses an active electrical_storage action for a building without a battery
    of positive capacity and power."""
    action = s.actions.get("electrical_storage")
    if action is None or not action.active or "electrical_storage" in (b.inactive_actions or []):
        return []
    battery = b.electrical_storage
    if battery is not None and battery.autosize:
        return []
    a = battery.attributes if battery is not None else None
    if a is not None and (a.capacity or 0) > 0 and (a.nominal_power or 0) > 0:
        return []
    return [(f"{where}.electrical_storage",
             "the electrical_storage action is active but this building has no battery with capacity and "
             "nominal_power above 0; declare one (or autosize it) or add 'electrical_storage' to its inactive_actions")]


def selected_buildings(s: SchemaFile, wanted: Sequence[str] | None) -> tuple[list[str], Problems]:
    """The names of the buildings to read, in schema order, and problems with ``wanted``.

    Without ``wanted``: every building whose ``include`` is true. With it: exactly those names
    (as CityLearn's ``buildings=`` does, a name picks its building even when ``include`` is false).
    """
    if wanted is None:
        names = [n for n, b in s.buildings.items() if b.include]
        if s.buildings and not names:
            return [], [("buildings", "every building has include: false; nothing to read")]
        return names, []
    if isinstance(wanted, str):
        wanted = [wanted]
    unknown = [w for w in wanted if w not in s.buildings]
    if unknown:
        available = ", ".join(list(s.buildings)[:20]) + (" …" if len(s.buildings) > 20 else "")
        return [], [("buildings", f"no building named {', '.join(shown(u) for u in unknown[:5])}; "
                                  f"the schema has: {available}")]
    if not wanted:
        return [], [("buildings", "the selection is empty; name at least one building")]
    chosen = set(wanted)
    return [n for n in s.buildings if n in chosen], []
