"""Bounded-time fuzzer for the tcpsplice generic netlink family.

  genl-fuzz.py SECONDS SEED WORKERS

Run it as root in a network namespace of its own. WORKERS processes send,
at the same time, random requests built from the family's attribute schema
(valid values, random bytes, wrong lengths and types, missing, duplicated,
unknown and wrongly nested attributes, broken attribute headers, truncated
messages, unknown commands and versions, dumps) for SECONDS. Some requests
name real established loopback connections, so splices are made and removed
too. Every request must be answered: an error code that is a plain errno,
or success; a request that gets no answer within 10 s fails the run.

Prints one line per worker, 'worker N: R requests, errors {errno: count}',
and exits non-zero on any unanswered request or odd answer.
"""
import errno
import os
import random
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from genl import Genl, NLA_F_NESTED, NLMSG_ERROR, NLM_F_ACK, NLM_F_REQUEST  # noqa: E402

NLMSG_DONE = 3
NLM_F_DUMP = 0x300
U8, U16, U32, U64, FLAG, STR = "u8", "u16", "u32", "u64", "flag", "str"
ADDR, KEY, OWNERS = "addr", "key", "owners"
CONN = {1: ADDR, 2: U16, 3: ADDR, 4: U16, 5: U16, 6: U8, 7: U8, 8: FLAG, 9: FLAG}
SPLICE = {1: U64, 2: U64, 3: CONN, 4: CONN, 5: U8, 6: U32, 7: U32, 8: U64, 9: U64, 10: U64, 11: U64, 12: FLAG, 13: FLAG}
CONFIG = {1: U32, 2: U32}
PEER = {1: U64, 2: U32, 3: ADDR, 4: U8, 5: U8, 6: U8, 7: U32, 8: U32, 14: U8}
VIP = {1: ADDR, 2: OWNERS, 3: U8}
CLUSTER = {1: U64, 2: U32, 3: U16, 4: U32, 5: U32, 6: KEY, 7: U8, 8: PEER, 9: VIP, 10: U8, 11: U64, 12: U8}
TOP = {1: STR, 2: CONFIG, 3: {}, 4: U64, 5: U64, 6: SPLICE, 7: U32, 8: U32, 9: CLUSTER, 10: {}, 11: FLAG, 12: U8, 13: FLAG}
# What each command mostly carries (the rest of the time: anything).
CMD_ATTRS = {1: [], 2: [2], 3: [], 4: [6, 11, 13], 5: [6], 6: [6], 7: [9], 8: [], 9: []}
INTERESTING_U32 = [0, 1, 2, 7, 8, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF]


class Fuzzer:
    def __init__(self, seed, conns):
        self.r = random.Random(seed)
        self.conns = conns

    def number(self, bits):
        r = self.r
        if r.random() < 0.5:
            v = r.choice(INTERESTING_U32)
        else:
            v = r.getrandbits(bits)
        return v & ((1 << bits) - 1)

    def value(self, kind):
        r = self.r
        if r.random() < 0.1:
            return r.randbytes(r.choice([0, 1, 2, 3, 5, 7, 17, 64, 300]))
        if isinstance(kind, dict):
            return self.attrs(kind, r.randint(0, 5))
        if kind == U8:
            return struct.pack("B", self.number(8))
        if kind == U16:
            return struct.pack("H", r.choice([0, 1, 80, 7010, 65535, self.number(16)]))
        if kind == U32:
            return struct.pack("I", self.number(32))
        if kind == U64:
            return struct.pack("Q", r.getrandbits(64) if r.random() < 0.5 else r.randint(0, 64))
        if kind == FLAG:
            return b""
        if kind == STR:
            return r.randbytes(r.randint(0, 20)) + r.choice([b"", b"\0"])
        if kind == ADDR:
            return r.choice([socket.inet_aton("127.0.0.1"), socket.inet_aton("127.0.0.%d" % r.randint(2, 9)),
                             socket.inet_pton(socket.AF_INET6, "::1"), r.randbytes(r.choice([4, 16]))])
        if kind == KEY:
            return r.randbytes(r.choice([16, 16, 16, 15, 17, 32]))
        if kind == OWNERS:
            return b"".join(struct.pack("I", r.choice([0, 1, 2, 3, 16, 17, 0xFFFFFFFF])) for _ in range(r.randint(0, 20)))
        raise ValueError(kind)

    def attr(self, t, payload, nested):
        r = self.r
        if nested and r.random() < 0.9:
            t |= NLA_F_NESTED
        if r.random() < 0.03:
            t |= 0x4000  # NLA_F_NET_BYTEORDER
        n = 4 + len(payload)
        if r.random() < 0.02:
            n = r.choice([0, 1, 3, n + 1, n + 100, 0xFFFF])
        raw = struct.pack("HH", n & 0xFFFF, t) + payload
        return raw + b"\0" * (-len(raw) % 4)

    def attrs(self, schema, count):
        r = self.r
        out = b""
        for _ in range(count):
            if schema and r.random() < 0.9:
                t = r.choice(list(schema))
                kind = schema[t]
            else:
                t, kind = r.randint(0, 40), r.choice([U32, CONN, ADDR])
            out += self.attr(t, self.value(kind), isinstance(kind, dict))
        return out

    def conn(self, c):
        (la, lp), (ra, rp) = c
        return (self.attr(1, socket.inet_aton(la), False) + self.attr(2, struct.pack("H", lp), False)
                + self.attr(3, socket.inet_aton(ra), False) + self.attr(4, struct.pack("H", rp), False))

    def real_splice(self):
        """A SPLICE of two real established connections (or of one twice)."""
        r = self.r
        a, b = r.choice(self.conns), r.choice(self.conns)
        body = self.attr(3, self.conn(a), True) + self.attr(4, self.conn(b), True)
        return self.attr(6, body, True) + (self.attr(11, b"", False) if r.random() < 0.2 else b"")

    def request(self):
        """(cmd, version, flags, payload)"""
        r = self.r
        cmd = r.randint(0, 9) if r.random() < 0.95 else r.randint(10, 255)
        version = 1 if r.random() < 0.9 else r.randint(0, 255)
        flags = NLM_F_REQUEST | NLM_F_ACK
        if r.random() < 0.2:
            flags = NLM_F_REQUEST | NLM_F_DUMP
        if cmd == 4 and self.conns and r.random() < 0.5:
            payload = self.real_splice()
        elif cmd == 5 and r.random() < 0.5:
            payload = self.attr(6, self.attr(2, struct.pack("Q", r.randint(0, 64)), False), True)
        else:
            top = {t: TOP[t] for t in CMD_ATTRS.get(cmd, [])} if r.random() < 0.8 else TOP
            payload = self.attrs(top or TOP, r.randint(0, 4))
        if r.random() < 0.03:
            payload = payload[:r.randint(0, len(payload))]
        return cmd, version, flags, payload


