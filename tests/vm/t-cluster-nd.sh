# IPv6 VIPs: neighbour discovery answered only by the owner. Every proxy has
# 2001:db8:1::100 on lo, where the kernel does not answer solicitations from
# other links; the module answers them for the VIPs its node owns and joins
# their solicited-node groups. A ping from the router reaches proxy1, the
# owner; after proxy1 fails, proxy2's unsolicited advertisement moves the
# router's neighbour entry, and fresh solicitations are answered by proxy2;
# when proxy1 returns and takes the VIP back (preempt), proxy2 leaves the
# group again.
# kmemleak: checked
# timeout: 600
# cost: 41
. "$(dirname "$0")/lib.sh"
CLUSTER_VIP6=2001:db8:1::100
. "$TCPSPLICE_TOP/tests/lib/cluster-lab.sh"
VIP6=$CLUSTER_VIP6 GROUP=ff02::1:ff00:100
cluster_lab_up noproxy
wait_for 10 owns 1 "$VIP6" || fail "proxy1 does not own $VIP6"
mac1=$(on proxy1 cat /sys/class/net/eth0/address)
mac2=$(on proxy2 cat /sys/class/net/eth0/address)
lladdr() { on router ip -6 neigh show "$VIP6" | sed -n 's/.* lladdr \([0-9a-f:]*\).*/\1/p'; }
joined() { on "proxy$1" ip -6 maddr show dev eth0 | grep -q "$GROUP"; }

on router ping -6 -c 2 -W 5 "$VIP6" > /dev/null || fail "no answer from $VIP6"
expect_eq "$(lladdr)" "$mac1" "router's neighbour entry for $VIP6"
expect_gt "$(cvalue 1 nd_replies)" 0 "solicitations proxy1 answered"
expect_eq "$(cvalue 2 nd_replies)" 0 "solicitations proxy2 answered"
joined 1 || fail "proxy1 did not join $GROUP on eth0"
joined 2 && fail "proxy2 joined $GROUP without owning $VIP6"

# proxy1 fails; proxy2 takes over and announces.
crash_proxy 1
wait_for 30 owns 2 "$VIP6" || fail "proxy2 did not take $VIP6 over"
wait_for 10 '[ "$(lladdr)" = "$mac2" ]' || fail "unsolicited advertisement did not move the router's entry: $(lladdr)"
joined 2 || fail "proxy2 did not join $GROUP"
on router ip -6 neigh flush dev br-lan
on router ping -6 -c 2 -W 5 "$VIP6" > /dev/null || fail "no answer from $VIP6 after the takeover"
expect_eq "$(lladdr)" "$mac2" "router's neighbour entry after a fresh solicitation"
expect_gt "$(cvalue 2 nd_replies)" 0 "solicitations proxy2 answered"

# proxy1 returns: it syncs, takes its VIPs back, and proxy2 lets go.
revive_proxy 1
wait_for 60 owns 1 "$VIP6" || fail "proxy1 did not take $VIP6 back"
wait_for 10 '! owns 2 "$VIP6"' || fail "proxy2 still owns $VIP6"
wait_for 10 '! joined 2' || fail "proxy2 did not leave $GROUP"
joined 1 || fail "proxy1 is not in $GROUP"
on router ip -6 neigh flush dev br-lan
on router ping -6 -c 2 -W 5 "$VIP6" > /dev/null || fail "no answer from $VIP6 after the hand-back"
expect_eq "$(lladdr)" "$mac1" "router's neighbour entry after the hand-back"
echo "nd_replies: proxy1 $(cvalue 1 nd_replies), proxy2 $(cvalue 2 nd_replies)" > /tmp/t-cluster-nd.note
