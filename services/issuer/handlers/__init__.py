"""The issuer's use cases, one module-level function each, taking ``Deps`` first."""
