# shellcheck shell=bash
# Helpers for scenarios run inside the guest by tests/vm/run.
set -u
# Under TCPSPLICE_TEST_TRACE (bash -x), every traced line with the time.
[ -z "${TCPSPLICE_TEST_TRACE:-}" ] || PS4='+ ${EPOCHREALTIME} '
. "${TCPSPLICE_TOP:?}/scripts/guest/topo.sh"
KO=${TCPSPLICE_KO:-$TCPSPLICE_TOP/tcpsplice.ko}

fail() { echo "FAIL: $*"; echo "FAIL: $*" > /tmp/failed; exit 1; }
expect_eq() { [ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"; }
expect_gt() { [ "$1" -gt "$2" ] || fail "$3: expected more than $2, got $1"; }
# rsts HOST: connections of HOST reset while open (EstabResets): every RST
# HOST accepted on an established or close-wait socket, and every one it sent
# aborting such a socket. What "never a reset" means for a client or backend.
rsts() { tcp_mib "$1" EstabResets; }
# out_rsts HOST: resets HOST sent (OutRsts), also those answering a segment
# for a connection it has already closed: a duplicate ACK from a peer in
# TIME-WAIT, say, which two CPUs' reordering of an ACK and a FIN (veth queues
# a packet on the sending CPU) provokes with or without a splice. For notes.
out_rsts() { tcp_mib "$1" OutRsts; }
# tcp_mib HOST NAME: a counter of HOST's Tcp: line in /proc/net/snmp, by name
tcp_mib() {
  on "$1" awk -v k="$2" '/^Tcp:/ { if (!h) { for (i = 2; i <= NF; i++) if ($i == k) c = i; h = 1 } else { print $c; exit } }' /proc/net/snmp
}
# tcpext HOST NAME: a TcpExt counter of HOST's namespace (/proc/net/netstat)
tcpext() {
  on "$1" awk -v k="$2" '/^TcpExt:/ { if (!h) { for (i = 2; i <= NF; i++) if ($i == k) c = i; h = 1 } else { print $c; exit } }' /proc/net/netstat
}
# opts HOST SACK TS WSCALE RMEM_MAX: the TCP options HOST's new connections offer
opts() {
  on "$1" sysctl -qw net.ipv4.tcp_sack="$2" net.ipv4.tcp_timestamps="$3" \
    net.ipv4.tcp_window_scaling="$4" net.ipv4.tcp_rmem="4096 131072 $5"
}
# netem HOST DEV ARGS...: impair what HOST sends on DEV
netem() { on "$1" tc qdisc replace dev "$2" root netem "${@:3}"; }
# nap SECS: sleep without starting a process (a process costs about half a
# second under emulation on the debug kernel, more than most naps): a read
# that times out on a FIFO nobody writes.
NAP_FIFO=/tmp/.nap.$$
mkfifo "$NAP_FIFO" 2>/dev/null
exec {NAP_FD}<>"$NAP_FIFO"
nap() { read -r -t "$1" -u "$NAP_FD" _ || :; }
# wait_for SECS COMMAND...: until COMMAND (eval'd) succeeds, at most SECS s
wait_for() {
  local end=$((SECONDS + $1)); shift
  until eval "$*"; do
    [ "$SECONDS" -lt "$end" ] || return 1
    nap 0.2
  done
}
# open_entries NS: the splices of NS still open (finished ones linger a
# while), from the state column of 'tcpsplicectl list' (open, open* for a
# replica, open/split)
open_entries() {
  local id state n=0 out
  out=$(tcpsplicectl -n "$1" list) || return 1
  while read -r id state _; do
    case $state in open*) n=$((n + 1)) ;; esac
  done <<<"$out"
  echo "$n"
}
load_module() { insmod "$KO" "$@" || fail "insmod $*"; }
# kmemleak_check WHAT: scan for leaks now (objects unreferenced for 5 s and
# more) and fail on any; vm-run scans once more at the end of the run.
kmemleak_check() {
  local k=/sys/kernel/debug/kmemleak
  [ -w $k ] || return 0
  nap 6
  echo scan > $k; echo scan > $k
  if grep -q "unreferenced object" $k; then
    head -40 $k
    fail "$1: kmemleak: $(grep -c 'unreferenced object' $k) unreferenced objects"
  fi
}
# etc_writable: bind a fresh copy of /etc over it (the guest's root is
# read-only); tests/vm/run unmounts it after the scenario. Fresh: a copy an
# earlier scenario left in /tmp would bring its files along.
etc_writable() {
  [ -w /etc ] && return 0
  rm -rf /tmp/etc-copy
  cp -a /etc /tmp/etc-copy && mount --bind /tmp/etc-copy /etc || fail "a writable /etc"
}
# slab_kb: the kernel's slab memory, in kB
slab_kb() { awk '/^Slab:/ { print $2 }' /proc/meminfo; }

# json_get [NS] PATH: a field of 'tcpsplicectl --json status', e.g.
# stats.rx_tcp (jq, which starts in a sixth of Python's time; a missing
# field fails)
json_get() {
  local pre=()
  if [ $# = 2 ]; then pre=(ip netns exec "$1"); shift; fi
  "${pre[@]}" tcpsplicectl --json status | jq -er ".$1"
}

# value [NS] NAME: a setting or counter from 'tcpsplicectl status' (text form,
# one process: cheap enough for loops), e.g. rx_tcp or max_splices. (One
# regular expression over the output: a loop of reads over its 150 lines
# took 0.3 s a call in the emulated guest, 14 s of t-split.)
value() {
  local pre=() out
  if [ $# = 2 ]; then pre=(-n "$1"); shift; fi
  out=$(tcpsplicectl "${pre[@]}" status) || return 1
  [[ $'\n'$out =~ $'\n'[[:blank:]]*"$1"[[:blank:]]+([^[:space:]]+) ]] || return 1
  echo "${BASH_REMATCH[1]}"
}
