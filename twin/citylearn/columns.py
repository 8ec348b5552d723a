"""The CSV columns of a CityLearn dataset: CityLearn's column name -> twin's field name, unit, and rules.

One :class:`Column` per column CityLearn 3.0.2's data classes (``citylearn.data.EnergySimulation``,
``Weather``, ``Pricing``, ``CarbonIntensity``, ``LogisticRegressionOccupantParameters``) take. A file
with a column not listed here would make CityLearn fail (its data classes take the columns as
keyword arguments), so the reader refuses it too.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    """One CSV column: ``csv`` as CityLearn names it, ``field`` as twin names it (unit last).

    ``required``: the file must have it. ``may_be_empty``: empty cells are read as NaN (the 2022
    challenge leaves the indoor columns empty); otherwise every cell of the simulated rows must be a
    finite number. ``integer``: values must be whole numbers. ``low``/``high``: inclusive bounds.
    ``absent``: what CityLearn uses when an optional column is missing (for the docs).
    """

    csv: str
    field: str
    unit: str
    meaning: str
    required: bool = True
    may_be_empty: bool = False
    integer: bool = False
    low: float | None = None
    high: float | None = None
    absent: str = ""

    def allowed(self) -> str:
        """The values this column allows, in words (for error messages)."""
        kind = "a whole number" if self.integer else "a number"
        if self.low is not None and self.high is not None:
            return f"{kind} from {self.low:g} to {self.high:g}"
        if self.low is not None:
            return f"{kind} >= {self.low:g}"
        return kind


def _temp(csv: str, meaning: str, **kw) -> Column:
    return Column(csv, f"{csv}_c", "°C", meaning, **kw)


ENERGY_SIMULATION: tuple[Column, ...] = (
    Column("month", "month", "1-12", "calendar month", integer=True, low=1, high=12),
    Column("hour", "hour", "0-24", "hour of day (CityLearn's files count 1 to 24)", integer=True, low=0, high=24),
    Column("minutes", "minutes", "0-59", "minute of the hour (sub-hourly datasets)", required=False,
           integer=True, low=0, high=59, absent="unused"),
    Column("seconds", "seconds", "0-59", "second of the minute (sub-minute datasets)", required=False,
           integer=True, low=0, high=59, absent="unused"),
    Column("day_type", "day_type", "1-8", "day of week, 1 = Monday … 7 = Sunday, 8 = holiday",
           integer=True, low=1, high=8),
    Column("daylight_savings_status", "daylight_savings_status", "0/1", "1 while daylight saving time is on",
           required=False, integer=True, low=0, high=1, absent="0"),
    _temp("indoor_dry_bulb_temperature", "indoor air temperature", may_be_empty=True),
    _temp("average_unmet_cooling_setpoint_difference", "indoor temperature minus cooling set point",
          required=False, may_be_empty=True, absent="0"),
    Column("indoor_relative_humidity", "indoor_relative_humidity_pct", "%", "indoor relative humidity",
           required=False, may_be_empty=True, absent="0"),
    Column("non_shiftable_load", "non_shiftable_load_kwh", "kWh per time step", "plug and equipment load",
           low=0),
    Column("dhw_demand", "dhw_demand_kwh", "kWh per time step", "domestic hot water heat demand", low=0),
    Column("cooling_demand", "cooling_demand_kwh", "kWh per time step", "space cooling demand (heat removed)",
           low=0),
    Column("heating_demand", "heating_demand_kwh", "kWh per time step", "space heating demand", low=0),
    Column("solar_generation", "solar_generation_w_per_kw", "W per kW of PV",
           "inverter AC output per kW of installed PV"),
    Column("occupant_count", "occupant_count", "people", "occupants present", required=False, low=0,
           absent="0"),
    _temp("indoor_dry_bulb_temperature_cooling_set_point", "cooling set point", required=False, absent="0"),
    _temp("indoor_dry_bulb_temperature_heating_set_point", "heating set point", required=False, absent="0"),
    Column("hvac_mode", "hvac_mode", "0-3", "0 off, 1 cooling, 2 heating, 3 automatic", required=False,
           integer=True, low=0, high=3, absent="1"),
    Column("power_outage", "power_outage", "0/1", "1 while the grid is down", required=False, integer=True,
           low=0, high=1, absent="0"),
    Column("comfort_band", "comfort_band_c", "°C", "comfort band around the set points", required=False,
           low=0, absent="2"),
)


def _weather() -> tuple[Column, ...]:
    base = (
        ("outdoor_dry_bulb_temperature", "_c", "°C", "outdoor air temperature"),
        ("outdoor_relative_humidity", "_pct", "%", "outdoor relative humidity"),
        ("diffuse_solar_irradiance", "_w_per_m2", "W/m²", "diffuse solar irradiance"),
        ("direct_solar_irradiance", "_w_per_m2", "W/m²", "direct solar irradiance"),
    )
    # CityLearn's files list the four observed columns first, then the forecasts of each.
    columns = [Column(name, name + suffix, unit, meaning) for name, suffix, unit, meaning in base]
    for name, suffix, unit, meaning in base:
        for k in (1, 2, 3):
            columns.append(Column(f"{name}_predicted_{k}", f"{name}_predicted_{k}{suffix}", unit,
                                  f"forecast {k} of the {meaning} (typically 6, 12, 24 h ahead)"))
    return tuple(columns)


WEATHER: tuple[Column, ...] = _weather()

PRICING: tuple[Column, ...] = (
    Column("electricity_pricing", "electricity_pricing_per_kwh", "currency/kWh", "electricity price"),
    *(Column(f"electricity_pricing_predicted_{k}", f"electricity_pricing_predicted_{k}_per_kwh", "currency/kWh",
             f"forecast {k} of the electricity price") for k in (1, 2, 3)),
)

CARBON_INTENSITY: tuple[Column, ...] = (
    Column("carbon_intensity", "carbon_intensity_kg_per_kwh", "kg CO2/kWh", "grid emission rate"),
)

OCCUPANT_PARAMETERS: tuple[Column, ...] = tuple(
    Column(name, name, "1", f"logistic-regression {name[0]} coefficient of set point {name[2:]}")
    for name in ("a_increase", "b_increase", "a_decrease", "b_decrease")
)

#: The column tables by the schema key that names their file.
TABLES: dict[str, tuple[Column, ...]] = {
    "energy_simulation": ENERGY_SIMULATION,
    "weather": WEATHER,
    "pricing": PRICING,
    "carbon_intensity": CARBON_INTENSITY,
    "occupant.parameters_filename": OCCUPANT_PARAMETERS,
}


def rst_table(columns: tuple[Column, ...]) -> str:
    """``columns`` as a reStructuredText table (CSV column, field, unit, notes), as the docs show it."""
    rows = [(c.csv, c.field, c.unit, _notes(c)) for c in columns]
    header = ("CSV column", "field", "unit", "notes")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    rule = "  ".join("=" * w for w in widths)

    def line(r: tuple[str, ...]) -> str:
        return "  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip()

    return "\n".join([rule, line(header), rule, *map(line, rows), rule])


def _notes(c: Column) -> str:
    notes = ["required" if c.required else f"absent={c.absent}"]
    if c.may_be_empty:
        notes.append("empty=NaN")
    if c.low is not None and c.high is None and not c.integer:
        notes.append(f">= {c.low:g}")
    return "; ".join(notes)
