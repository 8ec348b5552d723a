"""The homes subsystem: state arrays, stochastic event sources and the bulk physics step."""
