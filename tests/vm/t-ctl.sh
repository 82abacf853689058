# tcpsplicectl against the module: status (text and JSON), settings, counters,
# refusals without CAP_NET_ADMIN, and a clear message when the module is absent.
# kmemleak: checked
# cost: 21
. "$(dirname "$0")/lib.sh"

out=$(tcpsplicectl status 2>&1); rc=$?
expect_eq "$rc" 3 "exit status without the module"
grep -q "module is not loaded" <<<"$out" || fail "no clear message without the module: $out"

insmod "$KO" max_splices=0 2>/dev/null && fail "max_splices=0 accepted"
insmod "$KO" idle_timeout=100000 2>/dev/null && fail "idle_timeout=100000 accepted"

load_module
tcpsplicectl status | tee /tmp/status.txt
grep -q '^tcpsplice 0.1.0 (netns cookie [0-9]*)$' /tmp/status.txt || fail "status header"
grep -Eq '^  max_splices +65536$' /tmp/status.txt || fail "default max_splices"
expect_eq "$(json_get version)" 0.1.0 "json version"
expect_eq "$(json_get config.idle_timeout)" 7440 "default idle_timeout (RFC 5382)"
expect_eq "$(json_get stats.config_changes)" 0 "config_changes at start"

tcpsplicectl set --max-splices 1000 --idle-timeout 30 || fail "set"
expect_eq "$(json_get config.max_splices)" 1000 "max_splices after set"
expect_eq "$(json_get config.idle_timeout)" 30 "idle_timeout after set"
expect_eq "$(json_get stats.config_changes)" 1 "config_changes after set"

# Out of range: refused with a message, nothing changes (all or nothing).
out=$(tcpsplicectl set --max-splices 5 --idle-timeout 0 2>&1) && fail "idle_timeout 0 accepted"
echo "refused: $out"
grep -q 'integer out of range' <<<"$out" || fail "the kernel's reason is not shown: $out"
expect_eq "$(json_get config.max_splices)" 1000 "max_splices after refused set"
out=$(tcpsplicectl set 2>&1); expect_eq "$?" 2 "set with nothing to set"

# Without CAP_NET_ADMIN: reading works, changing is refused clearly.
nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all)
"${nobody[@]}" tcpsplicectl status >/dev/null || fail "status as nobody"
out=$("${nobody[@]}" tcpsplicectl set --max-splices 5 2>&1); rc=$?
echo "as nobody: $out"
expect_eq "$rc" 4 "exit status of set as nobody"
grep -q "needs CAP_NET_ADMIN" <<<"$out" || fail "unclear refusal: $out"
# Root of a user namespace it owns is not enough either.
out=$(unshare -Ur tcpsplicectl set --max-splices 5 2>&1); rc=$?
expect_eq "$rc" 4 "exit status of set in an owned user namespace"
out=$(unshare -Ur tcpsplicectl reset-stats 2>&1); rc=$?
expect_eq "$rc" 4 "exit status of reset-stats in an owned user namespace"
# Nor in a network namespace that user namespace owns: the module is not a
# container's to configure (GENL_ADMIN_PERM asks the initial user namespace).
for cmd in "set --max-splices 5" "reset-stats" "cluster set --node-id 1 --key-file /tmp/ctl-userns.key" "unsplice 1"; do
  head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' > /tmp/ctl-userns.key
  # shellcheck disable=SC2086
  out=$(unshare -Urn tcpsplicectl $cmd 2>&1); rc=$?
  expect_eq "$rc" 4 "exit status of '$cmd' as root of an owned user and network namespace ($out)"
done
expect_eq "$(json_get config.max_splices)" 1000 "max_splices after refusals"

tcpsplicectl reset-stats || fail "reset-stats"
expect_eq "$(json_get stats.config_changes)" 0 "config_changes after reset"

# A cluster from a file: --check needs no module, errors name file and line.
# The key comes from genkey: a new file only its owner reads, in a new
# directory only its owner enters, never written over.
tcpsplicectl genkey --out /tmp/ctl-keys/ctl.key || fail "genkey"
expect_eq "$(stat -c %a /tmp/ctl-keys) $(stat -c '%a %s' /tmp/ctl-keys/ctl.key)" "700 600 33" "genkey's modes and size"
grep -qE '^[0-9a-f]{32}$' /tmp/ctl-keys/ctl.key || fail "genkey wrote $(cat /tmp/ctl-keys/ctl.key)"
tcpsplicectl genkey --out /tmp/ctl-keys/ctl.key 2>/dev/null && fail "genkey wrote over a key"
# A copy anyone may read, so that the unprivileged load below is refused by
# the module, not by the key's mode.
install -m 0644 /tmp/ctl-keys/ctl.key /tmp/ctl.key
cat > /tmp/cluster.toml <<'TOML'
node_id = 1
key_file = "/tmp/ctl.key"
interval_ms = 250
[[peer]]
id = 2
address = "10.99.0.2"
[[vip]]
address = "192.0.2.100"
owners = [1, 2]
TOML
expect_eq "$(tcpsplicectl cluster load --check /tmp/cluster.toml)" "/tmp/cluster.toml: ok" "cluster load --check"
sed 's/owners = \[1, 2\]/owners = [1, 3]/' /tmp/cluster.toml > /tmp/bad-cluster.toml
out=$(tcpsplicectl cluster load /tmp/bad-cluster.toml 2>&1) && fail "a bad cluster file was loaded"
expect_eq "$out" "tcpsplicectl: /tmp/bad-cluster.toml:7: a VIP's owners must be known node ids, each once" "bad cluster file"
out=$("${nobody[@]}" tcpsplicectl cluster load /tmp/cluster.toml 2>&1) && fail "cluster load as nobody"
grep -q "needs CAP_NET_ADMIN" <<<"$out" || fail "unclear refusal of cluster load: $out"
tcpsplicectl cluster load /tmp/cluster.toml || fail "cluster load"
tcpsplicectl cluster show | grep -q "^node 1 port 7010 interval 250 ms misses 5 " || fail "cluster show after load: $(tcpsplicectl cluster show)"
tcpsplicectl cluster show | grep -q "^vip 192.0.2.100 owners 1,2 " || fail "VIP after load"
# showconf writes the running configuration as a file that load takes as
# it is: loaded after a leave, it shows the same configuration again.
tcpsplicectl cluster showconf --key-file /tmp/ctl.key > /tmp/showconf.toml || fail "showconf"
tcpsplicectl cluster leave || fail "cluster leave"
tcpsplicectl cluster showconf --key-file /tmp/ctl.key 2>/dev/null && fail "showconf without a cluster"
tcpsplicectl cluster load /tmp/showconf.toml || fail "cluster load of showconf's file: $(cat /tmp/showconf.toml)"
expect_eq "$(tcpsplicectl cluster showconf --key-file /tmp/ctl.key)" "$(cat /tmp/showconf.toml)" "showconf after loading its own file"
grep -q '^misses = 5$' /tmp/showconf.toml || fail "showconf writes the defaults out: $(cat /tmp/showconf.toml)"
tcpsplicectl cluster leave || fail "cluster leave"
rmmod tcpsplice || fail "rmmod"
