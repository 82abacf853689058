# Restarts without loss (issue 20): 50 spliced downloads running and a new
# connection every 200 ms while a second tcpsplice-proxy starts on the same
# addresses (SO_REUSEPORT) and the first gets SIGTERM and drains. Every
# download completes byte-exact (spliced connections are the kernel's), every
# new connection is answered, none refused or reset (the closing listener's
# queue moves to the new one: net.ipv4.tcp_migrate_req = 1), the old proxy
# exits cleanly after its drain, the new one splices what comes after, and
# no client or backend sees a reset.
# cost: 40
. "$(dirname "$0")/lib.sh"
. "$TCPSPLICE_TOP/tests/lib/splice-lab.sh"
splice_lab_up "drain_timeout_ms = 20000"
on proxy1 sysctl -qw net.ipv4.tcp_migrate_req=1
r0c=$(rsts client1) r0b=$(rsts backend1)
rm -f /tmp/go /tmp/restart-go
# 50 downloads paced at 20 kB/s (300 kB, 15 s each): 1 MB/s in all, which
# this one-CPU guest carries.
on client1 env FAILOVER_RATE=20000 python3 "$LIB/client.py" 192.0.2.11 80 www failover 50 300000 0 0 /tmp/go > /tmp/restart.out 2>&1 &
cpid=$!
wait_for 180 grep -q ready /tmp/restart.out || fail "connections not up: $(cat /tmp/restart.out)"
wait_for 60 'test "$(kernel_value splices_active)" -ge 50' || fail "spliced $(kernel_value splices_active) of 50"
touch /tmp/go
on client1 python3 "$LIB/client.py" 192.0.2.11 80 www connector 200 20 /tmp/restart-go > /tmp/connector.out 2>&1 &
npid=$!
touch /tmp/restart-go
# The handover while connections arrive: the old proxy has handled new
# ones (its debug log says so for each splice or relay), the new one
# starts and handles some too, then the old one is told to go.
handled() { grep -cE 'spliced as|relaying in userspace' "$1"; }
wait_for 60 '[ "$(handled "$PROXY_LOG")" -gt 50 ]' || fail "the old proxy handled no new connection: $(tail -3 "$PROXY_LOG")"
old=$PROXY_PID
ip netns exec proxy1 env TCPSPLICE_PROXY_DEBUG=1 tcpsplice-proxy --config /tmp/splice-proxy.toml 2> /tmp/splice-proxy2.log &
new=$!
wait_for 60 '[ "$(handled /tmp/splice-proxy2.log)" -gt 0 ]' || fail "the new proxy handled no connection: $(cat /tmp/splice-proxy2.log)"
kill -TERM "$old"
wait "$old" || fail "the old proxy did not exit cleanly"
grep -q "draining: accepting no more" "$PROXY_LOG" || fail "no drain logged: $(tail -3 "$PROXY_LOG")"
wait "$npid" || fail "new connections: $(cat /tmp/connector.out)"
cat /tmp/connector.out
m() { sed -n "s/.*\b$1=\([-0-9]*\).*/\1/p" /tmp/connector.out; }
expect_gt "$(m attempts)" 50 "new connections tried across the restart"
expect_eq "$(m ok)" "$(m attempts)" "new connections answered across the restart"
wait "$cpid" || fail "downloads across the restart: $(cat /tmp/restart.out)"
grep -q "bulk_ok=50 " /tmp/restart.out || fail "not every download completed: $(cat /tmp/restart.out)"
expect_eq "$(rsts client1)" "$r0c" "resets at the client"
expect_eq "$(rsts backend1)" "$r0b" "resets at the backend"
# Both served new connections (the kernel spreads a reuseport group's
# connections by their addresses), each spliced or relayed (a client gone
# before the splice).
old_last=$(tail -1 "$PROXY_LOG")
old_connections=$(sed -n 's/.* connections=\([0-9]*\).*/\1/p' <<<"$old_last")
PROXY_PID=$new PROXY_LOG=/tmp/splice-proxy2.log
proxy_stop
echo "old proxy: $old_last; new proxy: $PROXY_LAST; $(m attempts) new connections" > /tmp/t-proxy-restart.note
expect_gt "$old_connections" 51 "connections the old proxy took (the 50 downloads, the readiness probe and new ones)"
expect_gt "$(proxy_relayed connections)" 0 "connections the new proxy took"
expect_gt "$(proxy_relayed spliced)" 0 "connections the new proxy spliced"
