# Scale out: with 12 spliced downloads paused on proxy1, a third proxy is
# added to the running cluster (every node reconfigured at runtime, nothing
# reloaded); it bulk-syncs, becomes ready, and then a routing change sends
# client2's packets for the VIP, and the backend's packets for proxy1's
# backend-side address, to proxy3. Every download completes byte-exact
# with no reset, and proxy3's counters show it carried them.
# timeout: 900
# cost: 26
. "$(dirname "$0")/lib.sh"
. "$TCPSPLICE_TOP/tests/lib/cluster-lab.sh"
CLIENTS=2 cluster_lab_up
r0b=$(rsts backend1) r0c1=$(rsts client1) r0c2=$(rsts client2)
rm -f /tmp/go
for c in 1 2; do
  on "client$c" python3 "$LIB/client.py" "$VIP" 80 www failover 6 1000000 0 0 /tmp/go > "/tmp/scale$c.out" 2>&1 &
  eval "cpid$c=\$!"
done
for c in 1 2; do wait_for 120 grep -q ready "/tmp/scale$c.out" || fail "client$c: $(cat /tmp/scale$c.out)"; done
wait_for 30 'test "$(cvalue 2 splices_active)" -ge 12' || fail "proxy2 holds $(cvalue 2 splices_active) of 12"

cluster_node 3
cluster_set 3 1 2 3 || fail "cluster set on proxy3"
cluster_set 1 1 2 3 || fail "reconfiguring proxy1"
cluster_set 2 1 2 3 || fail "reconfiguring proxy2"
wait_for 30 ready 3 || fail "proxy3 not ready"
wait_for 30 'test "$(cvalue 3 splices_active)" -ge 12' || fail "proxy3 holds $(cvalue 3 splices_active) of 12"
expect_gt "$(cvalue 3 bulk_syncs)" 1 "bulk syncs proxy3 sent (to each peer)"
wait_for 10 owns 3 203.0.113.103 || fail "proxy3 does not own its backend-side VIP"
owns 1 "$VIP" || fail "proxy1 lost $VIP when proxy3 joined"
tcpsplicectl -n proxy3 cluster show

mac_back=$(on proxy3 cat /sys/class/net/eth1/address)
on router ip rule add from 198.51.100.12 lookup 100
on router ip route add 192.0.2.100 via 192.0.2.13 table 100
on backend1 ip neigh replace 203.0.113.101 lladdr "$mac_back" dev eth0 nud permanent
touch /tmp/go
for c in 1 2; do
  eval "wait \$cpid$c" || fail "client$c: $(cat /tmp/scale$c.out)"
  grep -q "bulk_ok=6" "/tmp/scale$c.out" || fail "client$c did not complete"
done

expect_gt "$(cvalue 3 bytes_to_client)" 11999999 "bytes proxy3 carried to clients"
expect_gt "$(cvalue 3 packets_to_backend)" 5 "client2 packets (ACKs, few with GRO) proxy3 carried"
expect_gt "$(cvalue 1 packets_to_backend)" 5 "client1 packets proxy1 still carried"
expect_eq "$(rsts backend1)" "$r0b" "resets at the backend"
expect_eq "$(rsts client1)" "$r0c1" "resets at client1"
expect_eq "$(rsts client2)" "$r0c2" "resets at client2"
echo "proxy3 joined a running cluster, bulk-synced 12 entries and carried $(cvalue 3 bytes_to_client) bytes of them" > /tmp/t-cluster-scale.note
