"""The issuer's I/O: its bucket of directive records, the events it publishes, the
original files it keeps and the worker processes that read uploads."""
