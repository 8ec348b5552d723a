"""Physics: pure, vectorized equations. No SimPy, no graph: arrays in, arrays out."""
