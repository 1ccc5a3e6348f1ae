"""The issuer's rules and state, without I/O: the directive record, who a directive
reaches, the report forms its requirements name, its events, and the cascade."""
