"""Outdoor weather for the simulator: synthetic generator, EPW files, solar geometry.

All times are local standard time of the site (no daylight saving). A ``WeatherSeries`` holds
temperature [deg C] and global horizontal irradiance [W/m2] on a regular grid from the scenario
start; build one with ``synthetic_weather`` or ``epw_weather(read_epw(path), ...)``.
"""

from .epw import EpwError, EpwFile, epw_weather, read_epw
from .solar import (
    clear_sky_ghi_w_m2,
    cloud_attenuation,
    cloudy_ghi_w_m2,
    cos_zenith,
    declination_rad,
    equation_of_time_min,
    solar_noon_h,
)
from .synthetic import WeatherSeries, deterministic_temp_c, synthetic_weather

__all__ = [
    "EpwError",
    "EpwFile",
    "WeatherSeries",
    "clear_sky_ghi_w_m2",
    "cloud_attenuation",
    "cloudy_ghi_w_m2",
    "cos_zenith",
    "declination_rad",
    "deterministic_temp_c",
    "epw_weather",
    "equation_of_time_min",
    "read_epw",
    "solar_noon_h",
    "synthetic_weather",
]
