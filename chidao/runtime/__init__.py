"""Local infrastructure for development, the demo, benchmarks and tests."""
