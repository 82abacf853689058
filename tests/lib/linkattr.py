#!/usr/bin/env python3
"""Set a link's u32 attributes that this machine's iproute2 (6.1) cannot:
BIG TCP's IPv4 limits, for one.

    linkattr.py DEV[,DEV...] NAME=VALUE...

NAME is one of gso_max_size, gro_max_size, gso_ipv4_max_size and
gro_ipv4_max_size (rtnetlink's IFLA_*, include/uapi/linux/if_link.h). One
RTM_NEWLINK per device, in the caller's network namespace; exits non-zero,
with the kernel's error, if any is refused.
"""
import os
import socket
import struct
import sys

IFLA = {
    "gso_max_size": 41,
    "gro_max_size": 58,
    "gso_ipv4_max_size": 63,
    "gro_ipv4_max_size": 64,
}
RTM_NEWLINK = 16
NLM_F_REQUEST, NLM_F_ACK = 1, 4
NLMSG_ERROR = 2


def set_attrs(sock, seq, dev, attrs):
    body = struct.pack("=BxHiII", socket.AF_UNSPEC, 0, socket.if_nametoindex(dev), 0, 0)
    for kind, value in attrs:
        body += struct.pack("=HHI", 8, kind, value)
    msg = struct.pack("=IHHII", 16 + len(body), RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, seq, 0) + body
    sock.send(msg)
    reply = sock.recv(65536)
    _, kind, _, _, _ = struct.unpack("=IHHII", reply[:16])
    if kind != NLMSG_ERROR:
        sys.exit(f"{dev}: unexpected reply type {kind}")
    err = struct.unpack("=i", reply[16:20])[0]
    if err:
        sys.exit(f"{dev}: {os.strerror(-err)}")


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    attrs = []
    for a in sys.argv[2:]:
        name, _, value = a.partition("=")
        if name not in IFLA or not value.isdigit():
            sys.exit(f"bad attribute {a!r}: one of {', '.join(IFLA)}=N")
        attrs.append((IFLA[name], int(value)))
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    sock.bind((0, 0))
    for seq, dev in enumerate(sys.argv[1].split(","), 1):
        set_attrs(sock, seq, dev, attrs)


if __name__ == "__main__":
    main()