def answer(g, seq):
    """The errno of the answer to request seq (0: success), or None: none in 10 s."""
    g.s.settimeout(10)
    while True:
        try:
            data = g.s.recv(1 << 20)
        except socket.timeout:
            return None
        while len(data) >= 16:
            n, typ, _, rseq, _ = struct.unpack_from("IHHII", data)
            if n < 16:
                return -1
            msg, data = data[16:n], data[(n + 3) & ~3:]
            if rseq != seq:
                continue
            if typ == NLMSG_ERROR:
                return -struct.unpack_from("i", msg)[0]
            if typ == NLMSG_DONE:
                return 0


def loopback_conns(k):
    """k established loopback connections: [((local addr, port), (remote addr, port))] of both ends."""
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(k)
    keep, conns = [ls], []
    for _ in range(k):
        c = socket.create_connection(ls.getsockname())
        s, _ = ls.accept()
        keep += [c, s]
        conns += [(c.getsockname(), c.getpeername()), (s.getsockname(), s.getpeername())]
    return keep, conns


def worker(n, seconds, seed, fam):
    keep, conns = loopback_conns(4)
    f = Fuzzer(seed * 1000 + n, conns)
    g = Genl()
    counts, bad, sent = {}, 0, 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        cmd, version, flags, payload = f.request()
        g.seq += 1
        body = struct.pack("BBH", cmd, version, 0) + payload
        g.s.send(struct.pack("IHHII", 16 + len(body), fam, flags, g.seq, 0) + body)
        sent += 1
        e = answer(g, g.seq)
        if e is None or e < 0 or e >= 4096:
            print(f"worker {n}: odd answer {e} to cmd {cmd} v{version} flags {flags:#x} payload {payload.hex()}", flush=True)
            bad += 1
            if e is None:
                break
            continue
        counts[e] = counts.get(e, 0) + 1
    names = {k: (errno.errorcode.get(k, str(k)) if k else "ok") for k in counts}
    print(f"worker {n}: {sent} requests, answers " + " ".join(f"{names[k]}={v}" for k, v in sorted(counts.items())), flush=True)
    del keep
    return bad


def main():
    seconds, seed, workers = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    fam = Genl().family()
    pids = []
    for n in range(workers):
        pid = os.fork()
        if pid == 0:
            try:
                os._exit(1 if worker(n, seconds, seed, fam) else 0)
            except Exception as e:  # noqa: BLE001 - report, then fail the worker
                print(f"worker {n}: {e!r}", flush=True)
                os._exit(2)
        pids.append(pid)
    failed = 0
    for pid in pids:
        _, st = os.waitpid(pid, 0)
        failed += st != 0
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
