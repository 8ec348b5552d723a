"""The traffic subsystem: grid networks, demand, signals and the mesoscopic queue model."""
