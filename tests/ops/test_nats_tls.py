"""NATS over TLS as deploy/nats/nats.conf runs it: three nodes whose routes are TLS with
each node's certificate verified, clients only over TLS; a service given the CA
(CHIDAO_NATS_CA_FILE) and tls:// URLs connects and is ready, while a client that does not
trust the CA, or one speaking plain text, gets nowhere."""

from __future__ import annotations

import re
import shutil
import socket

import httpx
import nats
import pytest

from chidao.runtime.nats_server import NatsServer
from chidao.runtime.ports import free_port
from chidao.runtime.stack import Stack
from shared.settings import nats_options
from tests.ops.nats_cluster import DEPLOY_NATS, USERS
from tests.ops.tls import TlsFiles, make_ca
from tests.support import wait_for

pytestmark = pytest.mark.e2e

PASSWORDS = {user: f"{user}-tls-password" for user in USERS}


def node_config(text: str, certs: TlsFiles, cluster_port: int, routes: list[int]) -> str:
    """deploy/nats/nats.conf on local ports, with our CA's files where the nodes mount
    theirs; the address, ports, store and name come from NatsServer's flags."""
    text = text.replace("/etc/nats/tls/", f"{certs.ca.parent}/")
    text = re.sub(r"^(server_name|listen|http): .*$", "", text, flags=re.M)
    text = re.sub(r"^\s*store_dir: .*$", "", text, flags=re.M)
    text = text.replace("0.0.0.0:6222", f"127.0.0.1:{cluster_port}")
    route_list = "\n".join(f"    tls://127.0.0.1:{port}" for port in routes)
    return re.sub(r"routes: \[\n.*?\n  \]", f"routes: [\n{route_list}\n  ]", text, flags=re.S)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    root = tmp_path_factory.mktemp("tls")
    certs = make_ca(root / "certs", ("localhost", "127.0.0.1"))
    text = (DEPLOY_NATS / "nats.conf").read_text(encoding="utf-8")
    env = {f"NATS_{user.upper()}_PASSWORD": secret for user, secret in PASSWORDS.items()}
    ports = [free_port() for _ in range(3)]
    nodes = []
    for i, port in enumerate(ports, start=1):
        home = root / f"nats-{i}"
        home.mkdir()
        shutil.copy(DEPLOY_NATS / "accounts.conf", home / "accounts.conf")
        (home / "nats.conf").write_text(node_config(text, certs, port, ports), encoding="utf-8")
        node = NatsServer(home / "js", name=f"nats-{i}", config=home / "nats.conf", env=env)
        nodes.append(node.start())

    def meta_leader() -> bool:  # elected over the TLS routes, or not at all
        try:
            jsz = httpx.get(f"http://127.0.0.1:{nodes[0].monitor_port}/jsz", timeout=1).json()
        except httpx.HTTPError:
            return False
        meta = jsz.get("meta_cluster") or {}
        return bool(meta.get("leader")) and len(meta.get("replicas") or []) == 2

    try:
        wait_for(meta_leader, 30, "a JetStream meta leader over the TLS routes")
        yield nodes, certs
    finally:
        for node in nodes:
            node.stop()


def tls_url(user: str, nodes: list[NatsServer]) -> str:
    return ",".join(f"tls://{user}:{PASSWORDS[user]}@localhost:{n.port}" for n in nodes)


def test_a_service_connects_over_tls_with_the_ca_it_is_given(cluster, tmp_path):
    nodes, certs = cluster
    stack = Stack(
        var_dir=tmp_path,
        services=("issuer",),
        nats_url=tls_url("admin", nodes),
        extra_env={"CHIDAO_NATS_CA_FILE": str(certs.ca), "CHIDAO_JS_REPLICAS": "3"},
        service_env={"issuer": {"CHIDAO_NATS_URL": tls_url("issuer", nodes)}},
    )
    try:
        stack.start(ready_timeout=60)
        ready = httpx.get(f"{stack.url('issuer')}/readyz", timeout=5).json()
        assert ready["checks"]["nats"] and ready["checks"]["jetstream"], ready
        connections = []
        for node in nodes:
            connz = httpx.get(f"http://127.0.0.1:{node.monitor_port}/connz", timeout=5).json()
            connections += connz.get("connections") or []
        issuer = [c for c in connections if c.get("name") == "chidao-issuer"]
        assert issuer and all(c.get("tls_version") for c in issuer), issuer
    finally:
        stack.stop()


async def test_a_client_that_does_not_trust_the_ca_is_refused(cluster):
    nodes, _ = cluster
    with pytest.raises(Exception, match="CERTIFICATE_VERIFY_FAILED"):
        await nats.connect(
            **nats_options(tls_url("admin", nodes)),  # the system's CAs only
            allow_reconnect=False,
            max_reconnect_attempts=0,
            connect_timeout=3,
        )


def test_a_client_speaking_plain_text_gets_nowhere(cluster):
    nodes, _ = cluster
    with socket.create_connection(("127.0.0.1", nodes[0].port), timeout=5) as plain:
        info = plain.recv(4096)
        assert b'"tls_required":true' in info.replace(b" ", b"")
        password = PASSWORDS["admin"]
        plain.sendall(
            b'CONNECT {"user":"admin","pass":"' + password.encode() + b'","verbose":false}\r\n'
            b"PING\r\n"
        )
        answer = b""
        try:
            while chunk := plain.recv(4096):
                answer += chunk
        except (TimeoutError, ConnectionResetError):
            pass
    assert b"PONG" not in answer and b"+OK" not in answer
