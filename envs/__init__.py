"""Gymnasium and PettingZoo environments over the twin (imports run agents -> envs -> twin).

Importing ``envs`` registers the ``twin/`` ids with Gymnasium; ``gym.make("envs:twin/SmartHome-v0")``
imports it for you. PettingZoo versions: ``envs.neighborhood_v0.parallel_env()`` and
``envs.traffic_grid_v0.parallel_env()`` and ``envs.citylearn_v0.parallel_env(dataset=...)``. Spaces and rewards: ``docs/environments.md``.
"""

from gymnasium.envs.registration import register, registry

from envs import citylearn_v0, neighborhood_v0, traffic_grid_v0
from envs.actions import InvalidAction
from envs.config import EnvConfigError
from envs.episodes import InvalidSeed

_IDS = {
    "twin/SmartHome-v0": ("envs.smart_home:SmartHomeEnv", "envs.smart_home:SmartHomeVectorEnv"),
    "twin/Neighborhood-v0": ("envs.neighborhood:NeighborhoodEnv", "envs.neighborhood:NeighborhoodVectorEnv"),
    "twin/TrafficGrid-v0": ("envs.traffic_grid:TrafficGridEnv", "envs.traffic_grid:TrafficGridVectorEnv"),
}
for _id, (_entry, _vector) in _IDS.items():
    if _id not in registry:
        register(id=_id, entry_point=_entry, vector_entry_point=_vector)
if "twin/CityLearn-v0" not in registry:  # a dataset's episodes are its own: no vector version
    register(id="twin/CityLearn-v0", entry_point="envs.citylearn:CityLearnEnv")

__all__ = ["citylearn_v0", "neighborhood_v0", "traffic_grid_v0", "InvalidAction", "InvalidSeed", "EnvConfigError"]
