# Split splice (Documentation/split.rst): proxy1 hands the server-to-client
# direction of every spliced connection to backend1, whose module sends its
# responses straight to the client (via the router, never through a proxy),
# translated; client-to-server packets still pass the proxy. Checks, each
# byte-exact and without a reset at either end:
#  - downloads and an upload; counters prove the responses did not pass the
#    proxy, and both sides' entries go once the connections end;
#  - the backend losing its entries mid-transfer (as when its module is
#    unloaded): its packets go to the proxy again, which translates them;
#  - proxy1 failing mid-transfer: proxy2 takes the client-to-server direction
#    over, the backend keeps sending directly;
#  - forged and misdirected split entries are refused and counted;
#  - IPv6: a download and an upload split the same way.
# timeout: 600
# cost: 135
. "$(dirname "$0")/lib.sh"
. "$TCPSPLICE_TOP/tests/lib/cluster-lab.sh"
SPLIT=1 CLUSTER_VIP6=2001:db8:1::100 cluster_lab_up
note=/tmp/t-split.note
bvalue() { value backend1 "$1"; }
# relayed_to_client N: response bytes proxyN's tcpsplice-proxy moved in
# userspace (while it looked for the quiet moment to splice)
relayed_to_client() {
  on "proxy$1" curl -sf http://127.0.0.1:9180/metrics |
    awk '$1 == "tcpsplice_proxy_relayed_bytes_total{direction=\"to_client\"}" { print $2; found = 1 } END { exit !found }' ||
    fail "proxy$1's /metrics has no relayed_bytes_to_client"
}
# paths BACKEND: response bytes so far by the way they went: sent by BACKEND
# itself; carried by a proxy's kernel (what BACKEND sent before its entry
# arrived: the hand-over, Documentation/split.rst); relayed by a proxy in
# userspace (before the splice was made).
paths() {
  local n via=0 rel=0
  for n in 1 2; do
    via=$((via + $(cvalue "$n" bytes_to_client))) rel=$((rel + $(relayed_to_client "$n")))
  done
  echo "$(value "$1" split_bytes_to_client) $via $rel"
}
# expect_direct BACKEND BEFORE BYTES WHAT: since BEFORE (what paths said),
# BYTES response bytes reached the client one way or another, and at least
# three quarters of them straight from BACKEND. How long the hand-over takes
# (a sync datagram and two work items) is up to the scheduler, and while it
# lasts the backend sends at the proxied rate: so the share, not every byte.
expect_direct() {
  local d0 v0 r0 d v r
  read -r d0 v0 r0 <<<"$2"
  read -r d v r <<<"$(paths "$1")"
  # A helper that failed inside $(...) left only /tmp/failed.
  [ ! -f /tmp/failed ] || fail "$(cat /tmp/failed)"
  d=$((d - d0)) v=$((v - v0)) r=$((r - r0))
  echo "$4: $d response bytes sent by $1 directly, $v through a proxy's kernel, $r relayed" >> "$note"
  expect_gt $((d + v + r)) $(($3 - 1)) "$4: response bytes, any way"
  expect_gt "$d" $(($3 * 3 / 4 - 1)) "$4: response bytes $1 sent directly"
}
wait_for 20 'tcpsplicectl -n proxy1 cluster show | grep -q "^backend 21 203.0.113.21 up"' ||
  fail "proxy1 does not see backend 21: $(tcpsplicectl -n proxy1 cluster show)"
wait_for 20 'tcpsplicectl -n backend1 cluster show | grep -q "^peer 2 .* up"' || fail "backend1 does not hear proxy2"
r0c=$(rsts client1) r0b=$(rsts backend1)
for n in proxy1 proxy2 backend1; do tcpsplicectl -n "$n" reset-stats; done
: > "$note"
p0=$(paths backend1)

# 1. Downloads and an upload.
on client1 python3 "$LIB/client.py" "$VIP" 80 www parallel 8 1000000 + upload 500000 0.2 || fail "downloads and upload"
down=$((8 * 1000000))
expect_gt "$(cvalue 1 splits_made)" 8 "splices proxy1 split"
expect_eq "$(cvalue 1 splits_no_backend)" 0 "split requests for unknown backends"
expect_gt "$(bvalue splits_installed)" 8 "split entries backend1 installed"
expect_direct backend1 "$p0" "$down" "8 parallel downloads"
expect_gt "$(cvalue 1 bytes_to_backend)" 499999 "upload bytes through proxy1"
expect_eq "$(bvalue splits_refused)" 0 "refused split entries"
# The backend sees both directions and finds every end; its reports remove
# the proxies' entries too.
wait_for 60 'test "$(bvalue splits_ended)" -ge 9' || fail "backend1 found $(bvalue splits_ended) ends of 9"
wait_for 60 'test "$(value backend1 splices_active)" = 0 && test "$(cvalue 1 splices_active)" = 0 && test "$(cvalue 2 splices_active)" = 0' ||
  fail "entries left: backend1 $(value backend1 splices_active), proxy1 $(cvalue 1 splices_active), proxy2 $(cvalue 2 splices_active)"
