"""A 3-node NATS JetStream cluster on local ports, with the users and permissions of
deploy/nats/accounts.conf: what compose.yaml and the Helm chart run, as local processes.
``size=1`` runs a single node (no cluster), enough to test the permissions."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from chidao.runtime.nats_server import NatsServer
from chidao.runtime.ports import free_port
from tests.support import wait_for

DEPLOY_NATS = Path(__file__).parents[2] / "deploy" / "nats"
USERS = ("issuer", "notifier", "reporter", "aggregator", "admin", "sys")

# What deploy/nats/nats.conf sets for durability; the flags give the local paths and ports.
NODE_CONFIG = """
jetstream { sync_interval: always }
include ./accounts.conf
"""


@dataclass
class NatsCluster:
    root: Path
    size: int = 3
    passwords: dict[str, str] = field(
        default_factory=lambda: {user: f"{user}-test-password" for user in USERS}
    )
    nodes: list[NatsServer] = field(default_factory=list)

    def url(self, user: str) -> str:
        """Every node, for a user: a client fails over to the others."""
        secret = self.passwords[user]
        return ",".join(f"nats://{user}:{secret}@127.0.0.1:{n.port}" for n in self.nodes)

    def start(self, timeout: float = 30.0) -> NatsCluster:
        env = {f"NATS_{user.upper()}_PASSWORD": secret for user, secret in self.passwords.items()}
        cluster_ports = [free_port() for _ in range(self.size)]
        routes = ",".join(f"nats://127.0.0.1:{p}" for p in cluster_ports)
        for i, cluster_port in enumerate(cluster_ports, start=1):
            home = self.root / f"nats-{i}"
            home.mkdir(parents=True, exist_ok=True)
            shutil.copy(DEPLOY_NATS / "accounts.conf", home / "accounts.conf")
            config = home / "nats.conf"
            config.write_text(NODE_CONFIG, encoding="utf-8")
            cluster = f"nats://127.0.0.1:{cluster_port}"
            clustered = (
                ("--cluster_name", "chidao", "--cluster", cluster, "--routes", routes)
                if self.size > 1
                else ()
            )
            self.nodes.append(
                NatsServer(
                    home / "jetstream",
                    log_file=home / "nats-server.log",
                    name=f"nats-{i}",
                    config=config,
                    extra_args=clustered,
                    env=env,
                )
            )
        for node in self.nodes:
            node.start()
        self.wait_for_meta_leader(timeout)
        return self

    def wait_for_meta_leader(self, timeout: float) -> None:
        """Every node sees the whole cluster and JetStream has elected its meta leader."""
        wait_for(
            lambda: all(self._jetstream_ready(n) for n in self.running()),
            timeout,
            "the NATS cluster's JetStream leader",
        )

    def _jetstream_ready(self, node: NatsServer) -> bool:
        try:
            answer = httpx.get(
                f"http://127.0.0.1:{node.monitor_port}/healthz?js-enabled-only=true", timeout=1
            )
            jsz = httpx.get(f"http://127.0.0.1:{node.monitor_port}/jsz", timeout=1).json()
        except httpx.HTTPError:
            return False
        meta = jsz.get("meta_cluster") or {}
        return answer.status_code == 200 and (self.size == 1 or bool(meta.get("leader")))

    def running(self) -> list[NatsServer]:
        return [n for n in self.nodes if n.process is not None]

    def node(self, name: str) -> NatsServer:
        return next(n for n in self.nodes if n.name == name)

    def violations(self, client: str | None = None) -> list[str]:
        """The permissions violations every node logged, of the connections named
        ``client`` (a service's is chidao-<service>) or of all."""
        lines = []
        for node in self.nodes:
            text = node.log_file.read_text(errors="replace") if node.log_file.exists() else ""
            lines += [line for line in text.splitlines() if "Violation" in line]
        return [line for line in lines if client is None or f':{client}" - ' in line]

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()
