"""Meters and grid: smart-meter readings, feeders, transformers, prices and carbon."""
