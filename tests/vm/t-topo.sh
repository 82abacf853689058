# The lab topology: every host reaches the others it should, over IPv4 and IPv6,
# and each proxy's namespace has its own tcpsplice state.
. "$(dirname "$0")/lib.sh"
topo_up 2 3
load_module
on client1 ping -c1 -W2 192.0.2.11 >/dev/null || fail "client1 -> proxy1"
on client2 ping -6 -c1 -W2 2001:db8:1::12 >/dev/null || fail "client2 -> proxy2 (v6)"
on proxy1 ping -c1 -W2 203.0.113.23 >/dev/null || fail "proxy1 -> backend3"
on backend1 ping -c1 -W2 198.51.100.11 >/dev/null || fail "backend1 -> client1 (direct route)"
on backend2 ping -6 -c1 -W2 2001:db8:c::12 >/dev/null || fail "backend2 -> client2 (v6)"
on proxy1 socat -u TCP-LISTEN:8080,bind=192.0.2.11 OPEN:/dev/null &
sleep 0.5
head -c 50000 /dev/zero | on client1 socat -u - TCP:192.0.2.11:8080 || fail "client1 -> proxy1 TCP"
wait
expect_gt "$(json_get proxy1 stats.rx_tcp)" 5 "proxy1 rx_tcp"
expect_eq "$(json_get proxy2 stats.rx_tcp)" 0 "proxy2 rx_tcp"
topo_down
rmmod tcpsplice || fail "rmmod"
