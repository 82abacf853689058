# Lifecycle under load, the short soak: while spliced downloads and
# interactive sessions run through proxy1 and sync runs to proxy2, proxy1
# takes 3000 replicas from a third node, then the cluster key is rotated on
# both nodes, the third node is configured away, and proxy2's namespace is
# destroyed; every transfer still completes byte-exact. Then the module is
# unloaded under new spliced traffic and the 3000 entries. After the unload
# kmemleak must find nothing (an object leaked in any round is still
# unreferenced then: one scan finds them all, at a third of the time that a
# scan after each round took); the slab memory before and after is reported
# (scripts/soak repeats this with the fuzzers and crashes for longer).
# kmemleak: checked
# timeout: 900
# cost: 116
. "$(dirname "$0")/lib.sh"
. "$TCPSPLICE_TOP/tests/lib/cluster-lab.sh"
REPLICAS=${REPLICAS:-3000}
slab0=$(slab_kb)
cluster_lab_up
client() { on client1 python3 "$LIB/client.py" "$VIP" 80 www "$@"; }
# Node 3 is this script, on the sync LAN.
ip netns add node3
on node3 ip link set lo up
_topo_link node3 sync0 br-sync 10.99.0.3/24 fd99::3/64
cluster_set 1 1 2 3 || fail "add node 3 to proxy1"
wait_for 10 'on node3 ping -c 1 -W 1 10.99.0.1 > /dev/null' || fail "sync LAN to node 3"

rm -f /tmp/go
client failover 10 1000000 5 45 /tmp/go > /tmp/life-client.out 2>&1 &
load=$!
wait_for 240 grep -q ready /tmp/life-client.out || fail "connections not up: $(cat /tmp/life-client.out)"
wait_for 60 'test "$(cvalue 2 splices_active)" -ge 15' || fail "proxy2 holds $(cvalue 2 splices_active) of 15"
touch /tmp/go

# Round 1: thousands of entries arrive from node 3.
inst0=$(cvalue 1 replicas_installed)
on node3 python3 "$LIB/syncmsg.py" "$KEYFILE" 10.99.0.1 7010 bulk 3 1 "$(date +%s%N)" "$REPLICAS" ||
  fail "node 3's updates"
wait_for 30 'test "$(( $(cvalue 1 replicas_installed) - inst0 ))" -ge "$REPLICAS"' ||
  fail "replicas from node 3: $(( $(cvalue 1 replicas_installed) - inst0 )) of $REPLICAS"
expect_gt "$(cvalue 1 splices_active)" "$((REPLICAS - 1))" "entries on proxy1"
# A dump of thousands of entries (dozens of rounds): each entry once, in order.
listed=$(tcpsplicectl -n proxy1 --json list | python3 -c '
import json, sys
ids = [e["id"] for e in json.load(sys.stdin)]
print(len(ids) if ids == sorted(set(ids)) else "repeated or out of order")')
expect_gt "$listed" "$((REPLICAS - 1))" "entries in the dump of proxy1's table"

# Round 2: a new key on both nodes, one after the other, with more than
# the failure-detection time between them: the rotation is hitless (each
# node accepts both keys and answers each peer in the key it hears).
takeovers0=$(cvalue 2 takeovers) failures0=$(( $(cvalue 1 peer_failures) + $(cvalue 2 peer_failures) ))
head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$KEYFILE"
cluster_set 1 1 2 3 || fail "new key on proxy1"
nap 2
cluster_set 2 1 2 || fail "new key on proxy2"
nap 2
expect_gt "$(cvalue 1 sync_rx_old_key)" 0 "datagrams proxy1 took under the old key"
expect_eq "$(cvalue 2 takeovers)" "$takeovers0" "takeovers during the key rotation"
expect_eq "$(( $(cvalue 1 peer_failures) + $(cvalue 2 peer_failures) ))" "$failures0" "peers taken for dead during the key rotation"
dmesg | grep -q "node 2: key rotation done" || fail "proxy2 did not finish its rotation"
old_key_rx=$(cvalue 2 sync_rx_old_key) old_key_rx1=$(cvalue 1 sync_rx_old_key)
nap 1
expect_eq "$(cvalue 2 sync_rx_old_key)" "$old_key_rx" "old-key datagrams after proxy2's rotation ended"

# Round 3: node 3 configured away; its entries stay until they expire.
cluster_set 1 1 2 || fail "remove node 3"
# Node 3 never took the new key; without it, every peer of proxy1 has.
wait_for 5 'dmesg | grep -q "node 1: key rotation done"' || fail "proxy1 did not finish its rotation"
# (the transfers' own entries may have finished by now)
expect_gt "$(cvalue 1 splices_active)" "$((REPLICAS - 1))" "entries on proxy1 after node 3 left"

# Round 4: proxy2's namespace goes, with its replicas, socket and timers.
# shellcheck disable=SC2046
kill $(ip netns pids proxy2) 2>/dev/null
ip netns del proxy2
wait "$load" || fail "transfers: $(cat /tmp/life-client.out)"
echo "transfers through the rounds: $(tail -1 /tmp/life-client.out)"
wait_for 10 'tcpsplicectl -n proxy1 cluster show | grep -q "^peer 2 .* down"' || fail "proxy1 did not notice proxy2 going"

# Round 5: unload under new spliced traffic and the thousands of entries.
client hold 20 600 > /tmp/life-hold.out 2>&1 &
holder=$!
wait_for 120 'test "$(cvalue 1 splices_active)" -ge $((REPLICAS + 20))' ||
  fail "new splices: $(cvalue 1 splices_active); the holding client: $(cat /tmp/life-hold.out); proxy1: $(tail -5 /tmp/cluster-proxy1.log)"
client interactive 20 600 > /dev/null 2>&1 &
talker=$!
nap 2
entries=$(cvalue 1 splices_active)
# shellcheck disable=SC2046
kill $(ip netns pids proxy1) 2>/dev/null
rmmod tcpsplice || fail "rmmod with $entries entries"
kill $holder $talker 2>/dev/null
wait $holder $talker 2>/dev/null
ip netns del proxy1
ip netns del node3
kmemleak_check "after the rounds and the unload"
echo "key rotation: proxy1 took $old_key_rx1 datagrams under the old key, no takeover; rmmod with $entries entries; slab ${slab0} kB before the lab, $(slab_kb) kB after the unload" > /tmp/t-lifecycle.note
