"""The ``chidao`` command and the embedded runtime that composes the services:
a local nats-server, a mail sink, the four services as processes, the demo and benchmarks."""
