"""Generators: synthetic worlds drawn from a scenario and one seeded Generator."""
