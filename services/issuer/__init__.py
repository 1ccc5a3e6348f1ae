"""issuer: accepts directives, stores them, fans out one assignment per (unit, requirement)."""
