"""The scenario schema: what a YAML scenario may say, with units, defaults and allowed values.

Every model refuses unknown keys (``extra="forbid"``) so a mistyped key fails loudly instead of
being ignored. Durations take units (``7d``, ``15min``, ``60s``); see :mod:`twin.units`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from twin.generators.archetypes import ARCHETYPE_NAMES
from twin.scenario.base import ClockTime, FieldProblem, Fraction, Model, clock_seconds, duration_between
from twin.scenario.traffic_schema import Traffic
from twin.units import format_duration

MAX_HOMES = 500_000
MAX_HORIZON_S = 5 * 366 * 86400
MAX_PRICE_EUR_PER_KWH = 100.0   # wholesale spikes reach a few EUR/kWh; 100 is far past any market
MAX_SEED = 2**63 - 1
RECORD_GROUPS = ("meters", "grid", "zones", "devices", "weather", "prices")


class Location(Model):
    """Where the world is; sets the sun's path and the seasons."""

    latitude_deg: float = Field(52.0, ge=-90, le=90, description="degrees north")
    longitude_deg: float = Field(5.0, ge=-180, le=180, description="degrees east")


class Weather(Model):
    """Outdoor temperature and irradiance: synthetic, or read from an EnergyPlus EPW file."""

    source: Literal["synthetic", "epw"] = "synthetic"
    epw_path: str | None = Field(None, description="EPW file, relative to the scenario file")
    mean_temp_c: float = Field(10.0, ge=-40, le=40, description="annual mean outdoor temperature, C")
    seasonal_amplitude_k: float = Field(8.0, ge=0, le=30, description="half the summer-winter swing, K")
    daily_amplitude_k: float = Field(4.0, ge=0, le=20, description="half the day-night swing, K")
    noise_k: float = Field(1.5, ge=0, le=10, description="std of the weather noise, K")
    noise_hours: float = Field(12.0, gt=0, le=720, description="correlation time of the weather noise, h")
    cloudiness: Fraction = Field(0.5, description="mean cloud cover, 0 clear to 1 overcast")

    @model_validator(mode="after")
    def _epw_needs_path(self) -> "Weather":
        if self.source == "epw" and not self.epw_path:
            raise FieldProblem("epw_path", "source 'epw' needs epw_path: the EPW file to read")
        if self.source != "epw" and self.epw_path:
            raise FieldProblem("epw_path", f"got {self.epw_path!r}, but source is {self.source!r}; "
                                           "set source: epw to read it, or drop epw_path")
        return self


class TouPeriod(Model):
    """A time-of-use period: from ``start`` (HH:MM) until the next period's start."""

    start: ClockTime
    price_eur_per_kwh: float = Field(ge=0, le=MAX_PRICE_EUR_PER_KWH, description="import price, EUR/kWh")

    @property
    def start_s(self) -> int:
        """Seconds after midnight at which the period starts."""
        return clock_seconds(self.start)


class Tariff(Model):
    """Import price (flat, time-of-use or synthetic real-time) and the export (feed-in) price."""

    kind: Literal["flat", "time_of_use", "real_time"] = "time_of_use"
    price_eur_per_kwh: float = Field(0.30, ge=0, le=MAX_PRICE_EUR_PER_KWH,
                                     description="flat price; mean of the real-time price, EUR/kWh")
    periods: tuple[TouPeriod, ...] = Field((
        TouPeriod(start="07:00", price_eur_per_kwh=0.28),
        TouPeriod(start="17:00", price_eur_per_kwh=0.42),
        TouPeriod(start="21:00", price_eur_per_kwh=0.28),
        TouPeriod(start="23:00", price_eur_per_kwh=0.18),
    ), max_length=1440, description="time-of-use periods of the day, at most one per minute")
    daily_swing: float = Field(0.35, ge=0, le=2, description="real-time: depth of the daily price shape, relative")
    volatility: float = Field(0.10, ge=0, le=2, description="real-time: std of hourly noise, relative")
    feed_in_eur_per_kwh: float = Field(0.08, ge=0, le=MAX_PRICE_EUR_PER_KWH,
                                       description="paid for exported energy, EUR/kWh")

    @model_validator(mode="after")
    def _real_time_needs_a_mean(self) -> "Tariff":
        if self.kind == "real_time" and self.price_eur_per_kwh <= 0:
            raise FieldProblem("price_eur_per_kwh", f"got {self.price_eur_per_kwh}; the real-time price "
                                                    "needs a mean above 0 EUR/kWh")
        return self

    @field_validator("periods")
    @classmethod
    def _sorted_unique(cls, periods: tuple[TouPeriod, ...]) -> tuple[TouPeriod, ...]:
        starts = [p.start_s for p in periods]
        if not periods:
            raise ValueError("needs at least one period")
        if starts != sorted(set(starts)):
            raise ValueError("period starts must be distinct and in increasing order of time of day")
        return periods


