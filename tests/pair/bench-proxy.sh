#!/bin/bash
# Guest A of scripts/bench-split: proxy1 alone in its own guest, so that the
# host can read its CPU time (its QEMU process's), wired to the lab guest's
# service and backend LANs. tcpsplice-proxy listens on 192.0.2.11:80 and picks
# a pool by the Host header: fullK and splitK (K = 1, 2, 4 backends), the
# same backends, spliced whole or split (Documentation/split.rst).
#   bench-proxy.sh KEY [SECONDS]
set -u
. "$TCPSPLICE_TOP/tests/vm/lib.sh"
. "$TCPSPLICE_TOP/scripts/guest/topo.sh"
. "$TCPSPLICE_TOP/tests/pair/lib.sh"
printf '%s' "$1" > /tmp/bench.key
_topo_ns proxy1
pair_take a 1 proxy1 eth0
pair_take a 2 proxy1 eth1
on proxy1 ip addr add 192.0.2.11/24 dev eth0
on proxy1 ip addr add 203.0.113.11/24 dev eth1
on proxy1 ip route add default via 192.0.2.1
load_module
peers=()
for k in 1 2 3 4; do peers+=(--backend-peer "2$k=203.0.113.2$k"); done
tcpsplicectl -n proxy1 cluster set --node-id 1 --key-file /tmp/bench.key "${peers[@]}" || fail "cluster set"
{
  echo 'default_pool = "full1"'
  echo '[[listen]]'
  echo 'address = "192.0.2.11:80"'
  for k in 1 2 4; do
    backends=$(for b in $(seq "$k"); do printf '"203.0.113.2%s:8000",' "$b"; done)
    for mode in full split; do
      printf '[[pool]]\nname = "%s%s"\nbackends = [%s]\nhealth_interval_ms = 0\n' "$mode" "$k" "$backends"
      [ "$mode" = split ] && echo "split = true"
      printf '[[route]]\nhost = "%s%s"\npool = "%s%s"\n' "$mode" "$k" "$mode" "$k"
    done
  done
} > /tmp/bench-split.toml
ip netns exec proxy1 tcpsplice-proxy --config /tmp/bench-split.toml 2> /tmp/bench-split-proxy.log &
echo "proxy1 up"
sleep "${2:-1500}"
