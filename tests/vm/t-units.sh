# The installed systemd units, run as systemd runs them (tests/lib/units.sh:
# each line of the shipped unit files as their dynamic user, with only the
# units' capabilities, the cluster key handed over as LoadCredential= does),
# in proxy1 as on a machine: its /etc/tcpsplice holds cluster.toml,
# cluster.key (0600, root's) and proxy.toml. The cluster unit brings the
# node into its cluster, refuses a broken file on reload without a change,
# and leaves on stop; the proxy's unit starts a proxy that splices a
# download and survives a reload.
# cost: 27
. "$(dirname "$0")/lib.sh"
. "$TCPSPLICE_TOP/tests/lib/units.sh"
LIB=$TCPSPLICE_TOP/tests/lib
topo_up 1 1
load_module
on backend1 python3 "$LIB/backend.py" 203.0.113.21 8000 >/dev/null 2>&1 &
# A writable /etc, and proxy1's own /etc/tcpsplice, which ip netns exec
# binds over /etc/tcpsplice.
etc_writable
mkdir -p /etc/tcpsplice /etc/netns/proxy1/tcpsplice
on proxy1 tcpsplicectl genkey --out /etc/tcpsplice/cluster.key || fail "genkey"
cat > /etc/netns/proxy1/tcpsplice/cluster.toml <<'TOML'
node_id = 1
key_file = "/etc/tcpsplice/cluster.key"
[[peer]]
id = 2
address = "10.99.0.2"
TOML
cat > /etc/netns/proxy1/tcpsplice/proxy.toml <<'TOML'
default_pool = "web"
[[listen]]
address = "192.0.2.11:80"
[[pool]]
name = "web"
backends = ["203.0.113.21:8000"]
health_interval_ms = 0
TOML

# The cluster unit. systemd copies each LoadCredential= file into a
# directory only the service's user reads.
cu=tcpsplice-cluster.service
cred=$(sed -n 's/^LoadCredential=//p' "$UNITS_DIR/$cu")
expect_eq "$cred" "cluster.key:/etc/tcpsplice/cluster.key" "$cu's credential"
install -D -m 0400 -o 65534 -g 65534 /etc/netns/proxy1/tcpsplice/cluster.key /run/credentials/$cu/cluster.key
chown 65534 /run/credentials/$cu && chmod 0500 /run/credentials/$cu
unit_run $cu ExecStart proxy1 || fail "$(cat /tmp/unit-failed)"
expect_eq "$(tcpsplicectl -n proxy1 cluster show | head -1 | cut -d' ' -f1-2)" "node 1" "the cluster after $cu started"
before=$(tcpsplicectl -n proxy1 cluster showconf --key-file /k)
sed -i 's/^id = 2$/id = 1/' /etc/netns/proxy1/tcpsplice/cluster.toml
unit_run $cu ExecReload proxy1 && fail "$cu: a broken cluster.toml was reloaded"
grep -q "peer ids must be unique" /tmp/unit-failed || fail "$cu: the reload failed for another reason: $(cat /tmp/unit-failed)"
expect_eq "$(tcpsplicectl -n proxy1 cluster showconf --key-file /k)" "$before" "the cluster after the failed reload"

# The proxy's unit.
pu=tcpsplice-proxy.service
for i in {1..100}; do on proxy1 curl -s -o /dev/null "http://203.0.113.21:8000/bytes/1" && break; nap 0.2; done
unit_run $pu "ExecStartPre ExecStart" proxy1 /tmp/units-proxy.log || fail "$(cat /tmp/unit-failed)"
for i in {1..50}; do on client1 bash -c 'exec 3<>/dev/tcp/192.0.2.11/80' 2>/dev/null && break; nap 0.2; done
sum=$(on client1 curl -sf http://192.0.2.11/bytes/1000000 | sha256sum | cut -d' ' -f1)
expect_eq "$sum" "$(python3 -c 'import random, hashlib; print(hashlib.sha256(random.Random(1).randbytes(1000000)).hexdigest())')" \
  "the download through the unit's proxy"
expect_gt "$(value proxy1 splices_created)" 0 "splices made by the unit's proxy"
unit_run $pu ExecReload proxy1 || fail "$(cat /tmp/unit-failed)"
nap 1
kill -0 "$UNIT_PID" || fail "the proxy died on reload: $(tail -3 /tmp/units-proxy.log)"
grep -q "reload" /tmp/units-proxy.log || fail "no reload in the proxy's log: $(tail -3 /tmp/units-proxy.log)"
kill -TERM "$UNIT_PID"
wait "$UNIT_PID" || fail "the proxy did not exit cleanly on SIGTERM: $(tail -3 /tmp/units-proxy.log)"

unit_run $cu ExecStop proxy1 || fail "$(cat /tmp/unit-failed)"
expect_eq "$(tcpsplicectl -n proxy1 cluster show)" "no cluster" "the cluster after $cu stopped"
rm -rf /run/credentials
rmmod tcpsplice || fail rmmod
