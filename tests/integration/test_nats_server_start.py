"""The embedded nats-server starts even when a port it picked is taken before it binds
(CI once lost a test to that), and says why when it cannot start at all."""

from __future__ import annotations

import socket

import pytest

from chidao.runtime.nats_server import NatsServer
from chidao.runtime.ports import ExitedBeforeListening, port_open


def _listen(port: int) -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen()
    return sock


def test_a_picked_monitor_port_taken_before_the_bind_is_picked_again(tmp_path):
    server = NatsServer(tmp_path / "js")
    taken = server.monitor_port
    with _listen(taken), server:
        assert server.monitor_port != taken
        assert port_open(server.port)


def test_a_picked_client_port_taken_before_the_start_is_picked_again(tmp_path):
    server = NatsServer(tmp_path / "js")
    taken = server.port
    with _listen(taken), server:
        assert server.port != taken
        assert port_open(server.port)


def test_a_port_given_by_the_operator_is_never_swapped_and_the_log_says_why(tmp_path):
    probe = NatsServer(tmp_path / "probe")
    server = NatsServer(tmp_path / "js", port=probe.port)
    refused = pytest.raises(ExitedBeforeListening, match=r"its log: .*address already in use")
    with _listen(server.monitor_port), refused:
        server.start(timeout=10)
    assert server.process is None
