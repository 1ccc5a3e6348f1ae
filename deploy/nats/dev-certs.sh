#!/bin/sh
# Development certificates for compose.yaml's NATS cluster: a CA of its own (its key is
# thrown away: nothing else is ever signed with it) and one certificate for the three
# nodes (nats-1, nats-2, nats-3 and localhost), for clients and for the routes between
# them (serverAuth and clientAuth). Never use them outside a development machine: in
# production mount your own CA's (see docs/operations.md, "NATS over TLS").
#
#   dev-certs.sh SERVER_DIR CA_DIR
# writes SERVER_DIR/{ca.crt,tls.crt,tls.key} (mounted by the NATS nodes only) and
# CA_DIR/ca.crt (mounted by the chidao containers), once: it keeps what is there.
set -eu
server_dir=$1
ca_dir=$2
if [ -s "$server_dir/tls.crt" ] && [ -s "$ca_dir/ca.crt" ]; then
  echo "dev-certs: keeping the certificates in $server_dir"
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 825 \
  -subj "/CN=chidao development NATS CA" \
  -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -keyout "$work/ca.key" -out "$work/ca.crt"
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
  -subj "/CN=nats" -keyout "$work/tls.key" -out "$work/tls.csr"
cat > "$work/ext.cnf" <<'EXT'
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=DNS:nats-1,DNS:nats-2,DNS:nats-3,DNS:nats,DNS:localhost,IP:127.0.0.1
EXT
openssl x509 -req -in "$work/tls.csr" -CA "$work/ca.crt" -CAkey "$work/ca.key" \
  -CAcreateserial -days 825 -sha256 -extfile "$work/ext.cnf" -out "$work/tls.crt"
mkdir -p "$server_dir" "$ca_dir"
cp "$work/ca.crt" "$work/tls.crt" "$work/tls.key" "$server_dir/"
cp "$work/ca.crt" "$ca_dir/ca.crt"
chmod 0644 "$server_dir/ca.crt" "$server_dir/tls.crt" "$ca_dir/ca.crt"
chmod 0600 "$server_dir/tls.key"
echo "dev-certs: a development CA and the nodes' certificate written to $server_dir"
