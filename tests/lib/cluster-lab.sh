# shellcheck shell=bash
# Two proxies in a cluster, for scenarios: client1 -> router -> VIP
# 192.0.2.100 (owned by proxy1, then proxy2) -> backend1. Each proxy connects
# to backends from its own backend-side VIP (203.0.113.101 for proxy1,
# .102 for proxy2), which the cluster moves with it. Sync runs over its own
# LAN (sync0 on br-sync: 10.99.0.N). Every node has every VIP on lo and
# lets the module answer ARP for the ones it owns (arp_ignore=1,
# arp_announce=2), as Documentation/cluster.rst says.
# Source after tests/vm/lib.sh.
#   cluster_lab_up [PROXIES]   build it, configure the cluster, wait for
#                              proxy1 to own the VIPs; start the proxies
#                              unless PROXIES is "noproxy"
#   cluster_set NODE NODES..   (re)configure proxyNODE in a cluster of NODES
#   cluster_node N             add proxyN (namespace, links, VIPs, config)
#   proxy_start N              start proxyN's tcpsplice-proxy
#   owns NODE VIP              whether proxyNODE says it owns VIP
#   cvalue NODE NAME           a counter of proxyNODE
#   wait_for SECS 'CMD'        poll CMD (evaluated anew each time, so quote
#                              command substitutions) for SECS seconds
#   failover_test CUT WHAT     downloads and interactive sessions on proxy1
#                              (FAILOVER_BULK, 40, and FAILOVER_INTERACTIVE,
#                              8), CUT makes it fail, proxy2 must carry every
#                              one to the end (WHAT names CUT)
# SPLIT=1: split splices to backend1, which runs the module as backend
# node 21 (Documentation/split.rst); with CLUSTER_VIP6 also an IPv6 pool
# (Host v6.example.com) of backend 32 at 2001:db8:b::22, which the scenario
# adds (split_backend6).
# CLUSTER_INTERVAL and CLUSTER_MISSES set the failure detection (100 ms, 10),
# TRACE_NODES the nodes cluster_trace watches (1 2); CLUSTER_VIP6 adds an
# IPv6 VIP owned like $VIP; CLIENTS and BACKENDS size the lab (1 and 1).
LIB=$TCPSPLICE_TOP/tests/lib
VIP=192.0.2.100
KEYFILE=/tmp/cluster.key

# cluster_set NODE NODES...: configure proxyNODE in a cluster of NODES. Each
# node's backend-side VIP 203.0.113.10N prefers node N, then the others.
cluster_set() {
  local n=$1 m args=(); shift
  local all=("$@") owners
  for m in "${all[@]}"; do
    [ "$m" = "$n" ] || args+=(--peer "$m=10.99.0.$m")
    owners=$m
    for o in "${all[@]}"; do [ "$o" = "$m" ] || owners+=",$o"; done
    args+=(--vip "203.0.113.10$m=$owners")
  done
  owners=$(IFS=,; echo "${all[*]}")
  [ -n "${CLUSTER_VIP6:-}" ] && args+=(--vip "$CLUSTER_VIP6=$owners")
  [ -n "${SPLIT:-}" ] && args+=(--backend-peer 21=203.0.113.21)
  [ -n "${SPLIT:-}" ] && [ -n "${CLUSTER_VIP6:-}" ] && args+=(--backend-peer 32=2001:db8:b::22)
  tcpsplicectl -n "proxy$n" cluster set --node-id "$n" --key-file "$KEYFILE" \
    --interval "${CLUSTER_INTERVAL:-100}" --misses "${CLUSTER_MISSES:-10}" --preempt --vip "$VIP=$owners" "${args[@]}"
}

# cluster_node N: proxyN's namespace with its service, backend and sync links,
# every VIP on lo, and its proxy's configuration (proxy1 and proxy2 exist
# already, from topo_up).
cluster_node() {
  local n=$1 a
  _topo_begin
  if [ ! -e "/run/netns/proxy$n" ]; then
    _topo_host "proxy$n" br-lan "192.0.2.1$n/24" "2001:db8:1::1$n/64" 192.0.2.1 2001:db8:1::1
    _topo_link "proxy$n" eth1 br-back "203.0.113.1$n/24" "2001:db8:b::1$n/64"
  fi
  ip -n "proxy$n" link show sync0 > /dev/null 2>&1 ||
    _topo_link "proxy$n" sync0 br-sync "10.99.0.$n/24" "fd99::$n/64"
  on "proxy$n" sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2
  for a in "$VIP" 203.0.113.101 203.0.113.102 203.0.113.103; do _topo_q "proxy$n" "addr add $a/32 dev lo"; done
  [ -z "${CLUSTER_VIP6:-}" ] || _topo_q "proxy$n" "addr add $CLUSTER_VIP6/128 dev lo"
  _topo_done || fail "proxy$n's links and addresses"
  cat > "/tmp/cluster-proxy$n.toml" <<TOML
default_pool = "web"
head_timeout_ms = 60000
source = ["203.0.113.10$n"]
wait_sync = true
metrics = "127.0.0.1:9180"
[[listen]]
address = "$VIP:80"
[[pool]]
name = "web"
backends = [$(for b in $(seq 1 "${BACKENDS:-1}"); do printf '"203.0.113.2%s:8000",' "$b"; done)]
health_interval_ms = 0
${SPLIT:+split = true}
TOML
  [ -n "${SPLIT:-}" ] && [ -n "${CLUSTER_VIP6:-}" ] && cat >> "/tmp/cluster-proxy$n.toml" <<TOML
[[listen]]
address = "[$CLUSTER_VIP6]:80"
[[pool]]
name = "web6"
backends = ["[2001:db8:b::22]:8000"]
health_interval_ms = 0
split = true
[[route]]
host = "v6.example.com"
pool = "web6"
TOML
}

