# shellcheck shell=bash
# The pair of Documentation/deploying.rst ("An active/backup pair on one
# LAN"), built by running the recipe as written: its command blocks in
# their order, each on both nodes (namespaces proxy1 for px1 and proxy2 for
# px2), on px2 with only the differences the text names (node id and peer
# in step 3, the backend-side address in step 4); the proxy started as the
# shipped systemd unit starts it; then step 5's check. The backends are
# nginx on backend1 and backend2 (203.0.113.21 and .22, port 8000), serving
# what tests/lib/client.py asks for; downloads are rate-limited to
# NGINX_RATE a connection (so they run through a failure). Source after
# tests/lib/cluster-lab.sh (crash_proxy, owns, failover_test).
#   recipe_lab_up BULK BYTES   build it; BULK files of BYTES for the downloads
# Where the guest is not a machine, and what stands in:
# - its root is read-only: /etc is a copy in tmpfs, and each node has its
#   own /etc/tcpsplice (ip netns exec binds /etc/netns/NODE/tcpsplice over
#   it), as two machines have;
# - the module is not installed under /lib/modules: the recipe's
#   `modprobe tcpsplice` loads the built tcpsplice.ko the first time;
# - no systemd: the unit's ExecStartPre= and ExecStart= lines run as
#   systemd would run them (tests/lib/units.sh).
. "$TCPSPLICE_TOP/tests/lib/units.sh"
. "$TCPSPLICE_TOP/tests/lib/nginx.sh"
RECIPE_DOC=$TCPSPLICE_TOP/Documentation/deploying.rst
NGINX_RATE=${NGINX_RATE:-100k}
BACKENDS=2

# recipe_run NODE FILE: run the commands of FILE on node NODE (1 or 2)
recipe_run() {
  on "proxy$1" env KO="$KO" bash -euo pipefail -c '
    modprobe() {
      [ "$*" = tcpsplice ] || { command modprobe "$@"; return; }
      grep -q "^tcpsplice " /proc/modules || insmod "$KO"
    }
    . "$1"' recipe "$2" || fail "deploying.rst on px$1: $(cat "$2")"
}

# recipe_px2 FILE SED: px2's version of FILE (FILE.2), which must differ
recipe_px2() {
  sed "$2" "$1" > "$1.2"
  ! cmp -s "$1" "$1.2" || fail "deploying.rst: '$2' changes nothing in: $(cat "$1")"
}

# recipe_unit NODE: start the proxy on NODE as the unit does
recipe_unit() {
  unit_run tcpsplice-proxy.service "ExecStartPre ExecStart" "proxy$1" "/tmp/cluster-proxy$1.log" ||
    fail "px$1: $(cat /tmp/unit-failed)"
}

# recipe_nginx: nginx on backend1 and backend2, and the files it serves
recipe_nginx() {
  local bulk=$1 bytes=$2 b d
  python3 -c '
import os, sys
sys.path.insert(0, sys.argv[1])
from client import expected
bulk, n = int(sys.argv[2]), int(sys.argv[3])
files = [("/tmp/www/seed/bytes/100", 100, 1), ("/tmp/www/seed/bytes/1", 1, 1)]
files += [(f"/tmp/www/seed{k}/bytes/{n}", n, k) for k in range(bulk)]
for path, size, seed in files:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(expected(size, seed))' "$LIB" "$bulk" "$bytes" || fail "the backends' files"
  for b in 1 2; do
    nginx_start "backend$b" "/tmp/nginx-b$b" "  keepalive_requests 100000;
  # rate-limited bodies in small steps (8 kB), not 64 kB bursts a second apart
  sendfile off;
  output_buffers 1 8k;
  server {
    listen 203.0.113.2$b:8000;
    # client.py's paths: /bytes/N?seed=K, and /echo/TEXT answered with TEXT
    location /bytes/ { root /tmp/www/seed\$arg_seed; limit_rate $NGINX_RATE; }
    location ~ ^/echo/(.*)\$ { default_type text/plain; return 200 \$1; }
  }"
  done
}