echo "ends found by backend1: $(bvalue splits_ended)" >> "$note"

# 1b. Every combination of SACK, timestamps and window scaling (the backend
# the opposite of the client), then loss, reordering and duplication on the
# client's and the backend's links: byte-exact, sent directly, no reset.
p0=$(paths backend1)
for sack in 0 1; do for ts in 0 1; do for ws in 0 1; do
  opts client1 $sack $ts $ws 16777216
  opts backend1 $((1 - sack)) $((1 - ts)) $((1 - ws)) 262144
  on client1 python3 "$LIB/client.py" "$VIP" 80 www download 500000 + upload 200000 0.2 ||
    fail "download and upload, client sack=$sack ts=$ts wscale=$ws"
done; done; done
opts client1 1 1 1 6291456
opts backend1 1 1 1 6291456
expect_direct backend1 "$p0" $((8 * 500000)) "option matrix"
e0c=$(rsts client1) e0b=$(rsts backend1) p0=$(paths backend1)
netem client1 eth0 loss 3% delay 2ms
netem backend1 eth0 loss 3% delay 2ms reorder 25% 50% duplicate 2%
on router tc qdisc replace dev client1-eth0 root netem delay 3ms reorder 25% 50% duplicate 2%
on client1 python3 "$LIB/client.py" "$VIP" 80 www download 1500000 + upload 500000 0.2 || fail "download and upload under loss"
on client1 tc qdisc del dev eth0 root
on backend1 tc qdisc del dev eth0 root
on router tc qdisc del dev client1-eth0 root
expect_direct backend1 "$p0" 1500000 "download under loss"
expect_eq "$(rsts client1)" "$e0c" "connections reset at the client under loss"
expect_eq "$(rsts backend1)" "$e0b" "connections reset at the backend under loss"
expect_eq "$(cvalue 1 drop_malformed)$(bvalue drop_malformed)" 00 "malformed drops"
echo "option matrix and loss: byte-exact; $(bvalue options_stripped) options stripped and $(bvalue sack_blocks) SACK blocks translated by backend1" >> "$note"
r0c=$(rsts client1) r0b=$(rsts backend1)

# 2. The backend loses its entries mid-transfer: the proxy translates again.
before=$(cvalue 1 packets_to_client) d0=$(bvalue split_packets_to_client)
on client1 python3 "$LIB/client.py" "$VIP" 80 www interactive 100 12 > /tmp/split-int.out 2>&1 &
ipid=$!
wait_for 20 'test "$(value backend1 splices_active)" -ge 1' || fail "no split entry on backend1"
nap 2
direct=$(bvalue split_packets_to_client)
# An entry of an earlier connection may end on its own between the list and
# the unsplice (its FIN exchange still finishing): that one is gone either
# way; any other refusal fails.
drop_entries() {
  for id in $(tcpsplicectl -n backend1 list | awk 'NR > 1 { print $1 }'); do
    tcpsplicectl -n backend1 unsplice "$id" 2> /tmp/split-unsplice.err && continue
    tcpsplicectl -n backend1 list | awk -v id="$id" 'NR > 1 && $1 == id { found = 1 } END { exit !found }' &&
      fail "unsplice $id on backend1: $(cat /tmp/split-unsplice.err)"
    grep -q "No such file" /tmp/split-unsplice.err || fail "unsplice $id on backend1: $(cat /tmp/split-unsplice.err)"
  done
}
drop_entries
expect_gt $((direct - d0)) 10 "responses backend1 sent directly before it dropped its entry"
wait "$ipid" || fail "interactive session after the backend dropped its entry: $(cat /tmp/split-int.out)"
expect_gt "$(cvalue 1 packets_to_client)" $((before + 20)) "responses proxy1 carried after the backend's entry went"
echo "fallback: $(( $(cvalue 1 packets_to_client) - before )) response packets through proxy1 after backend1 dropped its entry" >> "$note"

