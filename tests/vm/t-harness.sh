# The debug kernel's checkers are armed, so a clean run means something:
# KASAN, lockdep, kmemleak and UBSAN are all active in this guest.
# kmemleak: checked
# cost: 2
. "$(dirname "$0")/lib.sh"
[ "$TCPSPLICE_KERNEL" = debug ] || { echo "release kernel: nothing to check"; exit 0; }
dmesg | grep -q 'KernelAddressSanitizer initialized' || fail "KASAN is not active"
[ -e /proc/lockdep ] || fail "lockdep is not active (/proc/lockdep missing)"
grep -Eq '^ *debug_locks: +1$' /proc/lockdep_stats 2>/dev/null || fail "lockdep turned itself off: $(grep debug_locks /proc/lockdep_stats)"
[ -w /sys/kernel/debug/kmemleak ] || fail "kmemleak is not active"
grep -q 'CONFIG_UBSAN=y' "$TCPSPLICE_KDIR/.config" || fail "UBSAN not configured"
grep -q 'CONFIG_DEBUG_ATOMIC_SLEEP=y' "$TCPSPLICE_KDIR/.config" || fail "DEBUG_ATOMIC_SLEEP not configured"
echo "KASAN, lockdep, kmemleak, UBSAN: armed"
