"""The issuer's administration pages (/units, /accounts): what the pages show, how their
forms are checked, and the compare-and-set writes of the directory's contacts and of
the staff accounts (the issuer's NATS user is the one service allowed to write both)."""
