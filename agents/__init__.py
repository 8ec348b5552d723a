"""Controllers, learners and forecasters that act through ``envs`` (imports run agents -> envs -> twin).

The built-in rule-based controllers of the world itself live in ``twin`` (thermostat,
self-consumption battery, immediate EV charging); learners arrive with their own issue.
"""
