#!/bin/bash
# Guest B of scripts/bench-split: client1, the router and backends 1-4 (each
# running tcpsplice as a backend node of proxy1's cluster, and
# tests/lib/bench-server.py). For 1, 2 and 4 backends and each path - the
# client straight to the backends (direct), through proxy1 spliced whole
# (full), split (split) - it downloads BYTES in parallel connections (two
# per backend), marking the start and end of each for the host (files
# /run/out/mark.N), which reads proxy1's guest CPU time then. Prints one
# "BENCH {json}" line per measurement.
#   bench-lab.sh KEY BYTES ROUNDS
set -u
. "$TCPSPLICE_TOP/tests/vm/lib.sh"
. "$TCPSPLICE_TOP/scripts/guest/topo.sh"
. "$TCPSPLICE_TOP/tests/pair/lib.sh"
LIB=$TCPSPLICE_TOP/tests/lib
printf '%s' "$1" > /tmp/bench.key
total=$2 rounds=$3
TOPO_PROXIES=" " topo_up 1 4
load_module
pair_take b 1 router wire-lan
pair_take b 2 router wire-back
on router ip link set wire-lan master br-lan
on router ip link set wire-back master br-back
# Split splices' packets leave the backends with the proxy's address.
for c in all default br-front br-lan br-back; do on router sysctl -qw "net.ipv4.conf.$c.rp_filter=0"; done
head -c 64000000 /dev/zero > /tmp/blob
for k in 1 2 3 4; do
  on "backend$k" python3 "$LIB/bench-server.py" "203.0.113.2$k" 8000 /tmp/blob > /dev/null 2>&1 &
  tcpsplicectl -n "backend$k" cluster set --node-id "2$k" --backend --key-file /tmp/bench.key \
    --peer 1=203.0.113.11 || fail "cluster set on backend$k"
done
up() { tcpsplicectl -n "backend$1" cluster show | grep -q '^peer 1 .* up'; }
for k in 1 2 3 4; do
  for i in $(seq 600); do up "$k" && break; sleep 0.5; done
  up "$k" || fail "proxy1 never reached backend$k"
done
for i in $(seq 300); do on client1 curl -sf -o /dev/null -H 'Host: full1' http://192.0.2.11/10 && break; sleep 0.5; done
m=0
mark() { m=$((m + 1)); echo "$*" > "/run/out/mark.$m"; sync; }
# fetch MODE K: 2K connections at once, BYTES in all.
fetch() {
  local mode=$1 k=$2 n=$((2 * $2)) each=$((total / (2 * $2))) i pids=()
  for i in $(seq 0 $((n - 1))); do
    local b=$((i % k + 1))
    if [ "$mode" = direct ]; then
      on client1 curl -sf -o /dev/null "http://203.0.113.2$b:8000/$each" &
    else
      on client1 curl -sf -o /dev/null -H "Host: $mode$k" "http://192.0.2.11/$each" &
    fi
    pids+=($!)
  done
  for i in "${pids[@]}"; do wait "$i" || return 1; done
}
for r in $(seq "$rounds"); do
  for k in 1 2 4; do
    for mode in direct full split; do
      before=$(tcpsplicectl -n backend1 stats | awk '$1 == "split_bytes_to_client" { print $2 }')
      t0=$(date +%s.%N)
      mark "begin $mode $k $r"
      ok=true
      fetch "$mode" "$k" || ok=false
      mark "end $mode $k $r"
      t1=$(date +%s.%N)
      after=$(tcpsplicectl -n backend1 stats | awk '$1 == "split_bytes_to_client" { print $2 }')
      echo "BENCH {\"mode\": \"$mode\", \"backends\": $k, \"round\": $r, \"bytes\": $total, \"seconds\": $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'), \"ok\": $ok, \"backend1_direct_bytes\": $((after - before))}"
    done
  done
done
mark done
