# Fault tolerance: proxy1 splices 100 bulk downloads and 20 interactive
# sessions and loses every link at once in the middle; proxy2 notices the
# missed heartbeats, takes over both of proxy1's VIPs (the client-side VIP
# and the backend-side address proxy1 connected from) with the replicated
# entries already installed, announces them, and every transfer completes
# byte-exact with no reset at the client or the backend.
# timeout: 900
. "$(dirname "$0")/lib.sh"
. "$TCPSPLICE_TOP/tests/lib/cluster-lab.sh"
cluster_lab_up
r0c=$(rsts client1) r0b=$(rsts backend1)
rm -f /tmp/go
on client1 python3 "$LIB/client.py" "$VIP" 80 www failover 100 400000 20 8 /tmp/go > /tmp/failover.out 2>&1 &
cpid=$!
wait_for 120 grep -q ready /tmp/failover.out || fail "connections not up: $(cat /tmp/failover.out)"
# Every connection spliced on proxy1 and held by proxy2 before the failure.
wait_for 30 'test "$(cvalue 1 splices_active)" -ge 120' || fail "proxy1 spliced $(cvalue 1 splices_active) of 120"
wait_for 30 'test "$(cvalue 2 replicas_installed)" -ge 120' || fail "proxy2 holds $(cvalue 2 replicas_installed) of 120"
expect_eq "$(cvalue 1 sync_unacked)" 0 "updates proxy2 has not acknowledged"
tcpsplicectl -n proxy2 reset-stats
tcpsplicectl -n proxy2 --json monitor --count 3 > /tmp/events &
mon=$!
sleep 2 # subscribed before anything happens
touch /tmp/go
sleep 1
# All of proxy1's links at once (one process).
printf 'link set eth0 down\nlink set eth1 down\nlink set sync0 down\n' | ip -n proxy1 -batch -
wait_for 30 owns 2 "$VIP" || fail "proxy2 did not take $VIP over"
wait "$mon" || fail "monitor"
cat /tmp/events
grep -q '"event":"peer_down","node":1' /tmp/events || fail "no peer_down event"
grep -q '"event":"takeover","node":2,"vip":"192.0.2.100"' /tmp/events || fail "no takeover event"
detect=$(dmesg | sed -n 's/.*node 1 declared dead after \([0-9]*\) ms.*/\1/p' | tail -1)
owns 2 203.0.113.101 || fail "proxy2 did not take proxy1's backend-side VIP over"
( sleep 20; on client1 ss -tino > /tmp/ss-client; on backend1 ss -tino > /tmp/ss-backend
  tcpsplicectl -n proxy2 list > /tmp/list2 ) &
if ! wait "$cpid"; then
  echo "client, 20 s after: $(grep -c backoff /tmp/ss-client) connections backing off"
  grep -B1 backoff /tmp/ss-client | head -6
  echo "backend:"; grep -B1 backoff /tmp/ss-backend | head -6
  port=$(sed -n 's/.*(port \([0-9]*\),.*/\1/p' /tmp/failover.out | head -1)
  grep -A1 ":$port " /tmp/ss-client; grep ":$port " /tmp/list2
  fail "transfers: $(cat /tmp/failover.out)"
fi
cat /tmp/failover.out
grep -q "bulk_ok=100 interactive_ok=20" /tmp/failover.out || fail "not every connection completed"
m() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" /tmp/failover.out; }
echo "links cut: failure detected after ${detect:-?} ms of silence; bulk transfers' longest gap p50 $(m bulk_stall_p50_ms) ms, p90 $(m bulk_stall_p90_ms) ms, max $(m stall_ms) ms; interactive worst $(m interactive_worst_ms) ms (100 bulk, 20 interactive, all byte-exact)" > /tmp/t-cluster-failover.note
echo "proxy2: $(tcpsplicectl -n proxy2 stats | grep -E '^drop_' | tr '\n' ' ')" >> /tmp/t-cluster-failover.note
expect_eq "$(rsts client1)" "$r0c" "resets at the client"
expect_eq "$(rsts backend1)" "$r0b" "resets at the backend"
expect_gt "$(cvalue 2 packets_to_client)" 1000 "packets proxy2 carried to the client"
expect_eq "$(cvalue 2 takeovers)" 2 "VIPs proxy2 took over"
expect_gt "$(cvalue 2 announcements)" 1 "gratuitous ARPs"
expect_eq "$(cvalue 2 peer_failures)" 1 "peer failures detected"
expect_eq "$(cvalue 2 drop_malformed)" 0 "malformed drops at proxy2"
