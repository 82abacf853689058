# Multi-proxy splicing: one spliced connection forwarded by two proxies at
# once. The client's packets reach proxy1 (it owns the VIP); the backend is
# made to send its packets for proxy1's backend-side address to proxy2
# (a static neighbour entry, as a router spreading traffic would), which
# holds the replicated entry and translates them. The download is byte-exact,
# nobody sees a reset, and each proxy's entry counted its direction. Then
# a proxy process dies (release_vips_after_ms): its node gives its VIPs to
# the peer, and takes them back when the proxy runs again.
# timeout: 600
# cost: 30
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

# A dead proxy process gives the node's VIPs up (release_vips_after_ms):
# both proxies restarted with the watch; proxy1's process is killed
# (SIGKILL) in the middle of a spliced download. The kernel on proxy1 lives
# and keeps what it forwards; after the grace time proxy1 gives its VIPs
# up, proxy2 takes them, new connections are answered there, the download
# completes byte-exact without a reset, and when proxy1's proxy starts again
# the VIP goes back (preempt).
on backend1 ip neigh del 203.0.113.101 dev eth0
pkill -f 'tcpsplice-proxy --config /tmp/cluster-proxy'
wait_for 10 '! pgrep -f "tcpsplice-proxy --config /tmp/cluster-proxy" > /dev/null' || fail "proxies still running"
for n in 1 2; do sed -i "1i release_vips_after_ms = 500" "/tmp/cluster-proxy$n.toml"; proxy_start "$n"; done
attached() { tcpsplicectl -n "proxy$1" --json cluster show | jq -e '.proxy.attached and .proxy.grace_ms == 500 and .serving' > /dev/null; }
wait_for 30 attached 1 || fail "proxy1's proxy not attached: $(tcpsplicectl -n proxy1 cluster show)"
wait_for 30 attached 2 || fail "proxy2's proxy not attached: $(tcpsplicectl -n proxy2 cluster show)"
wait_for 20 on client1 curl -sf -o /dev/null "http://$VIP/bytes/1" || fail "no answer on $VIP after the restart"
r0c=$(rsts client1) r0b=$(rsts backend1)
rm -f /tmp/go
on client1 env FAILOVER_RATE=200000 python3 "$LIB/client.py" "$VIP" 80 www failover 1 1500000 0 0 /tmp/go > /tmp/multi.out 2>&1 &
cpid=$!
wait_for 60 grep -q ready /tmp/multi.out || fail "connection not up: $(cat /tmp/multi.out)"
wait_for 30 'test "$(cvalue 2 replicas_installed)" -ge 1' || fail "proxy2 holds no replica"
tcpsplicectl -n proxy1 --json monitor --cluster --count 2 > /tmp/watch-events &
mon=$!
nap 1
touch /tmp/go
nap 1
pkill -KILL -f 'tcpsplice-proxy --config /tmp/cluster-proxy1.toml'
wait_for 20 owns 2 "$VIP" || fail "proxy2 did not take $VIP over: $(tcpsplicectl -n proxy1 cluster show)"
owns 1 "$VIP" && fail "proxy1 still owns $VIP without its proxy"
wait "$mon" || fail "monitor"
grep -q '"event":"proxy_gone","node":1' /tmp/watch-events || fail "no proxy_gone event: $(cat /tmp/watch-events)"
grep -q '"event":"release","node":1' /tmp/watch-events || fail "no release event: $(cat /tmp/watch-events)"
tcpsplicectl -n proxy1 --json cluster show | jq -e '(.serving | not) and (.proxy.attached | not) and .proxy.gone_ms >= 500' > /dev/null ||
  fail "proxy1's view: $(tcpsplicectl -n proxy1 cluster show)"
tcpsplicectl -n proxy1 cluster show | grep -q "^proxy gone [0-9]* ms grace 500 ms$" || fail "cluster show: $(tcpsplicectl -n proxy1 cluster show)"
tcpsplicectl -n proxy2 cluster show | grep -q '^peer 1 10.99.0.1 up ready false' || fail "proxy2's view of proxy1: $(tcpsplicectl -n proxy2 cluster show)"
wait_for 20 on client1 curl -sf -o /dev/null "http://$VIP/bytes/1" || fail "new connections on $VIP after proxy1's proxy died"
wait "$cpid" || fail "download across the proxy's death: $(cat /tmp/multi.out)"
expect_eq "$(rsts client1)" "$r0c" "resets at the client across the proxy's death"
expect_eq "$(rsts backend1)" "$r0b" "resets at the backend across the proxy's death"
proxy_start 1
wait_for 30 owns 1 "$VIP" || fail "proxy1 did not take $VIP back with its proxy running"
attached 1 || fail "proxy1's proxy not attached again"
wait_for 20 on client1 curl -sf -o /dev/null "http://$VIP/bytes/1" || fail "no answer on $VIP after the return"
