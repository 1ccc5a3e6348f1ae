"""Where requests reach the issuer: its HTTP routes, and ``messages``, the one event it
consumes (its own timer opening a recurring requirement's next period)."""
