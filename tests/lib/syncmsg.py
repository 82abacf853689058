"""Forge tcpsplice sync datagrams (Documentation/sync.rst)
to test that the module refuses them.

  syncmsg.py KEYFILE DEST_ADDR PORT KIND [ARGS] [+ KIND [ARGS]...]
                               send one datagram for each KIND, in order
                               (one Python start-up for several: each costs
                               seconds under emulation), where KIND:
    garbage N                  N random bytes
    add FROM TO INC CTR [KEY]  an update installing a splice, from node FROM
                               (incarnation INC, counter CTR) to node TO, sealed
                               with KEYFILE's key or, if given, KEY (32 hex)
    split FROM TO INC CTR ADDR an update handing a split splice to the
                               backend at ADDR (operation 4)
    version FROM TO INC CTR    a heartbeat claiming wire version 2
    heartbeat FROM TO INC CTR  a valid heartbeat
    replay PCAP                the UDP payload of the first packet captured
                               (tcpdump -w, Ethernet, IPv4) sent again
    bulk FROM TO INC COUNT     COUNT distinct Adds (clients 10.200.0.0/16 to
                               192.0.2.100:80, backend 203.0.113.99, where no
                               host answers: a takeover's probes of these
                               connections meet no stack that would reset
                               them), 8 to an update, as a stream of updates
                               1.. of generation 1, paced
"""
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from client import each_op  # noqa: E402

MASK = (1 << 64) - 1


def rotl(x, b):
    return ((x << b) | (x >> (64 - b))) & MASK


def siphash24(key, data):
    k0, k1 = struct.unpack("<QQ", key)
    v = [k0 ^ 0x736F6D6570736575, k1 ^ 0x646F72616E646F6D, k0 ^ 0x6C7967656E657261, k1 ^ 0x7465646279746573]

    def rnd():
        v[0] = (v[0] + v[1]) & MASK; v[1] = rotl(v[1], 13) ^ v[0]; v[0] = rotl(v[0], 32)
        v[2] = (v[2] + v[3]) & MASK; v[3] = rotl(v[3], 16) ^ v[2]
        v[0] = (v[0] + v[3]) & MASK; v[3] = rotl(v[3], 21) ^ v[0]
        v[2] = (v[2] + v[1]) & MASK; v[1] = rotl(v[1], 17) ^ v[2]; v[2] = rotl(v[2], 32)

    tail = len(data) % 8
    words = [struct.unpack("<Q", data[i:i + 8])[0] for i in range(0, len(data) - tail, 8)]
    last = bytearray(data[len(data) - tail:] + bytes(8 - tail))
    last[7] = len(data) & 0xFF
    words.append(struct.unpack("<Q", bytes(last))[0])
    for m in words:
        v[3] ^= m
        rnd(); rnd()
        v[0] ^= m
    v[2] ^= 0xFF
    for _ in range(4):
        rnd()
    return v[0] ^ v[1] ^ v[2] ^ v[3]


assert siphash24(bytes(range(16)), b"") == 0x726FDB47DD0E0E31


def seal(key, kind, frm, to, inc, ctr, body, version=1):
    head = b"TSPL" + struct.pack(">BBHIIQQHH", version, kind, 0, frm, to, inc, ctr, len(body), 0)
    msg = head + body
    return msg + struct.pack("<Q", siphash24(key, msg))


def v4(a):
    return socket.inet_aton(a) + bytes(12)


# A backend address on the lab's backend LAN that no host has.
NOBODY = "203.0.113.99"


def add_op(client="198.51.100.99", cport=40000, bport=50000, backend="203.0.113.21", op=1):
    ep = lambda a, p: v4(a) + struct.pack(">H", p)
    tuples = ep("192.0.2.100", 80) + ep(client, cport) + ep("203.0.113.101", bport) + ep(backend, 8000)
    leg = struct.pack(">IIIIBBBB", 1000, 2000, 0, 0, 2, 7, 7, 0)
    return bytes([op, 4]) + tuples + leg + leg + struct.pack(">HHII", 1460, 1460, 65535, 65535)


def add_body(**op):
    return struct.pack(">IIHH", 1, 1, 1, 0) + add_op(**op)


def main():
    key = bytes.fromhex(open(sys.argv[1]).read().strip())
    dest, port = sys.argv[2], int(sys.argv[3])
    for msg in each_op(sys.argv[4:]):
        send(key, dest, port, msg[0], msg[1:])


def send(key, dest, port, kind, a):
    if kind == "bulk":
        frm, to, inc, count = (int(x) for x in a[:4])
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for seq, first in enumerate(range(0, count, 8), start=1):
            ops = [add_op(f"10.200.{k >> 8 & 255}.{k & 255}", 1024 + (k >> 16), 1024 + k % 60000,
                          NOBODY)
                   for k in range(first, min(first + 8, count))]
            body = struct.pack(">IIHH", 1, seq, len(ops), 0) + b"".join(ops)
            s.sendto(seal(key, 2, frm, to, inc, seq, body), (dest, port))
            time.sleep(0.002)
        return
    if kind == "garbage":
        d = os.urandom(int(a[0]))
    elif kind == "replay":
        raw = open(a[0], "rb").read()
        frame = raw[24 + 16:]  # pcap file header, first record header
        ihl = (frame[14] & 0xF) * 4
        d = frame[14 + ihl + 8:14 + struct.unpack(">H", frame[16:18])[0]]
    else:
        frm, to, inc, ctr = int(a[0]), int(a[1]), int(a[2]), int(a[3])
        if kind == "add":
            k = bytes.fromhex(a[4]) if len(a) > 4 else key
            d = seal(k, 2, frm, to, inc, ctr, add_body())
        elif kind == "split":
            d = seal(key, 2, frm, to, inc, ctr, add_body(backend=a[4], op=4))
        elif kind == "version":
            d = seal(key, 1, frm, to, inc, ctr, struct.pack(">BBHII", 1, 0, 0, 0, 0), version=2)
        elif kind == "heartbeat":
            d = seal(key, 1, frm, to, inc, ctr, struct.pack(">BBHII", 1, 0, 0, 0, 0))
        else:
            sys.exit(f"unknown kind {kind}")
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(d, (dest, port))


if __name__ == "__main__":
    main()
