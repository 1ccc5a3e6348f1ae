"""The embedded runtime: a nats-server, a mail sink and the services as separate processes.

``chidao dev``, ``chidao demo``, the benchmarks and the end-to-end tests all run on it."""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from chidao.runtime.mailsink import MailSink
from chidao.runtime.nats_server import NatsServer
from chidao.runtime.ports import free_port, refuse_taken
from chidao.runtime.processes import ChildProcess
from shared.settings import Settings

SERVICES = ("issuer", "notifier", "reporter", "aggregator")
# The staff site's one address (chidao.runtime.front): the services' pages behind one port.
FRONT = "front"


@dataclass
class ServiceProcess(ChildProcess):
    name: str
    port: int
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    args: tuple[str, ...] = ()  # the front's: --backend SERVICE=URL for each service

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def command(self) -> list[str]:
        if self.name == FRONT:
            return [sys.executable, "-m", "chidao", "front", f"--port={self.port}", *self.args]
        return [sys.executable, "-m", "chidao", "serve", self.name]

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.command,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with code {self.process.returncode}; last lines of "
                    f"{self.log_path}:\n{self.log_tail()}"
                )
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"{self.name} was not ready within {timeout:g}s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


@dataclass
class Stack:
    var_dir: Path
    clock: str = "real"
    clock_anchor: float | None = None
    services: tuple[str, ...] = SERVICES
    nats_port: int | None = None
    smtp_port: int | None = None
    http_ports: dict[str, int] = field(default_factory=dict)
    front: bool = True  # start the staff site's front (its port: http_ports["front"])
    extra_env: dict[str, str] = field(default_factory=dict)
    # NATS run elsewhere (a cluster): no nats-server is started, and each service may
    # connect with its own URL (its own user)
    nats_url: str | None = None
    service_env: dict[str, dict[str, str]] = field(default_factory=dict)
    nats: NatsServer | None = None
    mail: MailSink | None = None
    procs: dict[str, ServiceProcess] = field(default_factory=dict)
    # The operators' token the services accept (the admin command line's, the demo's
    # and the tests'): CHIDAO_OPERATOR_TOKEN if set, else a new one for this stack.
    operator_token: str = field(
        default_factory=lambda: os.environ.get("CHIDAO_OPERATOR_TOKEN") or secrets.token_urlsafe(32)
    )

    @property
    def operator_headers(self) -> dict[str, str]:
        token = self.extra_env.get("CHIDAO_OPERATOR_TOKEN", self.operator_token)
        return {"Authorization": f"Bearer {token}"}

    def env(self) -> dict[str, str]:
        assert (self.nats is not None or self.nats_url) and self.mail is not None
        env = {k: v for k, v in os.environ.items() if not k.startswith("CHIDAO_")}
        env.update(
            CHIDAO_NATS_URL=self.nats_url or self.nats.url,  # type: ignore[union-attr]
            CHIDAO_SMTP_HOST="127.0.0.1",
            CHIDAO_SMTP_PORT=str(self.mail.port),
            CHIDAO_CLOCK=self.clock,
            CHIDAO_VAR_DIR=str(self.var_dir),
            CHIDAO_OPERATOR_TOKEN=self.operator_token,
        )
        if "reporter" in self.http_ports:
            # the signed links in the mails open the reporter's pages
            env["CHIDAO_PUBLIC_URL"] = f"http://127.0.0.1:{self.http_ports['reporter']}"
        if self.front:  # where the staff's mails and pages link to: the staff site
            env["CHIDAO_CONSOLE_URL"] = (
                f"http://127.0.0.1:{self.http_ports.setdefault(FRONT, free_port())}"
            )
        if self.clock_anchor is not None:
            env["CHIDAO_CLOCK_ANCHOR"] = repr(self.clock_anchor)
        env.update(self.extra_env)
        return env

    @property
    def admin_nats_url(self) -> str:
        """Where tools (loading the directory) connect: the external NATS or our own."""
        assert self.nats_url or self.nats is not None, "start the infrastructure first"
        return self.nats_url or self.nats.url  # type: ignore[union-attr]

    @property
    def js_replicas(self) -> int:
        return int(self.extra_env.get("CHIDAO_JS_REPLICAS", "1"))

    def start_infrastructure(self) -> None:
        """Start nats-server and the mail sink (once; later calls do nothing)."""
        if self.mail is not None:
            return
        # the ports asked for, checked before anything starts: one clear line, not a
        # half-started stack
        refuse_taken({
            "NATS": self.nats_port if self.nats_url is None else None, "SMTP": self.smtp_port,
            **{f"HTTP {name}": port for name, port in self.http_ports.items()},
        })  # fmt: skip
        self.var_dir.mkdir(parents=True, exist_ok=True)
        if self.nats_url is None:
            self.nats = NatsServer(
                self.var_dir / "jetstream",
                self.nats_port,
                self.var_dir / "logs" / "nats-server.log",
            ).start()
        self.mail = MailSink(self.var_dir / "mail", self.smtp_port).start()
        self.declare_topology()

    def declare_topology(self) -> None:
        """What the admin declares in production (shared.topology.OWNERS: dead letters,
        timers, the directory and forms buckets), declared here the same way; each
        service creates its own streams and buckets, as it does in production, and what
        the services this stack does not run own is declared here too, so that the ones
        it runs have nothing to wait for."""
        from chidao.runtime.admin import declare_topology
        from shared.topology import ADMIN, OWNERS

        absent = {owner for owner in OWNERS.values() if owner != ADMIN} - set(self.services)
        settings = Settings(
            nats_url=self.admin_nats_url,
            js_replicas=self.js_replicas,
            js_duplicate_window=float(self.extra_env.get("CHIDAO_JS_DUPLICATE_WINDOW", 600.0)),
            nats_ca_file=self.extra_env.get("CHIDAO_NATS_CA_FILE"),
        )
        # in a thread: a caller may be running an event loop (an async test)
        with ThreadPoolExecutor(1) as thread:
            declaring = declare_topology(self.admin_nats_url, settings, {ADMIN, *absent})
            thread.submit(asyncio.run, declaring).result()

    def start(self, ready_timeout: float = 60.0) -> Stack:
        if self.clock != "real" and self.clock_anchor is None:
            self.clock_anchor = time.time()  # every service shares one simulated clock
        self.start_infrastructure()
        for name in self.services:  # known before any starts: the mails link to the reporter
            self.http_ports.setdefault(name, free_port())
        for name in self.services:
            self.start_service(name, wait=False)
        for name in self.services:
            self.procs[name].wait_ready(ready_timeout)
        if self.front:
            self.start_front(ready_timeout)
        return self

    def start_front(self, ready_timeout: float = 60.0) -> None:
        """The staff site: every page of every service at one address (console_url)."""
        port = self.http_ports.setdefault(FRONT, free_port())
        backends = tuple(f"--backend={name}={self.url(name)}" for name in self.services)
        log = self.var_dir / "logs" / "front.log"
        proc = ServiceProcess(FRONT, port, self.env(), log, args=backends)
        self.procs[FRONT] = proc
        proc.start()
        # it answers /readyz itself, once it listens
        proc.wait_ready(ready_timeout)

    @property
    def console_url(self) -> str:
        """Where the staff sign in and work: the front."""
        return self.procs[FRONT].url

    def start_service(self, name: str, wait: bool = True, ready_timeout: float = 60.0) -> None:
        port = self.http_ports.get(name) or free_port()
        self.http_ports[name] = port
        proc = ServiceProcess(
            name,
            port,
            {**self.env(), **self.service_env.get(name, {}), "CHIDAO_HTTP_PORT": str(port)},
            self.var_dir / "logs" / f"{name}.log",
        )
        self.procs[name] = proc
        proc.start()
        if wait:
            proc.wait_ready(ready_timeout)

    def url(self, name: str) -> str:
        return self.procs[name].url

    def stop(self) -> None:
        for proc in self.procs.values():
            proc.stop()
        if self.mail is not None:
            self.mail.stop()
        if self.nats is not None:
            self.nats.stop()

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