class Carbon(Model):
    """Grid carbon intensity profile (gCO2 per kWh imported)."""

    mean_g_per_kwh: float = Field(300.0, ge=0, le=2000, description="mean intensity, gCO2/kWh (coal: ~1000)")
    solar_dip: float = Field(0.25, ge=0, le=1, description="relative dip at midday")
    evening_peak: float = Field(0.20, ge=0, le=2, description="relative rise in the evening")
    noise: float = Field(0.05, ge=0, le=1, description="std of hourly noise, relative")


class Penetration(Model):
    """Share of homes (0 to 1) that have each device."""

    heat_pump: Fraction = Field(1.0, description="share of homes heated by a heat pump (the rest: gas), 0..1")
    pv: Fraction = Field(0.5, description="share of homes with rooftop PV, 0..1")
    battery: Fraction = Field(0.2, description="share of homes with a home battery, 0..1")
    ev: Fraction = Field(0.3, description="share of homes with an EV and a charger, 0..1")
    appliances: Fraction = Field(1.0, description="share of homes with washer, dishwasher and dryer, 0..1")
    hot_water: Fraction = Field(0.0, description="share of homes with an electric hot-water tank (see homes.hot_water; "
                                                 "the rest heat their water off the meter), 0..1")


class Comfort(Model):
    """The indoor temperature band occupants accept while at home (C)."""

    low_c: float = Field(20.0, ge=5, le=30, description="lowest accepted indoor temperature, C")
    high_c: float = Field(24.0, ge=5, le=35, description="highest accepted indoor temperature, C")

    @model_validator(mode="after")
    def _ordered(self) -> "Comfort":
        if self.low_c >= self.high_c:
            raise FieldProblem("low_c", f"got {self.low_c}; must be below high_c ({self.high_c})")
        return self


class Thermostat(Model):
    """The built-in heating controller: on below setpoint - deadband/2, off above setpoint + deadband/2."""

    setpoint_c: float = Field(21.0, ge=5, le=30, description="indoor setpoint, C")
    deadband_k: float = Field(1.0, gt=0, le=5, description="width of the on/off band around the setpoint, K")
    setback_c: float | None = Field(None, ge=5, le=30, description="setpoint while nobody is up at home, C")
    cooling_setpoint_c: float | None = Field(
        None, ge=15, le=35, description="heat pumps cool (reversed) above this, with the same deadband, C; "
                                        "none: heat pumps only heat")

    @model_validator(mode="after")
    def _setback_below_setpoint(self) -> "Thermostat":
        if self.setback_c is not None and self.setback_c > self.setpoint_c:
            raise FieldProblem("setback_c", f"got {self.setback_c}; must not be above setpoint_c ({self.setpoint_c})")
        if self.cooling_setpoint_c is not None and self.cooling_setpoint_c < self.setpoint_c + self.deadband_k:
            raise FieldProblem("cooling_setpoint_c", (
                f"got {self.cooling_setpoint_c}; must be at least setpoint_c + deadband_k "
                f"({self.setpoint_c + self.deadband_k}) so heating and cooling never run together"))
        return self


