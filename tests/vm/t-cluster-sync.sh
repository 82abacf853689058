# The sync channel: forged, replayed, truncated, wrong-version and wrong-key
# datagrams change no table entry and are each counted by reason; then
# replication of 20 splices under 20% loss, duplication and reordering on
# the sync link still converges (entries appear on the peer, and go when
# they end).
# timeout: 900
# cost: 75
. "$(dirname "$0")/lib.sh"
. "$TCPSPLICE_TOP/tests/lib/cluster-lab.sh"
cluster_lab_up noproxy
forge() { local from=$1 to=$2; shift 2; on "$from" python3 "$LIB/syncmsg.py" "$KEYFILE" "$to" 7010 "$@"; }
inc=$(tcpsplicectl -n proxy2 --json cluster show | jq -er .incarnation)
# Enough heartbeats that counter 1 is far behind the replay window.
wait_for 30 'test "$(cvalue 1 sync_rx)" -gt 100' || fail "heartbeats are not flowing"
# A genuine datagram from proxy2, captured on its way in.
on proxy1 timeout 20 tcpdump -q -i sync0 -c 1 -w /tmp/sync.pcap udp and src 10.99.0.2 2>/dev/null ||
  fail "no sync datagram captured"
for c in truncated malformed bad_tag version replayed unknown_peer; do eval "r0_$c=\$(cvalue 1 sync_reject_$c)"; done

# One Python start-up for the nine from proxy2 (each costs seconds under
# emulation), in this order:
#   shorter than a header; no magic; the wrong key; a version we do not
#   speak; an old incarnation; a counter long used; a genuine datagram,
#   again; a node that is not a peer; addressed to another node.
forge proxy2 10.99.0.1 garbage 3 + garbage 300 \
  + add 2 1 "$inc" 999999 00112233445566778899aabbccddeeff \
  + version 2 1 "$inc" 999998 + add 2 1 1 999997 + add 2 1 "$inc" 1 \
  + replay /tmp/sync.pcap + add 3 1 "$inc" 999996 + add 2 9 "$inc" 999994
forge client1 192.0.2.11 add 2 1 "$inc" 999995         # node 2, but not from its address
nap 1
expect_eq "$(cvalue 1 sync_reject_truncated)" $((r0_truncated + 1)) "truncated datagrams"
expect_eq "$(cvalue 1 sync_reject_malformed)" $((r0_malformed + 1)) "datagrams without magic"
expect_eq "$(cvalue 1 sync_reject_bad_tag)" $((r0_bad_tag + 1)) "datagrams with a wrong key"
expect_eq "$(cvalue 1 sync_reject_version)" $((r0_version + 1)) "datagrams of another version"
expect_eq "$(cvalue 1 sync_reject_replayed)" $((r0_replayed + 3)) "replayed datagrams"
expect_eq "$(cvalue 1 sync_reject_unknown_peer)" $((r0_unknown_peer + 3)) "datagrams from non-peers"
expect_eq "$(cvalue 1 splices_active)" 0 "entries on proxy1"
expect_eq "$(cvalue 1 replicas_installed)" 0 "replicas installed on proxy1"
ready 1 || fail "proxy1 no longer ready"
tcpsplicectl -n proxy1 cluster show | grep -q "^peer 2 10.99.0.2 up" || fail "proxy1 lost its peer"

# Replication over a lossy, duplicating, reordering sync link.
for n in 1 2; do on "proxy$n" tc qdisc add dev sync0 root netem delay 5ms loss 20% duplicate 10% reorder 25%; done
for n in 1 2; do proxy_start "$n"; done
wait_for 20 on client1 curl -sf -o /dev/null "http://$VIP/bytes/1" || fail "no answer on $VIP"
rm -f /tmp/go
on client1 python3 "$LIB/client.py" "$VIP" 80 www failover 20 100000 0 0 /tmp/go > /tmp/sync-client.out 2>&1 &
hold=$!
wait_for 240 grep -q ready /tmp/sync-client.out || fail "connections not up: $(cat /tmp/sync-client.out)"
wait_for 60 'test "$(cvalue 1 splices_active)" -ge 20' || fail "proxy1 spliced $(cvalue 1 splices_active) of 20"
# The open connections of each node (a finished one may linger longer on
# one node than on the other).
tuples() { tcpsplicectl -n "proxy$1" --json list | jq -c '[.[] | select(.state == "open") | [.client.remote, .backend.local]] | sort'; }
if ! wait_for 60 'test "$(tuples 2)" = "$(tuples 1)"'; then
  tcpsplicectl -n proxy1 list; tcpsplicectl -n proxy2 list
  fail "tables differ: $(cvalue 1 splices_active) entries on proxy1, $(cvalue 2 splices_active) on proxy2"
fi
touch /tmp/go
wait "$hold" || fail "connections: $(cat /tmp/sync-client.out)"
# Closed: finished on proxy1, reported, gone everywhere after the linger.
wait_for 90 'test "$(cvalue 1 splices_active)" = 0' || fail "proxy1 keeps $(cvalue 1 splices_active) entries"
wait_for 90 'test "$(cvalue 2 splices_active)" = 0' || fail "proxy2 keeps $(cvalue 2 splices_active) entries"
expect_gt "$(cvalue 1 sync_retransmitted)" 0 "retransmitted updates"
# The same, per peer (tcpsplicectl stats: peerN.*).
pstat() { tcpsplicectl -n "proxy$1" stats | awk -v k="$2" '$1 == k { print $2 }'; }
expect_gt "$(pstat 1 peer2.retransmitted)" 0 "proxy1's retransmissions to proxy2"
expect_gt "$(pstat 2 peer1.rx)" 0 "datagrams proxy2 took from proxy1"
# Every connection ended on one node and was reported to the other. Under
# this much loss on a loaded TCG guest a heartbeat gap can, rarely, exceed
# the 1 s detection time: proxy2 then takes the VIP for a while and ends
# some connections itself, reporting them to proxy1. Both are correct.
ended=$(( $(cvalue 1 replicas_ended) + $(cvalue 2 replicas_ended) ))
expect_gt "$ended" 19 "ends reported to the other node"
falsely=$(cvalue 2 peer_failures)
echo "ends reported: to proxy2 $(cvalue 2 replicas_ended), to proxy1 $(cvalue 1 replicas_ended); proxy1 taken for dead by proxy2 $falsely times" > /tmp/t-cluster-sync.note
expect_eq "$(cvalue 1 sync_unacked)" 0 "updates not acknowledged"
