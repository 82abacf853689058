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

_topo_ns() {
  ip netns add "$1"
  on "$1" ip link set lo up
  on "$1" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
  TOPO_HOSTS+=("$1")
}

# _topo_link HOST IFNAME BRIDGE ADDR4/LEN ADDR6/LEN
_topo_link() {
  local host=$1 ifn=$2 br=$3 a4=$4 a6=$5 peer="${1:0:8}-${2}"
  ip link add "$ifn" netns "$host" type veth peer name "$peer" netns router
  on router ip link set "$peer" master "$br" up
  on "$host" ip link set "$ifn" up
  on "$host" ip addr add "$a4" dev "$ifn"
  on "$host" ip -6 addr add "$a6" dev "$ifn" nodad
}

# _topo_host HOST BRIDGE ADDR4/LEN ADDR6/LEN GW4 GW6: a namespace with eth0 on
# BRIDGE and default routes via the router.
_topo_host() {
  _topo_ns "$1"
  _topo_link "$1" eth0 "$2" "$3" "$4"
  on "$1" ip route add default via "$5"
  on "$1" ip -6 route add default via "$6"
}

topo_up() {
  local clients=${1:-1} backends=${2:-2} i
  mkdir -p /run/netns
  _topo_ns router
  on router sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
  local br a4 a6
  for spec in "br-front 198.51.100.1/24 2001:db8:c::1/64" \
              "br-lan 192.0.2.1/24 2001:db8:1::1/64" \
              "br-back 203.0.113.1/24 2001:db8:b::1/64"; do
    read -r br a4 a6 <<<"$spec"
    on router ip link add "$br" type bridge
    on router ip link set "$br" up
    on router ip addr add "$a4" dev "$br"
    on router ip -6 addr add "$a6" dev "$br" nodad
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
}

topo_down() {
  local h
  for h in "${TOPO_HOSTS[@]}"; do ip netns del "$h" 2>/dev/null; done
  TOPO_HOSTS=()
}

topo_hosts() { printf '%s\n' "${TOPO_HOSTS[@]}"; }
