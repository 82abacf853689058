# Every namespace has its own settings and counters, and sees only its own.
# A namespace gets the module's netfilter hooks with its first splice or
# cluster configuration: before, its packets do not pass them (and are not
# counted).
# kmemleak: checked
# cost: 19
. "$(dirname "$0")/lib.sh"
load_module
ip netns add a
ip netns add b
on a ip link set lo up
on b ip link set lo up
on a tcpsplicectl set --max-splices 11 || fail "set in a"
expect_eq "$(json_get a config.max_splices)" 11 "a's setting"
expect_eq "$(json_get b config.max_splices)" 65536 "b's setting untouched"
expect_eq "$(json_get config.max_splices)" 65536 "init_net's setting untouched"
ca=$(json_get a netns_cookie); cb=$(json_get b netns_cookie)
[ "$ca" != "$cb" ] || fail "cookies equal: $ca"

# TCP traffic inside a only: not seen by the hooks until a has them.
transfer() {
  on a socat -u TCP-LISTEN:7000,bind=127.0.0.1,reuseaddr OPEN:/dev/null,creat &
  nap 0.5
  head -c 200000 /dev/zero | on a socat -u - TCP:127.0.0.1:7000 || fail "transfer in a"
  wait
}
transfer
expect_eq "$(json_get a stats.rx_packets_v4)" 0 "a's rx_packets_v4 with no hooks yet"
head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' > /tmp/netns.key
on a tcpsplicectl cluster set --node-id 1 --key-file /tmp/netns.key || fail "cluster set in a"
transfer
expect_gt "$(json_get a stats.rx_tcp)" 10 "a's rx_tcp"
expect_gt "$(json_get a stats.rx_packets_v4)" 10 "a's rx_packets_v4"
expect_eq "$(json_get b stats.rx_tcp)" 0 "b's rx_tcp"
expect_eq "$(json_get a stats.rx_malformed)" 0 "a's rx_malformed"

# IPv6 is counted separately (b's hooks come with its cluster too).
on b tcpsplicectl cluster set --node-id 2 --key-file /tmp/netns.key || fail "cluster set in b"
on b ping -6 -c 2 -i 0.2 ::1 >/dev/null || fail "ping6 in b"
expect_gt "$(json_get b stats.rx_packets_v6)" 1 "b's rx_packets_v6"
expect_eq "$(json_get b stats.rx_packets_v4)" 0 "b's rx_packets_v4"

# A namespace that goes away takes its state with it; the others keep theirs.
ip netns del a
expect_eq "$(json_get b config.max_splices)" 65536 "b after a is gone"
rmmod tcpsplice || fail "rmmod"