recipe_lab_up() {
  local blocks n b d=/tmp/recipe
  rm -rf "$d"
  topo_up "${CLIENTS:-1}" "$BACKENDS"
  printf "link add br-sync type bridge\nlink set br-sync up\n" | ip -n router -batch -
  _topo_begin
  for n in 1 2; do _topo_link "proxy$n" sync0 br-sync "10.99.0.$n/24" "fd99::$n/64"; done
  _topo_done || fail "the sync link"
  recipe_nginx "$1" "$2"
  # The machines' own /etc/tcpsplice (the package makes the directory).
  # (tests/vm/run unmounts it after the scenario)
  etc_writable
  mkdir -p /etc/tcpsplice /etc/netns/proxy1/tcpsplice /etc/netns/proxy2/tcpsplice
  blocks=$(python3 "$LIB/recipe.py" "$RECIPE_DOC" "An active/backup pair on one LAN" "$d") ||
    fail "the recipe in deploying.rst"
  expect_eq "$blocks" 4 "command blocks of the pair recipe (steps 1 to 4)"
  # 1. addresses and ARP, on both
  recipe_run 1 $d/1
  recipe_run 2 $d/1
  # 2. the key, copied to px2
  recipe_run 1 $d/2
  cp -p /etc/netns/proxy1/tcpsplice/cluster.key /etc/netns/proxy2/tcpsplice/cluster.key
  # 3. the cluster; on px2 "the same with --node-id 2 --peer 1=10.99.0.1"
  recipe_px2 $d/3 's/--node-id 1 /--node-id 2 /; s/--peer 2=10\.99\.0\.2 /--peer 1=10.99.0.1 /'
  recipe_run 1 $d/3
  # "the nodes may start in any order": px2 starts once px1, alone, has
  # taken every VIP, px2's own backend-side address too, which must still go
  # to px2 once it is ready (checked in step 5; no --preempt here)
  wait_for 30 owns 1 203.0.113.102 || fail "px1, alone, does not stand in for 203.0.113.102"
  recipe_run 2 $d/3.2
  # 4. the proxy's configuration, ".102 on px2", and the unit
  recipe_px2 $d/4 's/^source = \["203\.0\.113\.101"\]/source = ["203.0.113.102"]/'
  cp $d/4 /etc/netns/proxy1/tcpsplice/proxy.toml
  cp $d/4.2 /etc/netns/proxy2/tcpsplice/proxy.toml
  recipe_unit 1
  recipe_unit 2
  # 5. the check: peers up, both ready, each VIP owned on exactly one node
  # (the one its list prefers)
  cluster_trace &
  wait_for 30 'recipe_owned 192.0.2.100 1 && recipe_owned 203.0.113.101 1 && recipe_owned 203.0.113.102 2' ||
    fail "owners after the recipe: $(tcpsplicectl -n proxy1 cluster show; tcpsplicectl -n proxy2 cluster show)"
  for n in 1 2; do
    wait_for 20 "ready $n" || fail "px$n not ready"
    tcpsplicectl -n "proxy$n" cluster show | grep -q "^peer $((3 - n)) .* up" || fail "px$n does not see its peer up"
  done
  for b in 1 2; do
    wait_for 60 on proxy1 curl -sf -o /dev/null "http://203.0.113.2$b:8000/bytes/1" || fail "nginx on backend$b"
  done
  wait_for 30 on client1 curl -sf -o /dev/null "http://$VIP/bytes/1" || fail "no answer on $VIP: $(cat /tmp/cluster-proxy1.log)"
}

# recipe_owned VIP NODE: VIP owned by proxyNODE and not by the other
recipe_owned() { owns "$2" "$1" && ! owns "$((3 - $2))" "$1"; }