class HotWater(Model):
    """The hot-water tanks of the homes that have one (``penetration.hot_water``).

    A tank of ``base_l + per_person_l x persons`` litres, heated by an electric element or a heat
    pump (air-source, COP as the space heat pump's at a sink of the tank's setpoint), losing heat
    to the indoor air. While someone is awake at home the home draws at ``persons x
    draw_l_per_person_day / AWAKE_AT_HOME_H`` litres per hour (10 h: a day with ten such hours
    draws the day's volume) at ``use_c``, mixed from tank and mains water.
    """

    heater: Literal["electric", "heat_pump"] = Field("electric", description="what heats the tank")
    heater_kw: float = Field(3.0, gt=0, le=20, description="heater's electric power, kW")
    setpoint_c: float = Field(55.0, ge=40, le=75, description="tank setpoint of the built-in thermostat, C")
    deadband_k: float = Field(5.0, gt=0, le=20, description="width of the on/off band around the setpoint, K")
    max_c: float = Field(65.0, ge=40, le=90, description="the heater cuts out above this, whatever its command, C")
    use_c: float = Field(40.0, ge=25, le=60, description="temperature water is used at (the tap's mix), C")
    cold_c: float = Field(10.0, ge=0, le=25, description="mains water temperature, C")
    draw_l_per_person_day: float = Field(45.0, ge=0, le=500, description="hot water used per person per day at use_c, L")
    base_l: float = Field(100.0, ge=20, le=1000, description="tank volume of a home, before per_person_l, L")
    per_person_l: float = Field(50.0, ge=0, le=500, description="tank volume added per person, L")
    loss_w_k: float = Field(1.8, ge=0, le=20, description="tank heat loss to the indoor air per kelvin, W/K")

    @model_validator(mode="after")
    def _ordered(self) -> "HotWater":
        if not self.cold_c < self.use_c <= self.setpoint_c - self.deadband_k / 2:
            raise FieldProblem("use_c", (
                f"got {self.use_c}; must lie above cold_c ({self.cold_c}) and at most the bottom of the "
                f"thermostat's band, setpoint_c - deadband_k/2 ({self.setpoint_c - self.deadband_k / 2})"))
        if self.max_c < self.setpoint_c + self.deadband_k / 2:
            raise FieldProblem("max_c", f"got {self.max_c}; must be at least setpoint_c + deadband_k/2 "
                                        f"({self.setpoint_c + self.deadband_k / 2})")
        return self


class Homes(Model):
    """The homes: twin's synthetic RC homes (how many, which kinds, which devices), and with
    ``source: citylearn`` also every building of a CityLearn dataset, demand-driven."""

    source: Literal["synthetic", "citylearn"] = Field(
        "synthetic", description="synthetic: only twin's generated homes; citylearn: also every building of "
                                 "the CityLearn dataset `dataset` (count then defaults to 0 synthetic homes)")
    dataset: str | None = Field(None, description="with source citylearn: the dataset's schema.json (or its "
                                                  "folder), relative to the scenario file")
    buildings: tuple[str, ...] | None = Field(None, description="with source citylearn: the buildings to take "
                                                                "(default: every one the schema includes)")
    citylearn_control: Literal["none", "basic_rbc"] = Field(
        "none", description="what drives the CityLearn buildings' batteries: none (idle) or CityLearn's BasicRBC")
    count: int = Field(1, ge=0, le=MAX_HOMES,
                       description=f"synthetic homes in the world, at most {MAX_HOMES:,}; each takes about 16 kB")
    archetypes: dict[Literal[ARCHETYPE_NAMES], Annotated[float, Field(ge=0, le=1e6)]] = Field(
        default_factory=lambda: {"detached": 1.0},
        description="relative weight of each archetype in the mix, 0 to 1e6; normalised to shares")
    penetration: Penetration = Penetration()
    comfort: Comfort = Comfort()
    thermostat: Thermostat = Thermostat()
    hot_water: HotWater = HotWater()

    @model_validator(mode="before")
    @classmethod
    def _no_synthetic_homes_by_default_beside_a_dataset(cls, raw: object) -> object:
        if isinstance(raw, dict) and raw.get("source") == "citylearn" and "count" not in raw:
            return {**raw, "count": 0}
        return raw

    @model_validator(mode="after")
    def _dataset_with_its_source(self) -> "Homes":
        if self.source == "citylearn" and not self.dataset:
            raise FieldProblem("dataset", "source citylearn needs dataset: the CityLearn schema.json to read")
        if self.source != "citylearn":
            for name in ("dataset", "buildings"):
                if getattr(self, name) is not None:
                    raise FieldProblem(name, f"is for source citylearn, but source is {self.source!r}")
        return self

    @field_validator("archetypes")
    @classmethod
    def _some_weight(cls, mix: dict[str, float]) -> dict[str, float]:
        if not mix or sum(mix.values()) <= 0:
            raise ValueError(f"needs a positive weight for at least one of {', '.join(ARCHETYPE_NAMES)}")
        return mix