proxy_start() {
  ip netns exec "proxy$1" tcpsplice-proxy --config "/tmp/cluster-proxy$1.toml" 2> "/tmp/cluster-proxy$1.log" &
}

owns() { tcpsplicectl -n "proxy$1" cluster show 2>/dev/null | grep -q "^vip $2 .* owned$"; }

cvalue() { value "proxy$1" "$2"; }

# crash_proxy N: proxyN falls silent at once, as a machine that loses power
# does: its three ports on the router's bridges are disabled in one batch.
# (Setting its own links down is no crash: each close waits for RCU grace
# periods, under load seconds apart in the emulated guest, and the sync
# link, closed last, kept the heartbeats going for 6 s after the data links
# had gone: the demo's late detection and long stall.) revive_proxy N puts
# it back on the wire.
crash_proxy() { _proxy_ports "$1" 0; }
revive_proxy() { _proxy_ports "$1" 3; }
_proxy_ports() {
  printf 'link set dev proxy%s-%s state %s\n' "$1" eth0 "$2" "$1" eth1 "$2" "$1" sync0 "$2" |
    bridge -n router -batch -
}


ready() { tcpsplicectl -n "proxy$1" cluster show | grep -q "ready true"; }

cluster_lab_up() {
  topo_up "${CLIENTS:-1}" "${BACKENDS:-1}"
  load_module
  local b
  for b in $(seq 1 "${BACKENDS:-1}"); do
    on "backend$b" python3 "$LIB/backend.py" "203.0.113.2$b" 8000 >/dev/null 2>&1 &
  done
  printf "link add br-sync type bridge\nlink set br-sync up\n" | ip -n router -batch -
  head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$KEYFILE"
  local n
  for n in 1 2; do
    cluster_node "$n"
    cluster_set "$n" 1 2 || fail "cluster set on proxy$n"
  done
  [ -z "${SPLIT:-}" ] || split_backend1
  cluster_trace &
  wait_for 20 ready 1 || fail "proxy1 not ready"
  wait_for 20 ready 2 || fail "proxy2 not ready"
  wait_for 10 owns 1 "$VIP" || fail "proxy1 does not own $VIP"
  wait_for 10 owns 2 203.0.113.102 || fail "proxy2 does not own 203.0.113.102"
  for b in $(seq 1 "${BACKENDS:-1}"); do
    for i in {1..100}; do on proxy1 curl -s -o /dev/null "http://203.0.113.2$b:8000/bytes/1" && break; nap 0.2; done
  done
  [ "${1:-}" = noproxy ] && return
  for n in 1 2; do proxy_start "$n"; done
  wait_for 20 on client1 curl -sf -o /dev/null "http://$VIP/bytes/1" || fail "no answer on $VIP"
}


# A trace of the nodes' cluster state, every 10 s, shown on failure: two
# processes a node and a round (each costs about half a second under
# emulation, and the trace must not load the guest it watches).
cluster_trace() {
  local n show stats line
  while :; do
    for n in ${TRACE_NODES:-1 2}; do
      show=$(tcpsplicectl -n "proxy$n" cluster show 2>&1)
      stats=$(tcpsplicectl -n "proxy$n" stats 2>&1)
      printf '%(%T)T proxy%s %s\n  ' -1 "$n" "${show//$'\n'/;}"
      while read -r line; do
        case $line in sync*|peer*|bulk*|replicas*|takeovers*|releases*|splices_active*) printf '%s ' "$line" ;; esac
      done <<<"$stats"
      echo
    done
    nap 10
  done > "${TRACE_LOG:-/tmp/cluster-trace.log}" 2>&1
}

trap 'rc=$?; [ $rc = 0 ] || { tail -8 /tmp/cluster-trace.log | cut -c1-400; for n in ${TRACE_NODES:-1 2}; do echo "--- proxy$n"; tail -5 /tmp/cluster-proxy$n.log; done; cat /tmp/failed 2>/dev/null; }; exit $rc' EXIT

