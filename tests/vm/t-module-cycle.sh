# Load and unload the module 6 times (CYCLE_ROUNDS) while TCP traffic flows
# and a namespace is created and destroyed every round (before or after the
# load, alternately: three rounds of each order). Each round gives both
# namespaces their hooks (a cluster configuration) while traffic flows.
# vm-run's kmemleak scan and report check catch leaks and warnings.
# Each exec costs most of a second under TCG with KASAN, so this one is slow.
# kmemleak: checked
# timeout: 1200
# cost: 42
. "$(dirname "$0")/lib.sh"
rounds=${CYCLE_ROUNDS:-6}
ip netns add traffic
on traffic ip link set lo up
on traffic socat -u TCP-LISTEN:7001,bind=127.0.0.1,fork,reuseaddr OPEN:/dev/null &
srv=$!
nap 0.5
# Paced: a connection every 50 ms keeps packets flowing through the hooks at
# every load and unload without saturating the emulated CPUs.
( while :; do head -c 20000 /dev/zero | on traffic socat -u - TCP:127.0.0.1:7001 2>/dev/null; sleep 0.05; done ) &
gen=$!
trap 'kill $gen $srv 2>/dev/null' EXIT
head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' > /tmp/cycle.key

for i in $(seq 1 "$rounds"); do
  if [ $((i % 2)) = 0 ]; then ip netns add "round$i"; fi
  load_module
  if [ $((i % 2)) = 1 ]; then ip netns add "round$i"; fi
  ip -n "round$i" link set lo up
  for n in traffic "round$i"; do
    on "$n" tcpsplicectl cluster set --node-id 1 --key-file /tmp/cycle.key || fail "round $i: cluster set in $n"
  done
  on "round$i" ping -c 1 -W 1 127.0.0.1 >/dev/null || fail "round $i: ping"
  expect_gt "$(value "round$i" rx_packets_v4)" 0 "round $i: counted in the new namespace"
  expect_gt "$(value traffic rx_tcp)" 0 "round $i: traffic counted"
  if [ $((i % 2)) = 0 ]; then ip netns del "round$i"; fi
  rmmod tcpsplice || fail "round $i: rmmod"
  if [ $((i % 2)) = 1 ]; then ip netns del "round$i"; fi
done
echo "$rounds rounds in ${SECONDS}s"
