"""Minimal raw generic netlink client for tests: sends arbitrary (also
malformed) tcpsplice requests and returns the kernel's answer undecoded, so
tests can check exactly what the kernel says, extended-ack messages included."""
import os
import socket
import struct

NETLINK_GENERIC = 16
SOL_NETLINK = 270
NETLINK_EXT_ACK = 11
NLMSG_ERROR = 2
NLM_F_REQUEST, NLM_F_ACK = 1, 4
GENL_ID_CTRL, CTRL_CMD_GETFAMILY, CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 0x10, 3, 1, 2
NLA_F_NESTED = 0x8000
NLMSGERR_ATTR_MSG = 1


def attr(t, payload):
    raw = struct.pack("HH", 4 + len(payload), t) + payload
    return raw + b"\0" * (-len(raw) % 4)


def parse_attrs(b):
    out = []
    while len(b) >= 4:
        n, t = struct.unpack_from("HH", b)
        if n < 4:
            break
        out.append((t & 0x3FFF, b[4:n]))
        b = b[(n + 3) & ~3:]
    return out


class Genl:
    def __init__(self):
        self.s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
        self.s.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.s.bind((0, 0))
        self.seq = 0

    def request(self, family, cmd, payload=b"", version=1, flags=NLM_F_REQUEST | NLM_F_ACK):
        """Send; return (errno, extack message, [reply attribute lists])."""
        self.seq += 1
        body = struct.pack("BBH", cmd, version, 0) + payload
        self.s.send(struct.pack("IHHII", 16 + len(body), family, flags, self.seq, 0) + body)
        replies = []
        while True:
            data = self.s.recv(65536)
            while data:
                n, typ, fl, seq, pid = struct.unpack_from("IHHII", data)
                msg = data[16:n]
                data = data[(n + 3) & ~3:]
                if typ == NLMSG_ERROR:
                    err = -struct.unpack_from("i", msg)[0]
                    text = None
                    if fl & 0x200:  # NLM_F_ACK_TLVS
                        inner = struct.unpack_from("I", msg, 4)[0]
                        tlv_at = 4 + (inner if not fl & 0x100 else 16)  # NLM_F_CAPPED
                        for t, v in parse_attrs(msg[(tlv_at + 3) & ~3:]):
                            if t == NLMSGERR_ATTR_MSG:
                                text = v.rstrip(b"\0").decode()
                    return err, text, replies
                replies.append(parse_attrs(msg[4:]))

    def family(self, name="tcpsplice"):
        err, _, replies = self.request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, attr(CTRL_ATTR_FAMILY_NAME, name.encode() + b"\0"))
        if err:
            raise OSError(err, os.strerror(err))
        return struct.unpack("H", dict(replies[0])[CTRL_ATTR_FAMILY_ID])[0]
