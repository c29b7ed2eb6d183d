"""Engine internals: CP-SAT model building, local search, large-neighbourhood search."""
