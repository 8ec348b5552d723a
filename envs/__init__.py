"""Gymnasium and PettingZoo environments over the twin (imports run agents -> envs -> twin).

The environments arrive with their own issue; this package exists so the layering is in place.
"""
