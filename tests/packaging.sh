#!/usr/bin/env bash
# Packaging, from the host: `make install` into a scratch root puts every
# file where the documentation says, and DKMS (with scratch trees, never
# touching the system's) builds and installs the module for the cached
# test kernel. Prints TAP.
#   tests/packaging.sh KDIR
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../scripts/lib/common.sh"
cd "$TOP"
kdir=${1:?usage: tests/packaging.sh KDIR}
kver=$(cat "$kdir/include/config/kernel.release")
tmp=$(mktemp -d /tmp/tcpsplice-packaging.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
t() { # t NAME CMD...: one TAP line
  local name=$1; shift
  n=$((n + 1))
  if "$@" > "$tmp/last" 2>&1; then echo "ok $n - $name"
  else failed=$((failed + 1)); echo "not ok $n - $name"; sed 's/^/#   /' "$tmp/last" | tail -15; fi
}
echo "1..10"
root=$tmp/root
t "make install into a scratch root" make -s install DESTDIR="$root" KDIR="$kdir"
t "tools installed and runnable" sh -c "'$root/usr/sbin/tcpsplicectl' --version && '$root/usr/sbin/tcpsplice-proxy' --version"
t "man pages render: section 8 for every command and subcommand, section 5 for both files" sh -c "
  m='$root/usr/share/man'
  for p in man8/tcpsplicectl.8 man8/tcpsplice-proxy.8 man8/tcpsplicectl-cluster.8 man8/tcpsplicectl-cluster-set.8 \
      man8/tcpsplicectl-cluster-load.8 man8/tcpsplicectl-monitor.8 man8/tcpsplicectl-genkey.8 \
      man5/tcpsplice-proxy.toml.5 man5/tcpsplice-cluster.toml.5; do
    f=\$m/\$p; n=\${p#*/}; grep -q \"^.TH \${n%.*} \${n##*.}\" \$f || { echo \"\$p: no .TH\"; exit 1; }
    grep -q '^.SH NAME' \$f || exit 1
    if command -v man >/dev/null; then man -l \$f 2>/dev/null | grep -q NAME || exit 1; fi
  done
  grep -q 'Exit status: 0 success' \$m/man8/tcpsplicectl.8 || { echo 'no exit status'; exit 1; }
  [ \$(ls \$m/man8/tcpsplicectl*.8 | wc -l) -ge 15 ] || { ls \$m/man8; exit 1; }"
t "bash, zsh and fish completions" sh -c "cd '$root/usr/share' &&
  bash -n bash-completion/completions/tcpsplicectl && bash -n bash-completion/completions/tcpsplice-proxy &&
  grep -q '#compdef tcpsplicectl' zsh/vendor-completions/_tcpsplicectl &&
  grep -q 'complete -c tcpsplice-proxy' fish/vendor_completions.d/tcpsplice-proxy.fish &&
  grep -q cluster bash-completion/completions/tcpsplicectl"
t "systemd unit reloads with SIGHUP after a --check" sh -c "u='$root/lib/systemd/system/tcpsplice-proxy.service';
  grep -qx 'ExecReload=/bin/kill -HUP \$MAINPID' \$u &&
  grep -q '^ExecReload=/usr/sbin/tcpsplice-proxy --check' \$u &&
  if command -v systemd-analyze >/dev/null; then
    ! systemd-analyze verify --man=no \$u 2>&1 | grep -v 'is not executable' | grep .; fi"
t "the cluster unit loads the cluster file with the key as a credential; the module loads at boot" sh -c "
  u='$root/lib/systemd/system/tcpsplice-cluster.service'
  grep -qx 'LoadCredential=cluster.key:/etc/tcpsplice/cluster.key' \$u &&
  grep -qx 'ExecStart=/usr/sbin/tcpsplicectl cluster load /etc/tcpsplice/cluster.toml --key-file \${CREDENTIALS_DIRECTORY}/cluster.key' \$u &&
  grep -qx 'ExecStop=/usr/sbin/tcpsplicectl cluster leave' \$u &&
  grep -qx 'Before=tcpsplice-proxy.service' \$u &&
  grep -qx tcpsplice '$root/usr/lib/modules-load.d/tcpsplice.conf' &&
  if command -v systemd-analyze >/dev/null; then
    ! systemd-analyze verify --man=no \$u 2>&1 | grep -v 'is not executable' | grep .; fi"
t "example configuration passes --check" "$root/usr/sbin/tcpsplice-proxy" --check --config "$root/etc/tcpsplice/proxy.toml.example"
t "module installed for $kver" sh -c "modinfo -F vermagic '$root/lib/modules/$kver/updates/tcpsplice.ko' | grep -q '^$kver '"
mkdir -p "$tmp/dkms/src" "$tmp/dkms/tree" "$tmp/dkms/lib/$kver"
t "make dkms-install builds and installs with DKMS" make -s dkms-install DKMS_SRC="$tmp/dkms/src" \
  DKMS_FLAGS="--dkmstree $tmp/dkms/tree --sourcetree $tmp/dkms/src --installtree $tmp/dkms/lib --no-depmod" \
  DKMS_BUILD_FLAGS="-k $kver --kernelsourcedir $kdir"
t "the DKMS module matches the kernel and has no stray objects in its sources" sh -c "
  modinfo -F vermagic '$tmp/dkms/lib/$kver/updates/dkms/tcpsplice.ko' | grep -q '^$kver ' &&
  ! find '$tmp/dkms/src' -name '*.o' -o -name '*.ko' | grep ."
[ $failed = 0 ]
