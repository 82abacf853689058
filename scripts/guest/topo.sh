# shellcheck shell=bash
# Named test hosts as network namespaces, for scenarios run inside the VM.
# Source it, then call topo_up; every host is a namespace of the same name.
#
#   client1..N  198.51.100.1N/24  2001:db8:c::1N/64     (front LAN)
#   router      198.51.100.1      2001:db8:c::1          bridges br-front,
#               192.0.2.1         2001:db8:1::1          br-lan and br-back,
#               203.0.113.1       2001:db8:b::1          forwards between them
#   proxy1..2   192.0.2.1N        2001:db8:1::1N  eth0   (service LAN; the VIP
#               203.0.113.1N      2001:db8:b::1N  eth1    192.0.2.100 lives here)
#   backend1..N 203.0.113.2N      2001:db8:b::2N         (backend LAN; default
#                                                         route via the router,
#                                                         so it can reach clients)
# All addresses are documentation ranges and exist only inside the guest.
#
#   topo_up [CLIENTS [BACKENDS]]   build it (default 1 client, 2 backends;
#                                  TOPO_PROXIES="2" makes only proxy2)
#   topo_down                      remove every namespace it made
#   on HOST CMD...                 run CMD in HOST's namespace
#   topo_hosts                     the hosts that exist

TOPO_VIP4=192.0.2.100
TOPO_VIP6=2001:db8:1::100
TOPO_HOSTS=()

on() { local h=$1; shift; ip netns exec "$h" "$@"; }

# Every process costs about half a second under emulation on the debug
# kernel, so the topology is built with as few as possible: the `ip`
# commands for each namespace are queued (_topo_q) and run as one
# `ip -n NS -batch -` each when the outermost topology call returns
# (_topo_done), the router's first, since it creates the veth pairs whose
# ends the other namespaces configure.
declare -A TOPO_Q=()
TOPO_QORDER=()
TOPO_DEPTH=0
# _topo_q NS CMD: queue the ip command CMD (without "ip") for namespace NS
_topo_q() {
  [ -n "${TOPO_Q[$1]+x}" ] || TOPO_QORDER+=("$1")
  TOPO_Q[$1]+="$2"$'\n'
}
_topo_begin() { TOPO_DEPTH=$((TOPO_DEPTH + 1)); }
# _topo_done: leave a topology call; the outermost one runs the queue
_topo_done() {
  TOPO_DEPTH=$((TOPO_DEPTH - 1))
  [ "$TOPO_DEPTH" = 0 ] || return 0
  local ns rc=0
  for ns in router "${TOPO_QORDER[@]}"; do
    [ -n "${TOPO_Q[$ns]:-}" ] || continue
    printf '%s' "${TOPO_Q[$ns]}" | ip -n "$ns" -batch - || rc=1
    TOPO_Q[$ns]=""
  done
  TOPO_Q=() TOPO_QORDER=()
  return $rc
}

# _topo_ns NAME: a namespace with lo up and no duplicate address detection
# (default.accept_dad before any link of it exists, so it holds for all)
_topo_ns() {
  _topo_begin
  ip netns add "$1"
  on "$1" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
  _topo_q "$1" "link set lo up"
  TOPO_HOSTS+=("$1")
  _topo_done
}

# _topo_link HOST IFNAME BRIDGE ADDR4/LEN ADDR6/LEN: a veth from HOST's IFNAME
# to a port of the router's BRIDGE
_topo_link() {
  local host=$1 ifn=$2 br=$3 a4=$4 a6=$5 peer="${1:0:8}-${2}"
  _topo_begin
  _topo_q router "link add $ifn netns $host type veth peer name $peer"
  _topo_q router "link set $peer master $br up"
  _topo_q "$host" "link set $ifn up"
  _topo_q "$host" "addr add $a4 dev $ifn"
  _topo_q "$host" "addr add $a6 dev $ifn nodad"
  _topo_done
}

# _topo_host HOST BRIDGE ADDR4/LEN ADDR6/LEN GW4 GW6: a namespace with eth0 on
# BRIDGE and default routes via the router.
_topo_host() {
  _topo_begin
  _topo_ns "$1"
  _topo_link "$1" eth0 "$2" "$3" "$4"
  _topo_q "$1" "route add default via $5"
  _topo_q "$1" "route add ::/0 via $6"
  _topo_done
}

topo_up() {
  local clients=${1:-1} backends=${2:-2} i
  mkdir -p /run/netns
  _topo_begin
  _topo_ns router
  on router sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
  local br a4 a6
  for spec in "br-front 198.51.100.1/24 2001:db8:c::1/64" \
              "br-lan 192.0.2.1/24 2001:db8:1::1/64" \
              "br-back 203.0.113.1/24 2001:db8:b::1/64"; do
    read -r br a4 a6 <<<"$spec"
    _topo_q router "link add $br type bridge"
    _topo_q router "link set $br up"
    _topo_q router "addr add $a4 dev $br"
    _topo_q router "addr add $a6 dev $br nodad"
  done
  for i in $(seq 1 "$clients"); do
    _topo_host "client$i" br-front "198.51.100.1$i/24" "2001:db8:c::1$i/64" 198.51.100.1 2001:db8:c::1
  done
  for i in ${TOPO_PROXIES:-1 2}; do
    _topo_host "proxy$i" br-lan "192.0.2.1$i/24" "2001:db8:1::1$i/64" 192.0.2.1 2001:db8:1::1
    _topo_link "proxy$i" eth1 br-back "203.0.113.1$i/24" "2001:db8:b::1$i/64"
  done
  for i in $(seq 1 "$backends"); do
    _topo_host "backend$i" br-back "203.0.113.2$i/24" "2001:db8:b::2$i/64" 203.0.113.1 2001:db8:b::1
  done
  _topo_done
}

topo_down() {
  local h
  for h in "${TOPO_HOSTS[@]}"; do ip netns del "$h" 2>/dev/null; done
  TOPO_HOSTS=()
}

topo_hosts() { printf '%s\n' "${TOPO_HOSTS[@]}"; }
