from __future__ import annotations

import socket
import time
from collections.abc import Callable


class PortInUse(RuntimeError):
    """A port the operator chose is taken, most often by another `chidao dev`."""

    def __init__(self, port: int, what: str) -> None:
        super().__init__(
            f"cổng {port} ({what}) đang được dùng, có lẽ bởi một `chidao dev` khác đang chạy: "
            "dừng nó (Ctrl-C), hoặc chọn cổng khác (chidao dev --help)"
        )
        self.port = port


def refuse_taken(ports: dict[str, int | None]) -> None:
    """``PortInUse`` for the first of ``ports`` (what it is for: the port) already taken."""
    for what, port in ports.items():
        if port and port_open(port):
            raise PortInUse(port, what)


class ExitedBeforeListening(RuntimeError):
    """The child process ended before it opened its port (most often: the port was taken)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


def wait_for_port(
    port: int,
    timeout: float,
    what: str,
    host: str = "127.0.0.1",
    exited: Callable[[], bool] | None = None,
) -> None:
    """Wait until ``port`` accepts; ``exited`` says the process behind it has ended, so
    there is no use waiting out the timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open(port, host):
            return
        if exited is not None and exited():
            raise ExitedBeforeListening(f"{what} exited before it opened port {port}")
        time.sleep(0.05)
    raise TimeoutError(f"{what} did not open port {port} within {timeout:g}s")