# failover_test CUT WHAT: FAILOVER_BULK bulk downloads (default 40, of
# FAILOVER_BYTES each, default 400000; FAILOVER_RATE: each paced by the
# backend to that many bytes a second) and FAILOVER_INTERACTIVE interactive
# sessions (default 8) spliced on proxy1, held by proxy2 before anything
# happens; then CUT (a command) makes proxy1 fail mid-transfer. (The soak
# runs 100 and 20: more connections of the same kind prove nothing more in
# the test command, and each costs the emulated guest time.)
# proxy2 must notice, take both of proxy1's VIPs over, announce them, and
# every transfer must complete byte-exact with no reset or abort at any
# client or backend of this guest (counters), none on their links for an
# open connection (captured); detection within twice the configured
# interval x misses; new connections, one every 200 ms from the cut on,
# must all be answered, and from the takeover on (the service LAN's
# capture, lan_handshakes) every SYN must reach proxy2 and be answered
# within 1 s. Writes what it measured to the scenario's note. proxy1 may run elsewhere
# (another guest): what only its namespace can tell is then skipped,
# proxy2's replica count proves the splices.
failover_test() {
  local cut=$1 what=$2 r0 cpid npid mon detect port note new_ms take_ms h hs cfg ends stalls lp50 lmax dumps=()
  local bulk=${FAILOVER_BULK:-40} inter=${FAILOVER_INTERACTIVE:-8} all
  all=$((bulk + inter))
  note=/tmp/$(basename "$0" .sh).note
  # The clients and backends of this guest: what must see no reset.
  ends=$(ip netns list | awk '$1 ~ /^(client|backend)[0-9]+$/ { print $1 }')
  r0=$(endpoint_resets $ends)
  rm -f /tmp/go /tmp/go.started /tmp/cut
  on client1 env FAILOVER_RATE="${FAILOVER_RATE:-}" python3 "$LIB/client.py" "$VIP" 80 www failover "$bulk" "${FAILOVER_BYTES:-400000}" "$inter" "${FAILOVER_INTERACTIVE_SECS:-8}" /tmp/go > /tmp/failover.out 2>&1 &
  cpid=$!
  # New connections from the cut on: one every 200 ms for 5 s. Ahead of the
  # load in the scheduler (nice -10): under emulation the process otherwise
  # waits up to 0.7 s for a CPU between two attempts, which measured the
  # guest's scheduler, not when the VIP answered.
  on client1 nice -n -10 python3 "$LIB/client.py" "$VIP" 80 www connector 200 5 /tmp/cut > /tmp/connector.out 2>&1 &
  npid=$!
  # Resets on the wire, with the FINs that tell an open connection's reset
  # from one answering a segment of a closed connection, and the SYNs that
  # start a connection anew on a tuple.
  for h in $ends; do
    on "$h" tcpdump -l -tt -nn -i eth0 -s 96 'tcp[tcpflags] & (tcp-rst|tcp-fin|tcp-syn) != 0' > "/tmp/wire-$h.txt" 2> "/tmp/wire-$h.err" &
    dumps+=($!)
  done
  # The service LAN as the router sees it: ARP and handshakes, to tell where
  # new connections wait after the takeover (lan_events).
  # (--immediate-mode: a packet reaches the file when it is captured, not
  # when a buffer block is handed over, so the kill below loses none)
  on router tcpdump -l --immediate-mode -nn -e -tt -i br-lan -s 96 'arp or (tcp[tcpflags] & tcp-syn != 0)' > /tmp/lan.txt 2> /dev/null &
  dumps+=($!)
  wait_for 180 grep -q ready /tmp/failover.out || fail "connections not up: $(cat /tmp/failover.out)"
  if ip netns list | grep -qw proxy1; then
    wait_for 30 'test "$(cvalue 1 splices_active)" -ge $all' || fail "proxy1 spliced $(cvalue 1 splices_active) of $all"
  fi
  # Every connection held by proxy2 before the failure.
  wait_for 60 'test "$(cvalue 2 replicas_installed)" -ge $all' || fail "proxy2 holds $(cvalue 2 replicas_installed) of $all"
  if ip netns list | grep -qw proxy1; then
    expect_eq "$(cvalue 1 sync_unacked)" 0 "updates proxy2 has not acknowledged"
  fi
  # What client1's link carried to it: every segment with data from the
  # VIP, for the stalls as the network delivered them (wire_stalls).
  # (Written raw, with a 16 MiB buffer: formatting every packet in the
  # loaded guest lost a tenth of them.)
  capture_vip_data client1 /tmp/data.pcap 2> /tmp/data.err &
  dumps+=($!)
  # FAILOVER_BACKEND_PCAP=1 (with FAILOVER_KEEP): backend1's link too, for
  # the backend's retransmissions (every packet: it loads the guest)
  : > /tmp/back.pcap
  if [ -n "${FAILOVER_BACKEND_PCAP:-}" ]; then
    on backend1 tcpdump -B 16384 -s 96 -w /tmp/back.pcap -i eth0 'tcp port 8000' 2> /dev/null &
    dumps+=($!)
  fi
  tcpsplicectl -n proxy2 reset-stats
  tcpsplicectl -n proxy2 --json monitor --cluster --count 3 > /tmp/events &
  mon=$!
  nap 2 # subscribed before anything happens
  # The guest's CPU time, every 0.5 s for 20 s (builtins only: no process
  # starts), for the note (cpu_timeline).
  # And the softirqs by kind from here to the note (softirq_counts).
  cat /proc/softirqs > /tmp/softirqs.0
  ( for _ in {1..40}; do read -r l < /proc/stat; echo "$EPOCHREALTIME $l"; nap 0.5; done > /tmp/cpu.txt ) &
  touch /tmp/go
  # The failure in the middle of every transfer: each has data already.
  wait_for 60 "[ -e /tmp/go.started ]" || fail "the transfers did not all start: $(cat /tmp/failover.out)"
  # (the time after CUT returns: under load the cut itself, a process
  # and a netlink batch, takes up to 1.4 s to be in effect)
  $cut
  : > /tmp/cut
  date +%s.%N > /tmp/cut.epoch
  echo "tcpsplice-test: the cut returned" > /dev/kmsg
  wait_for 60 owns 2 "$VIP" || fail "proxy2 did not take $VIP over"
  wait "$mon" || fail "monitor"
  cat /tmp/events
  grep -q '"event":"peer_down","node":1' /tmp/events || fail "no peer_down event"
  grep -q '"event":"takeover","node":2,"vip":"192.0.2.100"' /tmp/events || fail "no takeover event"
  detect=$(dmesg | sed -n 's/.*node 1 declared dead after \([0-9]*\) ms.*/\1/p' | tail -1)
  owns 2 203.0.113.101 || fail "proxy2 did not take proxy1's backend-side VIP over"
  ( nap 20; on client1 ss -tino > /tmp/ss-client; on backend1 ss -tino > /tmp/ss-backend
    tcpsplicectl -n proxy2 list > /tmp/list2 ) &
  if ! wait "$cpid"; then
    echo "client, 20 s after: $(grep -c backoff /tmp/ss-client) connections backing off"
    grep -B1 backoff /tmp/ss-client | head -6
    echo "backend:"; grep -B1 backoff /tmp/ss-backend | head -6
    port=$(sed -n 's/.*(port \([0-9]*\),.*/\1/p' /tmp/failover.out | head -1)
    grep -A1 ":$port " /tmp/ss-client; grep ":$port\b" /tmp/list2
    echo "proxy2: $(wc -l < /tmp/list2) entries; $(tcpsplicectl -n proxy2 stats | grep -E '^(drop_|replicas_|splices_|nudge_|packets_)' | tr -s ' \n' ' ')"
    echo "backend1 neighbours: $(ip -n backend1 neigh | tr '\n' ';')"
    echo "router neighbours: $(ip -n router neigh | tr '\n' ';')"
    fail "transfers: $(cat /tmp/failover.out)"
  fi
  cat /tmp/failover.out
  grep -q "bulk_ok=$bulk interactive_ok=$inter" /tmp/failover.out || fail "not every connection completed"
  wait "$npid" || fail "new connections: $(cat /tmp/connector.out)"
  cat /tmp/connector.out
  nap 1 # the captures write what they hold
  kill "${dumps[@]}" 2> /dev/null
  wait "${dumps[@]}" 2> /dev/null
  m() { sed -n "s/.*\b$1=\([-0-9]*\).*/\1/p" "${2:-/tmp/failover.out}"; }
  new_ms=$(m first_connect_ms /tmp/connector.out)
  # The takeover, in ms after the mark of the cut (both in dmesg's clock),
  # for the note. The mark is when CUT returned, which is not when the
  # failure happened with the two-guest crash (the host's poll kills the
  # other guest while CUT's 9p write and sync take up to 5 s under load),
  # and client1's own times include its scheduling (starved for 2.5 s after
  # a takeover in the two-guest crash while the LAN showed SYN-ACKs within
  # 1 ms): the assertion on new connections reads the LAN capture.
  dmesg_at() { dmesg | sed -n "s/^\[ *\([0-9]*\)\.\([0-9]*\)\] $1\$/\1\2/p" | tail -1; }
  take_ms=$(( ($(dmesg_at "tcpsplice: node 2 owns VIP $VIP now") - $(dmesg_at "tcpsplice-test: the cut returned")) / 1000 ))
  echo "$what: failure detected after ${detect:-?} ms of silence; bulk transfers' longest gap p50 $(m bulk_stall_p50_ms) ms, p90 $(m bulk_stall_p90_ms) ms, max $(m stall_ms) ms; interactive worst $(m interactive_worst_ms) ms ($bulk bulk, $inter interactive, all byte-exact); proxy2 owned $VIP ${take_ms} ms after the mark of the cut; new connections as client1 saw them: the first handshake ${new_ms} ms after the mark ($(( new_ms - take_ms )) ms after the takeover), the first answer $(m first_ok_ms /tmp/connector.out) ms, $(m ok /tmp/connector.out) of $(m attempts /tmp/connector.out) answered, the proxy's median time from handshake to answer $(m answer_p50_ms /tmp/connector.out) ms" > "$note"
  echo "the longest gap between two data segments to client1 on its link, per connection (interactive ones send a request every 100 ms): $(tcpdump -nn -tt -S -r /tmp/data.pcap 2> /dev/null | wire_stalls); $(grep -h 'dropped by kernel' /tmp/data.err)" >> "$note"
  echo "the guest's CPUs from the mark on (s: user+nice/system/softirq/idle %): $(cpu_timeline "$(cat /tmp/cut.epoch)" < /tmp/cpu.txt)" >> "$note"
  cat /proc/softirqs > /tmp/softirqs.1
  echo "softirqs from the start of the transfers to here ($(( $(date +%s) - $(cut -d. -f1 /tmp/cut.epoch) )) s after the mark), by kind (both CPUs): $(softirq_counts /tmp/softirqs.0 /tmp/softirqs.1)" >> "$note"
  echo "proxy2: $(tcpsplicectl -n proxy2 stats | grep -E '^(drop_|nudge_|sync_(silence|tick_late|rx_late)_max_ms|sync_rx_drops)' | tr '\n' ' ')" >> "$note"
  echo "resets on the wire answering closed connections: $(wire_resets closed $ends)" >> "$note"
  expect_eq "$(endpoint_resets $ends)" "$r0" "connections reset or aborted at the clients and backends (EstabResets, TCPAbortOn*)"
  if [ "$(wire_resets open $ends)" != 0 ]; then
    # each such connection's handshakes, ends and resets, on both links
    for h in $ends; do
      echo "resets on $h's link ($(grep -h 'dropped by kernel' "/tmp/wire-$h.err")):"
      awk '/Flags \[[^]]*R/ { print $3; print $5 }' "/tmp/wire-$h.txt" | sed 's/:$//' | sort -u | head -8 |
        while read -r e; do echo "  $e:"; grep -h -F "$e" /tmp/wire-*.txt | sort -n | cut -c1-140 | head -12; done
    done
    echo "new connections: $(cat /tmp/connector.out)"
    echo "proxy2: $(tcpsplicectl -n proxy2 stats | grep -E '^(drop_|replicas_|splices_)' | tr -s ' \n' ' ')"
  fi
  expect_eq "$(wire_resets open $ends)" 0 "resets on the wire for open connections"
  expect_eq "$(m ok /tmp/connector.out)" "$(m attempts /tmp/connector.out)" "new connections answered"
  hs=$(lan_handshakes < /tmp/lan.txt)
  echo "new connections on the service LAN from the takeover (the new owner's first gratuitous ARP) on: $hs" >> "$note"
  hv() { sed -n "s/.*\b$1=\([-0-9.a-z]*\).*/\1/p" <<<"$hs"; }
  stalls=$(tcpdump -nn -tt -S -r /tmp/data.pcap 2> /dev/null | wire_takeover_stalls "$(hv garp_at)")
  # FAILOVER_KEEP=DIR: what the note is computed from, kept there
  [ -z "${FAILOVER_KEEP:-}" ] || cp /tmp/data.pcap /tmp/lan.txt /tmp/cut.epoch /tmp/cpu.txt /tmp/failover.out /tmp/back.pcap "$FAILOVER_KEEP"/
  echo "the stall across the takeover on client1's link, per download (last data segment before the new owner's first gratuitous ARP to the first after), and per interactive session the exchange under way at the takeover (its request's first transmission to its answer's last segment): $stalls" >> "$note"
  if [ "$(hv syns)" -lt 1 ] || [ "$(hv unanswered)" != 0 ] || [ "$(hv misdirected)" != 0 ] || [ "$(hv max_ms)" -gt 1000 ]; then
    cat "$note"
    echo "service LAN from the mark on (ms): $(lan_events "$(cat /tmp/cut.epoch)" 6000 < /tmp/lan.txt)"
    echo "router: $(ip -n router neigh show dev br-lan | tr '\n' ';')"
    echo "proxy2: $(ip -n proxy2 neigh | tr '\n' ';')"
    echo "proxy2: $(on proxy2 nstat -asz | awk '$1 ~ /Listen|ReqQFull|SynRetrans|TCPSYNChallenge/ { printf "%s %s ", $1, $2 }')"
    fail "new connections from the takeover on: every SYN to the new owner answered within 1 s, none to another MAC ($hs)"
  fi
  cfg=$(tcpsplicectl -n proxy2 cluster show | sed -n 's/.* interval \([0-9]*\) ms misses \([0-9]*\) .*/\1 \2/p')
  [ -n "$detect" ] && [ "$detect" -le $(( 2 * ${cfg% *} * ${cfg#* } )) ] ||
    fail "failure detected after ${detect:-?} ms of silence, configured ${cfg% *} ms x ${cfg#* }"
  # Every connection stalled from the failure to its first segment after
  # the takeover: the detection, then the takeover's prompt (probes, then
  # kicks for peers waiting on their retransmission timer; see the core's
  # nudge.rs). Measured under emulation with the prompt (ms over the
  # detection time): detection 0.5 s: downloads p50 0.2 to 0.35 s, max 0.36
  # to 0.56 s; interactive exchanges p50 0.55 to 1.1 s (each trip of the
  # prompt, probe, answers, kick, retransmission, crosses a guest that
  # 40 downloads resuming at once keep busy: 100-250 ms a trip);
  # detection 2 s: p50 0.7, max 1.1; without the prompt at 2 s: p50 2.2,
  # max 3.4 (the back-off).
  sv() { sed -n "s/.*\b$1=\([0-9]*\).*/\1/p" <<<"$stalls"; }
  # (A transfer that ended before the failure has no stall: with the
  # two-guest crash the kill comes up to seconds after CUT is asked for.)
  expect_gt "$(sv connections)" $((bulk / 2 - 1)) "connections with a stall measured across the takeover"
  [ "$inter" = 0 ] || expect_gt "$(sv interactive)" 0 "interactive sessions with an exchange timed across the takeover"
  # FAILOVER_STALL_LIMITS="P50 MAX [IP50 IMAX]": the most ms over the
  # detection time allowed for the downloads' stalls and (IP50, IMAX;
  # default P50, MAX) for the interactive sessions' exchanges across the
  # takeover
  if [ -n "${FAILOVER_STALL_LIMITS:-}" ]; then
    read -r lp50 lmax ip50 imax <<<"$FAILOVER_STALL_LIMITS"
    within() { [ "$(sv "$1p50_ms")" -le $(( detect + $2 )) ] && [ "$(sv "$1max_ms")" -le $(( detect + $3 )) ]; }
    within "" "$lp50" "$lmax" && { [ "$inter" = 0 ] || within interactive_ "${ip50:-$lp50}" "${imax:-$lmax}"; } || {
      cat "$note"
      fail "stalls across the takeover ($stalls) over detection ($detect ms) + $FAILOVER_STALL_LIMITS ms (downloads p50, max; interactive p50, max)"
    }
  fi
  expect_gt "$(cvalue 2 nudge_probes)" $((bulk - 1)) "probes to the peers of the connections taken over"
  expect_gt "$(cvalue 2 nudge_kicks)" 0 "peers kicked out of retransmission back-off"
  expect_gt "$(cvalue 2 sync_silence_max_ms)" 0 "the longest silence of proxy1 while it lived, in ms"
  # (at least five a connection: with GRO on, one packet may carry 64 kB)
  expect_gt "$(cvalue 2 packets_to_client)" $((all * 5)) "packets proxy2 carried to the client"
  expect_eq "$(cvalue 2 takeovers)" 2 "VIPs proxy2 took over"
  expect_gt "$(cvalue 2 announcements)" 1 "gratuitous ARPs"
  expect_eq "$(cvalue 2 peer_failures)" 1 "peer failures detected"
  expect_eq "$(tcpsplicectl -n proxy2 stats | awk '$1 == "peer1.failures" { print $2 }')" 1 "proxy1's failures seen by proxy2"
  expect_eq "$(cvalue 2 drop_malformed)" 0 "malformed drops at proxy2"
}

# lan_events EPOCH MS < CAPTURE: from 2 s before EPOCH (seconds) to MS ms
# after it, the ARP packets of failover_test's service-LAN capture, the
# first SYN after EPOCH and the VIP's first SYN-ACK, each as "ms what (source
# MAC > destination MAC)"
lan_events() {
  awk -v t0="$1" -v end="$2" -v vip="$VIP" "$_LAN_FIELDS"'
    ms < -2000 || ms > end { next }
    /ethertype ARP/ { printf "%d %s (%s); ", ms, what, smac ">" dmac; next }
    ms >= 0 && /Flags \[S\]/ && !syn { syn = 1; printf "%d first SYN %s (%s); ", ms, what, smac ">" dmac }
    ms >= 0 && /Flags \[S\.\]/ && index(what, vip ".") == 1 && !ack { ack = 1; printf "%d first SYN-ACK %s (%s); ", ms, what, smac ">" dmac }'
}

# lan_handshakes < CAPTURE: new connections to the VIP from its takeover on,
# as the service LAN saw them. The takeover is the new owner's first
# gratuitous ARP for the VIP; from then on every client SYN to the VIP must
# go to the new owner's MAC (misdirected: those 100 ms or more after it that
# did not) and be answered with a SYN-ACK. Prints garp_at (epoch s), syns
# (SYNs to the new owner), answered, unanswered, misdirected, first_ms (the
# first SYN-ACK, ms after the ARP) and max_ms (the longest SYN to SYN-ACK).
# Kernel timestamps of one capture: the guest's scheduling of the clients
# does not enter.
lan_handshakes() {
  awk -v vip="$VIP" -v t0=0 "$_LAN_FIELDS"'
    /ethertype ARP/ && what == "Request who-has " vip " tell " vip && !garp { garp = $1; owner = smac; next }
    !garp || !/Flags \[S/ { next }
    /Flags \[S\]/ {
      split(what, w, " "); if (w[3] != vip ".80:") next
      if (dmac != owner) { if ((ms - garp * 1000) >= 100) bad++; next }
      if (!(w[1] in sent)) { sent[w[1]] = ms; syns++ }
      next }
    /Flags \[S\.\]/ {
      split(what, w, " "); k = w[3]; sub(/:$/, "", k)
      if (w[1] != vip ".80" || !(k in sent) || (k in done)) next
      done[k] = 1; n++; d = ms - sent[k]; if (d > max) max = d
      if (first == "") first = int(ms - garp * 1000) }
    END { printf "garp_at=%s syns=%d answered=%d unanswered=%d misdirected=%d first_ms=%s max_ms=%d\n",
      garp ? garp : "none", syns, n, syns - n, bad, first == "" ? -1 : first, max }'
}

# cpu_timeline EPOCH < SAMPLES: from lines "EPOCHREALTIME cpu user nice
# system idle iowait irq softirq ...", each interval as "s u/s/si/id" (its
# end in s after EPOCH, the shares of its jiffies in %)
cpu_timeline() {
  tr , . | awk -v t0="$1" '$2 == "cpu" {
      if (n++) { tot = 0; for (i = 3; i <= 10; i++) { d[i] = $i - p[i]; tot += d[i] }
        if (tot > 0) printf "%.1f %d/%d/%d/%d; ", $1 - t0, 100 * (d[3] + d[4]) / tot, 100 * (d[5] + d[8]) / tot, 100 * d[9] / tot, 100 * (d[6] + d[7]) / tot }
      for (i = 3; i <= 10; i++) p[i] = $i }'
}

# capture_vip_data HOST FILE: every IPv4 data segment between HOST and the
# VIP's port 80, both ways, on HOST's eth0, raw into FILE (for wire_stalls
# and wire_takeover_stalls, which read it as tcpdump -nn -tt -S prints it),
# until killed
capture_vip_data() {
  on "$1" tcpdump -B 16384 -s 80 -w "$2" -i eth0 \
    "host $VIP and port 80 and (ip[2:2] - ((ip[0] & 0xf) << 2) - ((tcp[12] & 0xf0) >> 2)) > 0"
}

# softirq_counts BEFORE AFTER: two copies of /proc/softirqs; each kind's
# count between them, summed over the CPUs ("NET_RX=123 TIMER=45 ...")
softirq_counts() {
  awk 'NR == FNR { for (i = 2; i <= NF; i++) b[$1] += $i; next }
    FNR > 1 { s = 0; for (i = 2; i <= NF; i++) s += $i; sub(/:$/, "", $1); printf "%s=%d ", $1, s - b[$1 ":"] }' "$1" "$2"
}

# _vip_segments: tcpdump -nn -tt -S lines of capture_vip_data's segments
# as "TIME DIR CONN END": DIR "in" from the VIP to the client, "out" the
# other way; CONN the client's address.port; END the segment's last
# sequence number
_vip_segments() {
  awk '$2 == "IP" && match($0, / seq [0-9]+:[0-9]+/) {
      split(substr($0, RSTART + 5, RLENGTH - 5), r, ":")
      a = $3; b = $5; sub(/:$/, "", b)
      if (a ~ /\.80$/) print $1, "in", b, r[2]; else print $1, "out", a, r[2] }'
}

# _quantiles NAME < MS-PER-LINE: "NAME=count NAME_p50_ms=.. NAME_p90_ms=..
# NAME_max_ms=.." (NAME empty: "connections=count p50_ms=.. ...")
_quantiles() {
  sort -n | awk -v name="$1" 'function q(f,  i) { i = int(NR * f) + 1; return v[i > NR ? NR : i] }
    { v[NR] = $1 }
    END { p = name == "" ? "" : name "_"; c = name == "" ? "connections" : name
      if (!NR) { printf "%s=0\n", c; exit }
      printf "%s=%d %sp50_ms=%d %sp90_ms=%d %smax_ms=%d\n", c, NR, p, q(0.5), p, q(0.9), p, v[NR] }'
}

# wire_stalls < CAPTURE (tcpdump -nn -tt -S): the longest gap between two
# data segments to the client on one connection, across the connections
# with five such segments or more (not the new connections' single
# answers): their count, p50, p90, max in ms
wire_stalls() {
  _vip_segments | awk '$2 == "in" { k = $3; if (k in last && $1 - last[k] > gap[k]) gap[k] = $1 - last[k]; last[k] = $1; n[k]++ }
    END { for (k in n) if (n[k] >= 5) print int(gap[k] * 1000) }' | _quantiles ""
}

# wire_takeover_stalls EPOCH < CAPTURE (tcpdump -nn -tt -S): the stalls
# across the takeover at EPOCH (the new owner's first gratuitous ARP).
# Downloads (a single request, five data segments to the client or more):
# from the connection's last segment to the client before EPOCH to its
# first after; nothing reaches a client between the failure and the
# takeover, so this is the stall from the last byte before the failure to
# the first after. Interactive sessions (three requests or more): between
# two exchanges a session has no byte to stall, and its next request waits
# on the client program (starved for seconds in a saturated guest), so the
# exchange under way at EPOCH is timed on the wire instead: from its
# request's first transmission (before the failure, or between it and the
# takeover) to the last segment of its answer (the last from the VIP
# before the session's next request: an answer arrives in two segments,
# head and body, and a failure between them stalls the exchange as much as
# one before its first). A session between exchanges at EPOCH has none. Prints "connections= p50_ms= p90_ms= max_ms=" for the
# downloads and "interactive= interactive_p50_ms= ..." for the sessions.
wire_takeover_stalls() {
  local segs
  segs=$(_vip_segments)
  echo "$(awk -v at="$1" '$2 == "out" { if (!(($3, $4) in seen)) { seen[$3, $4] = 1; req[$3]++ } next }
      { k = $3; n[k]++; if ($1 <= at) before[k] = $1; else if (!(k in after)) after[k] = $1 }
      END { for (k in n) if (req[k] < 3 && n[k] >= 5 && (k in before) && (k in after)) print int((after[k] - before[k]) * 1000) }' <<<"$segs" | _quantiles "")" \
    "$(awk -v at="$1" 'function done(k) { if ((k in asked) && asked[k] <= at && last[k] > at) span[k] = last[k] - asked[k]; delete asked[k]; delete last[k] }
      $2 == "out" { k = $3; if (!(($3, $4) in seen)) { seen[$3, $4] = 1; req[k]++; done(k); asked[k] = $1 } next }
      ($3 in asked) { last[$3] = $1 }
      END { for (k in asked) done(k); for (k in req) if (req[k] >= 3 && (k in span)) print int(span[k] * 1000) }' <<<"$segs" | _quantiles interactive)"
}

# The fields of one line of tcpdump -nn -e -tt: ms (after t0), smac, dmac,
# what (from the addresses on, without sequence numbers and lengths).
_LAN_FIELDS='
    { ms = ($1 - t0) * 1000; smac = $2; dmac = $4; sub(/,$/, "", dmac)
      what = ""; if (match($0, /length [0-9]+: /)) what = substr($0, RSTART + RLENGTH)
      sub(/, (seq|length|ack|win) .*/, "", what) }'

# endpoint_resets HOSTS...: connections of HOSTS reset while open (rsts)
# or aborted (TCPAbortOnData, OnClose, OnMemory, OnTimeout, OnLinger), summed
endpoint_resets() {
  local h sum=0
  for h in "$@"; do
    sum=$(( sum + $(rsts "$h") + $(on "$h" awk '/^TcpExt:/ { if (!h) { for (i = 2; i <= NF; i++) n[i] = $i; h = 1 }
      else { for (i = 2; i <= NF; i++) if (n[i] ~ /^TCPAbortOn/) s += $i; print s + 0; exit } }' /proc/net/netstat) ))
  done
  echo "$sum"
}

# wire_resets open|closed HOSTS...: the resets failover_test's captures saw
# on HOSTS' links for connections still open (no FIN seen on that 4-tuple
# before), or answering segments of connections that had closed
wire_resets() {
  local which=$1 h; shift
  for h in "$@"; do cat "/tmp/wire-$h.txt"; done | awk -v which="$which" '
    # "TIME IP A.p > B.q: Flags [R.], ..."; a connection is its two ends in order
    { a = $3; b = $5; sub(/:$/, "", b); k = (a < b) ? a " " b : b " " a }
    /Flags \[S\]/ { delete fin[k] }
    /Flags \[[^]]*F/ { fin[k] = 1 }
    /Flags \[[^]]*R/ { if (k in fin) closed++; else open++ }
    END { print (which == "open") ? open + 0 : closed + 0 }'
}

# split_backend1 [ARGS]: (re)configure backend1 as backend node 21 of the
# proxies, with ARGS added (more peers).
split_backend1() {
  tcpsplicectl -n backend1 cluster set --node-id 21 --backend --key-file "$KEYFILE" \
    --interval "${CLUSTER_INTERVAL:-100}" --misses "${CLUSTER_MISSES:-10}" \
    --peer 1=203.0.113.11 --peer 2=203.0.113.12 "$@" || fail "cluster set on backend1"
}

# split_backend6: backend2, IPv6 only, as backend node 32 of the proxies
# (over IPv6), serving the web6 pool.
split_backend6() {
  _topo_host backend2 br-back 203.0.113.22/24 2001:db8:b::22/64 203.0.113.1 2001:db8:b::1
  on backend2 python3 "$LIB/backend.py" 2001:db8:b::22 8000 > /dev/null 2>&1 &
  wait_for 60 on backend2 curl -sf -o /dev/null "http://[2001:db8:b::22]:8000/bytes/1" ||
    fail "backend2 does not serve"
  tcpsplicectl -n backend2 cluster set --node-id 32 --backend --key-file "$KEYFILE" \
    --interval "${CLUSTER_INTERVAL:-100}" --misses "${CLUSTER_MISSES:-10}" \
    --peer 1=2001:db8:b::11 --peer 2=2001:db8:b::12 || fail "cluster set on backend2"
}
