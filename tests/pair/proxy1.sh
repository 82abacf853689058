#!/bin/bash
# Guest A of tests/pair/run: proxy1 alone in its own guest, with its service,
# backend and sync links on wires to the lab guest (tests/pair/t-crash.sh
# builds the rest there). It is configured like cluster_lab_up's proxy1 and
# then only runs, writing its cluster state to the shared directory every
# 2 s, until the host kills this whole guest with SIGKILL to its QEMU.
#   proxy1.sh KEY [SECONDS]
set -u
. "$TCPSPLICE_TOP/tests/vm/lib.sh"
. "$TCPSPLICE_TOP/tests/lib/cluster-lab.sh"
. "$TCPSPLICE_TOP/tests/pair/lib.sh"
TRACE_NODES=1
printf '%s' "$1" > "$KEYFILE"
_topo_ns proxy1
pair_take a 1 proxy1 eth0
pair_take a 2 proxy1 eth1
pair_take a 3 proxy1 sync0
on proxy1 ip addr add 192.0.2.11/24 dev eth0
on proxy1 ip -6 addr add 2001:db8:1::11/64 dev eth0 nodad
on proxy1 ip addr add 203.0.113.11/24 dev eth1
on proxy1 ip -6 addr add 2001:db8:b::11/64 dev eth1 nodad
on proxy1 ip addr add 10.99.0.1/24 dev sync0
on proxy1 ip -6 addr add fd99::1/64 dev sync0 nodad
on proxy1 ip route add default via 192.0.2.1
on proxy1 ip -6 route add default via 2001:db8:1::1
load_module
cluster_node 1
cluster_set 1 1 2 || fail "cluster set on proxy1"
proxy_start 1
echo "proxy1 up: $(ip -n proxy1 -br addr | tr '\n' ';')"
TRACE_LOG=/run/out/trace cluster_trace &
sleep "${2:-1500}"
