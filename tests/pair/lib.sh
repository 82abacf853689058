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

# pair_qemu_args OUT: set qa and qb, guest A's and guest B's QEMU options for
# the three wires (unix sockets in OUT); A writes its QEMU pid to
# OUT/a/qemu.pid, for the kill.
pair_qemu_args() {
  local out=$1 i w
  qa="-pidfile $out/a/qemu.pid" qb=""
  for i in 1 2 3; do
    w=${PAIR_WIRES[$((i - 1))]}
    qa+=" -netdev stream,id=$w,server=on,addr.type=unix,addr.path=$out/$w.sock -device virtio-net-pci,netdev=$w,mac=$(pair_mac a "$i")"
    qb+=" -netdev stream,id=$w,server=off,addr.type=unix,addr.path=$out/$w.sock -device virtio-net-pci,netdev=$w,mac=$(pair_mac b "$i")"
  done
}

# pair_wait_wires OUT: wait (at most 60 s) until guest A listens on every wire.
pair_wait_wires() {
  local i w missing
  for i in $(seq 300); do
    missing=0
    for w in "${PAIR_WIRES[@]}"; do [ -S "$1/$w.sock" ] || missing=1; done
    [ $missing = 0 ] && return 0
    sleep 0.2
  done
  return 1
}
