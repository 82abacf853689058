# The genetlink family under malformed and hostile requests (raw netlink, not
# tcpsplicectl): each gets a clear error, nothing changes, the module survives.
# kmemleak: checked
# cost: 12
. "$(dirname "$0")/lib.sh"
load_module
python3 - <<'PY' || fail "genetlink checks"
import os, struct, sys
sys.path.insert(0, os.environ["TCPSPLICE_TOP"] + "/tests/lib")
from genl import Genl, attr, NLA_F_NESTED
import errno

g = Genl()
fam = g.family()
A_CONFIG, CFG_MAX, CFG_IDLE = 2, 1, 2
def cfg(*inner):
    return attr(A_CONFIG | NLA_F_NESTED, b"".join(inner))
u32 = lambda t, v: attr(t, struct.pack("I", v))
fails = 0
def expect(what, got, err, msg=None):
    global fails
    ok = got[0] == err and (msg is None or (got[1] or "").find(msg) >= 0)
    print(("ok   " if ok else "FAIL ") + what, got[:2])
    fails += not ok

expect("unknown command", g.request(fam, 99), errno.EOPNOTSUPP)
expect("SET_CONFIG without the nest", g.request(fam, 2), errno.EINVAL, "missing TCPSPLICE_A_CONFIG")
expect("empty nest", g.request(fam, 2, cfg()), errno.EINVAL, "holds no setting")
expect("u32 sent as u16", g.request(fam, 2, cfg(attr(CFG_MAX, struct.pack("H", 5)))), errno.EINVAL)
expect("u32 sent as u64", g.request(fam, 2, cfg(attr(CFG_MAX, struct.pack("Q", 5)))), errno.EINVAL)
expect("max_splices too large", g.request(fam, 2, cfg(u32(CFG_MAX, 1048577))), errno.ERANGE, "out of range")
expect("unknown attribute in the nest", g.request(fam, 2, cfg(u32(9, 1))), errno.EINVAL)
expect("unknown top-level attribute", g.request(fam, 1, u32(42, 1)), errno.EINVAL)
expect("nest without NLA_F_NESTED", g.request(fam, 2, attr(A_CONFIG, u32(CFG_MAX, 5))), errno.EINVAL)
expect("truncated attribute header", g.request(fam, 2, b"\x08\x00"), errno.EINVAL)
expect("attribute longer than the message", g.request(fam, 2, struct.pack("HH", 64, A_CONFIG)), errno.EINVAL)
expect("duplicated settings: last one wins, both valid", g.request(fam, 2, cfg(u32(CFG_MAX, 7), u32(CFG_MAX, 8))), 0)
expect("valid set", g.request(fam, 2, cfg(u32(CFG_IDLE, 77))), 0)
err, _, replies = g.request(fam, 1)
conf = dict(dict(replies[0])[A_CONFIG] and __import__("genl").parse_attrs(dict(replies[0])[A_CONFIG]))
got = (struct.unpack("I", conf[CFG_MAX])[0], struct.unpack("I", conf[CFG_IDLE])[0])
expect("settings after the valid sets only", (0 if got == (8, 77) else 1, str(got)), 0)
# Without CAP_NET_ADMIN (dropped from every set).
pid = os.fork()
if pid == 0:
    os.setgid(65534); os.setuid(65534)
    h = Genl()
    r = h.request(fam, 2, cfg(u32(CFG_MAX, 3)))
    r2 = h.request(fam, 11, u32(14, 100))
    os._exit(0 if r[0] == errno.EPERM and r2[0] == errno.EPERM else 1)
_, st = os.waitpid(pid, 0)
expect("SET_CONFIG and ATTACH_PROXY as nobody are EPERM", (os.WEXITSTATUS(st), None), 0)
# ATTACH_PROXY: the grace time is needed and bounded; the socket of a
# process that attached and exited shows as gone; grace 0 ends the watch.
CMD_ATTACH, A_GRACE, CMD_GET_CLUSTER, A_CLUSTER = 11, 14, 8, 9
expect("ATTACH_PROXY without the grace", g.request(fam, CMD_ATTACH), errno.EINVAL, "needs TCPSPLICE_A_PROXY_GRACE")
expect("ATTACH_PROXY grace above an hour", g.request(fam, CMD_ATTACH, u32(A_GRACE, 3600001)), errno.ERANGE)
def proxy_view():
    _, _, replies = g.request(fam, CMD_GET_CLUSTER)
    c = dict(__import__("genl").parse_attrs(dict(replies[0])[A_CLUSTER]))
    return {k: c.get(t) for k, t in (("grace", 13), ("attached", 14), ("gone", 15))}
pid = os.fork()
if pid == 0:
    h = Genl()
    os._exit(0 if h.request(fam, CMD_ATTACH, u32(A_GRACE, 100))[0] == 0 else 1)
_, st = os.waitpid(pid, 0)
expect("ATTACH_PROXY from a process that then exits", (os.WEXITSTATUS(st), None), 0)
v = proxy_view()
gone = v["grace"] == struct.pack("I", 100) and v["attached"] == b"\0" and v["gone"] is not None
expect("its proxy is gone", (0 if gone else 1, str(v)), 0)
expect("ATTACH_PROXY with grace 0", g.request(fam, CMD_ATTACH, u32(A_GRACE, 0)), 0)
expect("no proxy watched after grace 0", (0 if proxy_view()["grace"] is None else 1, str(proxy_view())), 0)
sys.exit(1 if fails else 0)
PY
expect_eq "$(json_get config.max_splices)" 8 "max_splices after the raw requests"

# The YNL spec describes what the module speaks: the kernel's own YNL CLI,
# driven by nothing but the spec, sets a value, reads the status back (every
# attribute decoded by the spec's types, every counter of the spec present
# and none besides) and dumps the (empty) table.
spec=$TCPSPLICE_TOP/Documentation/netlink/specs/tcpsplice.yaml
ynl() {
  # --no-schema: the host validated the spec against the schema (ynl-regen)
  /usr/bin/python3 "$TCPSPLICE_KDIR/source/tools/net/ynl/pyynl/cli.py" --spec "$spec" \
    --no-schema --output-json "$@"
}
ynl --do set-config --json '{"config": {"idle-timeout": 66}}' > /tmp/ynl-set || fail "YNL set-config: $(cat /tmp/ynl-set)"
status=$(ynl --do get-status) || fail "YNL get-status: $status"
expect_eq "$(jq -r '.config["idle-timeout"], .config["max-splices"]' <<<"$status" | tr '\n' ' ')" "66 8 " \
  "settings read by the YNL CLI"
# the spec's counters: the u64 attributes of the stats set
spec_stats=$(awk '/^  -$/ { set = "" } /^    name: / { set = $2 }
  set == "stats" && /^        name: / { n = $2 } set == "stats" && /^        type: u64/ { print n }' "$spec" | LC_ALL=C sort | tr '\n' ' ')
spec_stats=${spec_stats% }
expect_eq "$(jq -r '.stats | keys | join(" ")' <<<"$status")" "$spec_stats" "counters in GET_STATUS against the spec's"
expect_eq "$(ynl --dump get-splice)" "[]" "YNL dump of the empty table"
rmmod tcpsplice || fail rmmod