class Grid(Model):
    """Feeders, their transformers, and the smart meters' reading interval."""

    feeders: int = Field(1, ge=1, le=10_000, description="feeders, each with its own transformer")
    transformer_rating_kva: float | None = Field(
        250.0, gt=0, le=1e6, description="per feeder, kVA at unity power factor; null models no transformer "
                                         "(nothing limits the feeders: no overload KPI, reward or rating line)")
    meter_interval: duration_between(1, 3600) = Field(900, description="smart-meter reading interval; must divide 1h")

    @field_validator("meter_interval")
    @classmethod
    def _divides_hour(cls, value: int) -> int:
        if value <= 0 or 3600 % value:
            raise ValueError("must divide one hour exactly: 1min, 5min, 10min, 15min, 20min, 30min or 1h")
        return value


class Controllers(Model):
    """Which controller drives each subsystem; ``external`` leaves the commands to an agent."""

    heating: Literal["thermostat", "external"] = "thermostat"
    hot_water: Literal["thermostat", "external"] = Field(
        "thermostat", description="what heats the hot-water tanks: their thermostat, or an agent's command")
    battery: Literal["self_consumption", "time_of_use", "idle", "external"] = Field(
        "self_consumption", description="self_consumption: absorb PV surplus and cover net load; time_of_use: "
                                        "charge at full power in the tariff's cheap third, discharge in its expensive "
                                        "third; idle; external: an agent's command")
    ev: Literal["immediate", "cheap_hours", "external"] = Field(
        "immediate", description="immediate: full power from arrival; cheap_hours: only in the tariff's cheap third "
                                 "(an EV leaving before them leaves short); external: an agent's command")


class Outputs(Model):
    """What a run writes besides ``kpis.json`` and ``graph.json``."""

    record: tuple[Literal["meters", "grid", "zones", "devices", "weather", "prices"], ...] = RECORD_GROUPS
    csv: bool = Field(False, description="also write telemetry.csv")
    plots: bool = True
    baseline: bool = Field(False, description="also simulate the world with no control (thermostat heating, idle "
                                              "batteries, EVs charging on arrival) and report the CityLearn KPIs "
                                              "relative to it, as <kpi>_vs_baseline (1.0: no better)")


class Scenario(Model):
    """A whole world and how to run it."""

    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=10_000)
    seed: int = Field(0, ge=0, le=MAX_SEED, description="seed of every random draw, a 63-bit whole number")
    start: dt.datetime = dt.datetime(2025, 1, 13)
    duration: duration_between(1, MAX_HORIZON_S) = Field(86400, description="simulated horizon, 1s to 5 years")
    resolution: duration_between(1, 3600) = Field(60, description="physics time step, 1s to 1h")
    location: Location = Location()
    weather: Weather = Weather()
    tariff: Tariff = Tariff()
    carbon: Carbon = Carbon()
    homes: Homes = Homes()
    grid: Grid = Grid()
    controllers: Controllers = Controllers()
    outputs: Outputs = Outputs()
    traffic: Traffic | None = Field(None, description="streets, demand and signals; omit for no traffic")

    @field_validator("start")
    @classmethod
    def _local_and_plausible(cls, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is not None:
            raise ValueError("must be a local time without a time zone, e.g. 2025-01-13 00:00 "
                             "(twin runs in local standard time)")
        if not 1900 <= value.year <= 2200:
            raise ValueError("must be a date between the years 1900 and 2200")
        return value

    @model_validator(mode="after")
    def _steps_fit(self) -> "Scenario":
        interval = self.grid.meter_interval
        if self.duration % self.resolution:
            raise FieldProblem(
                "duration",
                f"got {format_duration(self.duration)}; must be a whole number of resolution steps "
                f"({format_duration(self.resolution)})")
        second_of_day = self.start.hour * 3600 + self.start.minute * 60 + self.start.second
        if second_of_day % interval or self.start.microsecond:
            raise FieldProblem(
                "start",
                f"got {self.start:%Y-%m-%d %H:%M:%S}; must fall on a meter reading boundary "
                f"(a multiple of {format_duration(interval)} after midnight) so each reading has one price")
        if interval % self.resolution:
            raise FieldProblem(
                "resolution",
                f"got {format_duration(self.resolution)}; must divide grid.meter_interval "
                f"{format_duration(interval)} so every reading covers whole physics steps"
            )
        if self.tariff.kind == "time_of_use":
            for period in self.tariff.periods:
                if period.start_s % interval:
                    raise FieldProblem(
                        "tariff.periods",
                        f"got a period starting {period.start}, between meter readings "
                        f"(every {format_duration(interval)}); periods must start on a reading so prices hold "
                        "over whole readings",
                    )
        return self
