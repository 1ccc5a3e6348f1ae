"""What two or more chidao services need: contracts, subjects, JetStream topology,
settings, the clock, the unit directory, telemetry and the service scaffolding."""
