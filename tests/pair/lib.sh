# shellcheck shell=bash
# The wires between the two guests of tests/pair/run. Wire N (1: service
# LAN, 2: backend LAN, 3: sync LAN) is a virtio NIC with the MAC
# 52:54:00:00:0G:0N in guest G (a: proxy1's guest, b: the lab guest), both
# ends on one QEMU stream socket. The guest kernel names the NICs in probe
# order, so scripts find them by MAC.
PAIR_WIRES=(lan back sync)

# pair_mac GUEST N: the MAC of wire N in GUEST (a or b)
pair_mac() { echo "52:54:00:00:0$1:0$2"; }

# pair_nic MAC: the interface with that MAC, in this namespace
pair_nic() { ip -o link | awk -v m="$1" 'index($0, "link/ether " m " ") { sub(/:$/, "", $2); print $2 }'; }

# pair_take GUEST N NS NAME: move wire N's NIC into NS as NAME, up.
pair_take() {
  local dev
  dev=$(pair_nic "$(pair_mac "$1" "$2")")
  [ -n "$dev" ] || fail "no NIC for wire $2 ($(pair_mac "$1" "$2"))"
  ip link set "$dev" netns "$3"
  ip -n "$3" link set "$dev" name "$4"
  ip -n "$3" link set "$4" up
}
