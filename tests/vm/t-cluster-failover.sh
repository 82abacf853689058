# Fault tolerance: proxy1 splices 40 bulk downloads and 8 interactive
# sessions and falls silent in the middle (every link cut at once); proxy2 notices the
# missed heartbeats, takes over both of proxy1's VIPs (the client-side VIP
# and the backend-side address proxy1 connected from) with the replicated
# entries already installed, announces them, and every transfer completes
# byte-exact with no reset at the client or the backend. (The same with
# proxy1's whole guest killed: tests/pair/run.) The nodes run without
# --preempt, as Documentation/deploying.rst configures them, and proxy2
# starts after proxy1 has taken every VIP: it still gets its own
# backend-side address.
# timeout: 900
. "$(dirname "$0")/lib.sh"
. "$TCPSPLICE_TOP/tests/lib/cluster-lab.sh"
CLUSTER_PREEMPT=0
cluster_lab_up
failover_test "crash_proxy 1" "links cut"
