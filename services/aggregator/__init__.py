"""aggregator: rolls assignments and submissions up the unit tree and serves the synthesis."""
