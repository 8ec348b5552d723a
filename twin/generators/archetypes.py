"""Home archetypes: the published ranges each synthetic home's parameters are drawn from.

Thermal ranges follow the design brief for a single-family house (C_air ~ 7 MJ/K, C_mass ~ 60 MJ/K,
UA 100-250 W/K) and scale down for terraced houses and flats in line with European building
typologies (TABULA/EPISCOPE): less exposed envelope, less mass. Device sizes are typical of
residential installations: rooftop PV 1-8 kWp, home batteries 3-13.5 kWh at 2.5-5 kW, EV chargers
3.7-11 kW, EV consumption 0.15-0.20 kWh/km. Heat pumps are sized to deliver 1.2x the design heat
loss at -10 C outdoors. Every range is (low, high) and drawn uniformly.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Archetype:
    """Parameter ranges for one kind of home (units in the field names)."""

    name: str
    ua_w_k: tuple[float, float]
    c_air_mj_k: tuple[float, float]
    c_mass_mj_k: tuple[float, float]
    solar_aperture_m2: tuple[float, float]   # effective window area letting sun heat the mass
    persons: tuple[int, int]
    standby_kw: tuple[float, float]          # fridge, routers, standby: always on
    active_kw: tuple[float, float]           # lighting, cooking, screens while people are up
    pv_kwp: tuple[float, float]
    battery_kwh: tuple[float, float]
    battery_kw: tuple[float, float]
    ev_charger_kw: float
    ev_capacity_kwh: tuple[float, float]
    heat_sink_c: float                       # heat-pump flow temperature: floor heating ~35, radiators ~45
    worker_share: float                      # share of households out at work on weekdays


ARCHETYPES: dict[str, Archetype] = {
    "detached": Archetype(
        name="detached", ua_w_k=(150, 250), c_air_mj_k=(6, 9), c_mass_mj_k=(50, 80),
        solar_aperture_m2=(4, 8), persons=(2, 5), standby_kw=(0.10, 0.20), active_kw=(0.4, 0.9),
        pv_kwp=(4, 8), battery_kwh=(8, 13.5), battery_kw=(4, 5), ev_charger_kw=11.0,
        ev_capacity_kwh=(50, 80), heat_sink_c=35.0, worker_share=0.7,
    ),
    "terraced": Archetype(
        name="terraced", ua_w_k=(100, 170), c_air_mj_k=(4, 6), c_mass_mj_k=(30, 50),
        solar_aperture_m2=(3, 5), persons=(1, 4), standby_kw=(0.08, 0.15), active_kw=(0.3, 0.7),
        pv_kwp=(2.5, 5), battery_kwh=(5, 10), battery_kw=(3, 3.7), ev_charger_kw=7.4,
        ev_capacity_kwh=(40, 65), heat_sink_c=40.0, worker_share=0.65,
    ),
    "apartment": Archetype(
        name="apartment", ua_w_k=(50, 100), c_air_mj_k=(2, 3.5), c_mass_mj_k=(15, 30),
        solar_aperture_m2=(2, 3.5), persons=(1, 3), standby_kw=(0.06, 0.12), active_kw=(0.2, 0.5),
        pv_kwp=(1, 2.5), battery_kwh=(3, 5), battery_kw=(2.5, 2.5), ev_charger_kw=3.7,
        ev_capacity_kwh=(40, 60), heat_sink_c=45.0, worker_share=0.6,
    ),
}
ARCHETYPE_NAMES = tuple(ARCHETYPES)

# Envelope split of UA (see twin.physics.thermal): a share goes straight from the air to outside
# (windows, ventilation), the rest through the mass; the air-mass coupling is much stronger than
# either (ISO 13790 gives ~9 W/m2K over a mass area of ~2.5x floor area).
AIR_PATH_SHARE = 0.35
AIR_MASS_COUPLING_PER_UA = 15.0
DESIGN_OUTDOOR_C = -10.0
HEAT_PUMP_OVERSIZE = 1.2
BATTERY_SOC_BOUNDS = (0.10, 0.95)
BATTERY_ROUND_TRIP = (0.88, 0.94)
EV_CHARGER_EFFICIENCY = 0.92
EV_KWH_PER_KM = (0.15, 0.20)
