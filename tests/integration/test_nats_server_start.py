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


@pytest.mark.parametrize("which", ["monitor_port", "port"])
def test_a_picked_port_taken_before_the_server_binds_is_picked_again(tmp_path, which):
    """The monitor port taken: the server exits on its bind; the client port taken: the
    start sees it first. Either way another pair is picked and the server listens."""
    server = NatsServer(tmp_path / "js")
    taken = getattr(server, which)
    with _listen(taken), server:
        assert getattr(server, which) != taken
        assert port_open(server.port)


def test_a_port_given_by_the_operator_is_never_swapped_and_the_log_says_why(tmp_path):
    probe = NatsServer(tmp_path / "probe")
    server = NatsServer(tmp_path / "js", port=probe.port)
    refused = pytest.raises(ExitedBeforeListening, match=r"its log: .*address already in use")
    with _listen(server.monitor_port), refused:
        server.start(timeout=10)
    assert server.process is None
