# Fault tolerance as Documentation/deploying.rst deploys it: the pair recipe
# ("An active/backup pair on one LAN") run as written (tests/lib/recipe-lab.sh:
# its commands in their order on px1 and px2, the proxy started as the
# shipped unit starts it, as an unprivileged user with the unit's
# capabilities), nginx backends. Then proxy1 splices 16 rate-limited
# downloads and 8 interactive sessions and falls silent in the middle (every
# link cut at once); proxy2 notices the missed heartbeats, takes over both of
# proxy1's VIPs (the client-side VIP and the backend-side address proxy1
# connected from) with the replicated entries already installed, announces
# them, and every transfer completes byte-exact with no reset or abort at the
# client or the backends, none on the wire; new connections are answered
# from the takeover on, and each download's stall across the takeover is
# within the detection time plus 1 s (p50) and 2 s (max), each interactive
# session's exchange across it within plus 2 s (p50) and 4 s (max). Issue
# 16's target (every connection within plus 1 s) held in two CI runs of
# 2026-12-07 with 16 downloads (max +0.35 s) and failed in a third (one
# interactive exchange +1.84 s, the guest at 0 % idle from 1 s to 7 s
# after the cut): on these emulated guests it is a benchmark figure
# (failover_test, where the measurements behind the bounds are). (The same with proxy1's whole guest
# killed: tests/pair/run.)
# timeout: 900
# cost: 70
# cpus: 2
. "$(dirname "$0")/lib.sh"
. "$TCPSPLICE_TOP/tests/lib/cluster-lab.sh"
. "$TCPSPLICE_TOP/tests/lib/recipe-lab.sh"
FAILOVER_BYTES=600000
FAILOVER_STALL_LIMITS="1000 2000 2000 4000"
# 16 downloads at 100 kB/s each: this guest runs everything on a debug
# kernel under emulation, and 40 of them (CI, 2026-12-07) kept it at 0 %
# idle from before the cut to 17 s after it, softirqs half of it: the stalls
# then measured the guest's scheduler. The soak runs 100.
FAILOVER_BULK=16
recipe_lab_up "$FAILOVER_BULK" "$FAILOVER_BYTES"
failover_test "crash_proxy 1" "links cut"
