"""One module-level function per event the notifier consumes, each taking ``Deps`` first."""