# 2b. The backend comes back as after a module reload: it leaves the
# cluster and joins again (a new incarnation), and each proxy bulk-syncs it
# the split entries that are its; it sends directly again.
on client1 python3 "$LIB/client.py" "$VIP" 80 www interactive 100 15 > /tmp/split-int2.out 2>&1 &
ipid=$!
wait_for 20 'test "$(value backend1 splices_active)" -ge 1' || fail "no split entry on backend1"
drop_entries
inst=$(bvalue splits_installed)
tcpsplicectl -n backend1 cluster leave || fail "cluster leave on backend1"
split_backend1
wait_for 20 'test "$(bvalue splits_installed)" -gt "$inst"' || fail "the proxies' bulk sync did not give backend1 its entry back"
d1=$(bvalue split_packets_to_client)
wait "$ipid" || fail "interactive session across backend1's return: $(cat /tmp/split-int2.out)"
expect_gt "$(bvalue split_packets_to_client)" $((d1 + 10)) "responses backend1 sent directly after its return"
echo "backend return: bulk sync reinstalled its entry; $(( $(bvalue split_packets_to_client) - d1 )) response packets sent directly afterwards" >> "$note"

# 3. proxy1 fails mid-transfer.
tcpsplicectl -n proxy2 reset-stats
p0=$(paths backend1)
rm -f /tmp/go
on client1 python3 "$LIB/client.py" "$VIP" 80 www failover 10 500000 3 8 /tmp/go > /tmp/split-failover.out 2>&1 &
cpid=$!
wait_for 120 grep -q ready /tmp/split-failover.out || fail "connections not up: $(cat /tmp/split-failover.out)"
wait_for 60 'test "$(cvalue 2 replicas_installed)" -ge 13' || fail "proxy2 holds $(cvalue 2 replicas_installed) of 13"
touch /tmp/go
nap 1
crash_proxy 1
wait_for 60 owns 2 "$VIP" || fail "proxy2 did not take $VIP over"
wait "$cpid" || fail "transfers: $(cat /tmp/split-failover.out)"
grep -q "bulk_ok=10 interactive_ok=3" /tmp/split-failover.out || fail "not every connection completed: $(cat /tmp/split-failover.out)"
expect_direct backend1 "$p0" 5000000 "10 downloads across proxy1's failure"
expect_gt "$(cvalue 2 packets_to_backend)" 10 "client packets proxy2 carried"
echo "proxy1 failed: 10 downloads and 3 interactive sessions completed; $(sed -n 's/.* stall_ms=\([0-9]*\).*/\1/p' /tmp/split-failover.out) ms longest stall" >> "$note"
expect_eq "$(rsts client1)" "$r0c" "resets at the client"
expect_eq "$(rsts backend1)" "$r0b" "resets at the backend"

# 4. Forged and misdirected entries, sent from client1: as test peer 9,
# which knows the key, and as node 8, which is nobody.
split_backend1 --peer 9=198.51.100.11
tcpsplicectl -n backend1 reset-stats
sm() { on client1 python3 "$LIB/syncmsg.py" "$KEYFILE" 203.0.113.21 7010 "$@"; }
# Each message is update 1 of a new incarnation of node 9, so each is applied.
# In one Python start-up: not an address of backend1; not a split
# splice; from a node that is no peer; the wrong key.
sm split 9 21 7 1 203.0.113.99 + add 9 21 8 1 + split 8 21 7 1 203.0.113.21 \
  + add 9 21 9 1 00112233445566778899aabbccddeeff
nap 1
expect_eq "$(bvalue splits_refused)" 2 "split entries refused (foreign address, not split)"
expect_eq "$(bvalue sync_reject_unknown_peer)" 1 "datagrams from a non-peer"
expect_eq "$(bvalue sync_reject_bad_tag)" 1 "datagrams under a wrong key"
expect_eq "$(bvalue splits_installed)" 0 "entries installed from forged datagrams"
echo "forged: refused $(bvalue splits_refused) misdirected entries, $(bvalue sync_reject_unknown_peer) from a non-peer" >> "$note"

# 5. IPv6, through proxy2 (which owns every VIP now), to backend2, a backend
# node whose sync runs over IPv6.
split_backend6
wait_for 30 'tcpsplicectl -n proxy2 cluster show | grep -q "^backend 32 2001:db8:b::22 up"' ||
  fail "proxy2 does not see backend 32: $(tcpsplicectl -n proxy2 cluster show)"
p0=$(paths backend2)
on client1 python3 "$LIB/client.py" 2001:db8:1::100 80 v6.example.com download 1500000 + upload 300000 0.2 ||
  fail "IPv6 download and upload"
expect_direct backend2 "$p0" 1500000 "IPv6 download"
expect_eq "$(rsts client1)" "$r0c" "resets at the client"
expect_eq "$(rsts backend1)" "$r0b" "resets at the backend"
