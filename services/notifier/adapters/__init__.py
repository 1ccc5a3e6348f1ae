"""The notifier's I/O: the SMTP pool, the ledger bucket, the originals' object store, the
timers on the TIMERS stream and the events it reads back from the streams."""
