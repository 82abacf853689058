"""Bounded-time fuzzer for the sync socket (Documentation/sync.rst).

  sync-fuzz.py KEYFILE FROM_ADDR DEST_ADDR PORT SECONDS SEED

Sends, from FROM_ADDR (the configured address of peer node 2) to node 1 at
DEST_ADDR:PORT, for SECONDS: updates sealed with the right key whose
operations carry random field values (families, window scales, lengths,
operation counts, sequence numbers), heartbeats with random claims, acks for
streams that never existed, all with fresh counters so they get past the
replay window to the decoder; and unauthenticated datagrams: random bytes,
bit-flipped sealed datagrams, wrong lengths. Prints how many of each it sent.
"""
import os
import random
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from syncmsg import add_body, seal  # noqa: E402


def tuple_bytes(r):
    def ep():
        if r.random() < 0.7:
            a = bytes([127, 0, 0, r.randint(1, 9)]) + bytes(12)
        else:
            a = r.randbytes(16)
        return a + struct.pack(">H", r.choice([0, 80, 8000, r.getrandbits(16)]))
    return ep() + ep()


def add_op(r):
    leg = struct.pack(">IIIIBBBB", r.getrandbits(32), r.getrandbits(32), r.getrandbits(32), r.getrandbits(32),
                      r.choice([0, 1, 2, 3, r.getrandbits(8)]), r.choice([0, 7, 14, 15, 255]),
                      r.choice([0, 7, 14, 15, 255]), r.choice([0, 0, 1]))
    fam = r.choice([4, 4, 6, 0, 5])
    return (bytes([1, fam]) + tuple_bytes(r) + tuple_bytes(r) + leg + leg
            + struct.pack(">HHII", r.choice([0, 1, 536, 1460, 65535]), r.choice([0, 1460]),
                          r.getrandbits(32), r.getrandbits(32)))


def del_op(r):
    return bytes([2, r.choice([1, 2, 0, 3]), r.choice([4, 6, 0])]) + tuple_bytes(r)


def update_body(r, gen, seq):
    ops = [r.choice([add_op, add_op, del_op, lambda r: bytes([3])])(r) for _ in range(r.randint(0, 6))]
    n = len(ops) if r.random() < 0.9 else r.randint(0, 10)
    body = struct.pack(">IIHH", gen, seq, n, 0 if r.random() < 0.95 else 1) + b"".join(ops)
    if r.random() < 0.05:
        body = body[:r.randint(0, len(body))]
    return body


def heartbeat_body(r):
    n = r.randint(0, 17)
    claims = b"".join(bytes([r.choice([4, 6, 0, 9])]) + r.randbytes(16) for _ in range(n if r.random() < 0.9 else r.randint(0, 17)))
    return struct.pack(">BBHII", r.choice([0, 1, 2, 3, 4]), n, 0, r.getrandbits(32), r.getrandbits(32)) + claims


def main():
    key = bytes.fromhex(open(sys.argv[1]).read().strip())
    src, dest, port = sys.argv[2], sys.argv[3], int(sys.argv[4])
    seconds, seed = float(sys.argv[5]), int(sys.argv[6])
    r = random.Random(seed)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))
    inc, ctr, gen, seq = 1 << 40, 1, r.randint(1, 1000), 1
    sent = {"update": 0, "heartbeat": 0, "ack": 0, "sealed_other": 0, "unsealed": 0}
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        ctr += 1
        x = r.random()
        if x < 0.4:
            d = seal(key, 2, 2, 1, inc, ctr, update_body(r, gen, seq))
            seq += 1 if r.random() < 0.8 else r.randint(-3, 40)
            seq &= 0xFFFFFFFF
            if r.random() < 0.02:
                gen, seq = r.getrandbits(32), 1
            kind = "update"
        elif x < 0.6:
            d, kind = seal(key, 1, 2, 1, inc, ctr, heartbeat_body(r)), "heartbeat"
        elif x < 0.7:
            d, kind = seal(key, 3, 2, 1, inc, ctr, struct.pack(">II", r.getrandbits(32), r.getrandbits(32))), "ack"
        elif x < 0.8:
            # Sealed, but a kind, reserved field or body no receiver knows.
            d = seal(key, r.choice([0, 4, 255]), 2, 1, inc, ctr, r.randbytes(r.randint(0, 200)))
            kind = "sealed_other"
        else:
            good = seal(key, 2, 2, 1, inc, ctr, add_body())
            m = bytearray(r.choice([good, r.randbytes(r.randint(0, 1300))]))
            for _ in range(r.randint(1, 4)):
                if m:
                    m[r.randrange(len(m))] ^= 1 << r.randrange(8)
            d, kind = bytes(m[:r.randint(0, len(m))] if r.random() < 0.2 else m), "unsealed"
        if r.random() < 0.01:
            inc += 1
        s.sendto(d, (dest, port))
        sent[kind] += 1
        if sent[kind] % 64 == 0:
            time.sleep(0.001)
    print(" ".join(f"{k}={v}" for k, v in sent.items()))


if __name__ == "__main__":
    main()
