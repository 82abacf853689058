# Shared settings for tcpsplice's scripts. Source it; do not run it.
# shellcheck shell=bash
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=${TCPSPLICE_CACHE:-/var/cache/tcpsplice}
KMAJOR=7.3
KSRC=$CACHE/src/linux-source-$KMAJOR
BINDGEN_VERSION=0.72.1
BINDGEN=$CACHE/tools/bin/bindgen
# kbuild variables for every kernel and module build
KMAKE=(LLVM=-19 RUSTC=/usr/bin/rustc BINDGEN="$BINDGEN" LIBCLANG_PATH=/usr/lib/llvm-19/lib)
export PATH=/usr/sbin:/sbin:$PATH

log() { printf '[tcpsplice] %s\n' "$*" >&2; }
die() { printf '[tcpsplice] error: %s\n' "$*" >&2; exit 1; }
need_root() { [ "$(id -u)" = 0 ] || die "run as root (installs packages, boots VMs)"; }
# ver_ge A B: true when version A >= B
ver_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -1)" = "$2" ]; }

# kernel_dir FLAVOR: the cached build directory for a kernel flavour, keyed by
# kernel version and the hash of the config fragments that make it.
kernel_dir() {
  local flavor=$1 frags h kv
  frags=("$TOP/scripts/kconfig/base.config")
  [ "$flavor" = debug ] && frags+=("$TOP/scripts/kconfig/debug.config")
  h=$(cat "${frags[@]}" | sha256sum | cut -c1-12)
  kv=$(make -s -C "$KSRC" kernelversion 2>/dev/null || echo "$KMAJOR")
  echo "$CACHE/kbuild/$kv-$flavor-$h"
}
