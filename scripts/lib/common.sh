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

# kernel_frags FLAVOR: the config fragments merged onto tinyconfig for a
# kernel flavour (debug or release)
kernel_frags() { echo "$TOP/scripts/kconfig/base.config" "$TOP/scripts/kconfig/$1.config"; }
# kernel_dir FLAVOR: the cached build directory for a kernel flavour, keyed by
# kernel version and the hash of the config fragments that make it.
kernel_dir() {
  local h kv
  # shellcheck disable=SC2046
  h=$(cat $(kernel_frags "$1") | sha256sum | cut -c1-12)
  kv=$(make -s -C "$KSRC" kernelversion 2>/dev/null || echo "$KMAJOR")
  echo "$CACHE/kbuild/$kv-$1-$h"
}

# use_cargo_cache: let the tools and the fuzz targets build in the cache,
# outside the checkout (tools/target and tools/fuzz/target become links into
# it, unless they are directories already; a link into another cache, left
# by a run with another TCPSPLICE_CACHE, is pointed at this one: the guest
# sees the host's /tmp as its own empty tmpfs, so a link into a cache there
# would leave it without the tools), so that a fresh clone reuses the
# compiled dependencies. The workspace's own crates are rebuilt every time:
# cargo judges local sources fresh by their mtime, and another checkout's
# build in the shared directory may be newer than this checkout's files.
use_cargo_cache() {
  local link dir
  for link in tools/target tools/fuzz/target; do
    dir=$CACHE/cargo/${link//\//-}
    mkdir -p "$dir"
    if [ -L "$TOP/$link" ]; then
      [ "$(readlink "$TOP/$link")" = "$dir" ] || ln -sfn "$dir" "$TOP/$link"
    elif [ ! -e "$TOP/$link" ]; then
      ln -s "$dir" "$TOP/$link"
    fi
  done
  [ -L "$TOP/tools/target" ] &&
    (cd "$TOP/tools" && cargo clean -q -p tcpsplice-core -p tcpsplice-uapi -p tcpsplice-client \
      -p tcpsplicectl -p tcpsplice-proxy)
  [ -L "$TOP/tools/fuzz/target" ] &&
    (cd "$TOP/tools/fuzz" && cargo clean -q --target "$(rustc -vV | sed -n 's/^host: //p')" \
      -p tcpsplice-core -p tcpsplice-client -p tcpsplice-fuzz)
  return 0
}
