# Multi-proxy splicing: one spliced connection forwarded by two proxies at
# once. The client's packets reach proxy1 (it owns the VIP); the backend is
# made to send its packets for proxy1's backend-side address to proxy2
# (a static neighbour entry, as a router spreading traffic would), which
# holds the replicated entry and translates them. The download is byte-exact,
# nobody sees a reset, and each proxy's entry counted its direction.
# timeout: 600
# cost: 20
. "$(dirname "$0")/lib.sh"
. "$TCPSPLICE_TOP/tests/lib/cluster-lab.sh"
cluster_lab_up
r0c=$(rsts client1) r0b=$(rsts backend1)
rm -f /tmp/go
on client1 python3 "$LIB/client.py" "$VIP" 80 www failover 1 1500000 0 0 /tmp/go > /tmp/multi.out 2>&1 &
cpid=$!
wait_for 60 grep -q ready /tmp/multi.out || fail "connection not up: $(cat /tmp/multi.out)"
wait_for 30 'test "$(cvalue 1 splices_active)" -ge 1' || fail "proxy1 did not splice"
wait_for 30 'test "$(cvalue 2 splices_active)" -ge 1' || fail "proxy2 holds no replica"
mac2=$(on proxy2 cat /sys/class/net/eth1/address)
on backend1 ip neigh replace 203.0.113.101 lladdr "$mac2" dev eth0 nud permanent
touch /tmp/go
wait "$cpid" || fail "download: $(cat /tmp/multi.out)"
cat /tmp/multi.out
# entry NODE FIELD: a per-entry counter of the download's splice on
# proxyNODE: the newest entry (the readiness check's connection may still
# be listed, lingering or not yet reported ended).
entry() {
  tcpsplicectl -n "proxy$1" --json list | jq -r --arg k "$2" 'max_by(.id) | .[$k]'
}
tcpsplicectl -n proxy1 list; tcpsplicectl -n proxy2 list
expect_gt "$(entry 1 packets_to_backend)" 10 "client packets proxy1 forwarded"
expect_gt "$(entry 2 bytes_to_client)" 1499999 "response bytes proxy2 forwarded"
expect_eq "$(entry 2 replica)" true "proxy2's entry is a replica"
expect_eq "$(rsts client1)" "$r0c" "resets at the client"
expect_eq "$(rsts backend1)" "$r0b" "resets at the backend"
# Each proxy's Prometheus endpoint shows its view of the cluster.
on proxy1 curl -sf http://127.0.0.1:9180/metrics > /tmp/metrics1 || fail "scraping proxy1's /metrics"
for want in 'tcpsplice_cluster_ready 1' 'tcpsplice_peer_up{node="2",addr="10.99.0.2"} 1' \
    'tcpsplice_vip_owned{vip="192.0.2.100"} 1' 'tcpsplice_vip_owned{vip="203.0.113.102"} 0'; do
  grep -qxF "$want" /tmp/metrics1 || fail "proxy1's /metrics lacks '$want'"
done
