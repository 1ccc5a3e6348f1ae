"""Where requests reach the issuer: its HTTP routes (it consumes no events)."""
