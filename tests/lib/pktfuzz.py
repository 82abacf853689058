"""Bounded-time hostile segments at one spliced connection (needs scapy; run
with /usr/bin/python3 in the namespace of one of the connection's ends).

  pktfuzz.py IFACE SRC SPORT DST DPORT SECONDS SEED

Pretends to be SRC:SPORT, the endpoint whose namespace it runs in, talking
to DST:DPORT (the proxy's side of the splice). It first reads a segment of
the connection off IFACE to learn the sequence numbers in use (and keeps
them current from every segment the other side sends), prints "sending",
then sends,
for SECONDS, a random mix of: random and malformed TCP options (zero and
overlong lengths, an option walk running past the header, SACK blocks of odd
lengths and too many of them), data offsets below 5 and past the packet,
truncated, lying and option-carrying IP headers, IP fragments of the
connection, bad checksums, overlapping and out-of-window segments, inexact
RSTs in and out of the window (in the window: at least 2000 bytes past the
latest acknowledgement, more than the victim has in flight, so never exact
by chance), SYNs on the spliced tuple, ACKs far ahead
(challenge ACKs) and ICMP errors quoting the connection. Prints how many of
each kind it sent.
"""
import random
import socket
import struct
import sys
import time

from scapy.all import ICMP, IP, conf
from scapy.utils import checksum

FIN, SYN, RST, PSH, ACK = 1, 2, 4, 8, 16


class Fuzz:
    def __init__(self, iface, src, sport, dst, dport, seed):
        self.r = random.Random(seed)
        self.iface, self.src, self.sport, self.dst, self.dport = iface, src, sport, dst, dport
        gw = conf.route.route(dst)[2]
        self.eth = self.neighbour(gw if gw != "0.0.0.0" else dst) + self.hwaddr(iface) + b"\x08\x00"
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        self.s.bind((iface, 0))
        self.rx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))  # ETH_P_ALL
        # Room for what the transfers beside the victim put on the link
        # between two reads: a full buffer drops the newest segments, and
        # numbers learned from old ones could make an "inexact" reset exact.
        # (SO_RCVBUFFORCE, 33: as root, past net.core.rmem_max)
        self.rx.setsockopt(socket.SOL_SOCKET, getattr(socket, "SO_RCVBUFFORCE", 33), 8 << 20)
        self.rx.bind((iface, 0))
        self.seq, self.ack = self.learn()

    @staticmethod
    def hwaddr(iface):
        return bytes.fromhex(open(f"/sys/class/net/{iface}/address").read().strip().replace(":", ""))

    @staticmethod
    def neighbour(ip):
        """The next hop's MAC address, from the kernel's neighbour table (the
        victim connection keeps it there)."""
        for line in open("/proc/net/arp").read().splitlines()[1:]:
            f = line.split()
            if f[0] == ip and f[3] != "00:00:00:00:00:00":
                return bytes.fromhex(f[3].replace(":", ""))
        sys.exit(f"no neighbour entry for {ip}")

    def learn(self, wait=20):
        """Our next sequence number and what we acknowledge, from the latest
        segment the other side sent us (the last ones known if none comes).
        Read from a packet socket of our own: no capture filter to compile."""
        want = (socket.inet_aton(self.dst), socket.inet_aton(self.src), self.dport, self.sport)
        got = None
        self.rx.setblocking(False)
        while True:  # what is queued already: the latest match wins
            try:
                got = self.match(self.rx.recv(65535), want) or got
            except BlockingIOError:
                break
        end = time.monotonic() + wait
        while got is None and time.monotonic() < end:
            self.rx.settimeout(max(0.01, end - time.monotonic()))
            try:
                got = self.match(self.rx.recv(65535), want)
            except socket.timeout:
                break
        if got:
            return got
        if wait < 20:
            return self.seq, self.ack
        sys.exit("no segment of the connection seen")

    @staticmethod
    def match(f, want):
        """(our seq, our ack) if frame f is a segment of the connection to us."""
        if len(f) < 14 + 40 or f[12:14] != b"\x08\x00" or f[14 + 9] != 6:
            return None
        ip = f[14:]
        hl = (ip[0] & 0xF) * 4
        tcp = ip[hl:]
        if len(tcp) < 20 or (ip[12:16], ip[16:20]) != want[:2] or struct.unpack(">HH", tcp[:4]) != want[2:]:
            return None
        seq, ack = struct.unpack(">II", tcp[4:12])
        payload = struct.unpack(">H", ip[2:4])[0] - hl - (tcp[12] >> 4) * 4
        return ack, (seq + payload) & 0xFFFFFFFF

    def options(self):
        r = self.r
        pick = r.randrange(12)
        if pick == 0:
            return bytes([r.choice([2, 3, 4, 5, 8, 30, 254]), 0])  # zero length
        if pick == 1:
            return bytes([r.choice([2, 3, 5, 8]), 1])  # length below its own header
        if pick == 2:
            return bytes([8, 10]) + r.randbytes(4)  # walk runs past the header
        if pick == 3:
            n = r.choice([3, 7, 9, 11, 13, 17, 19, 27, 33])  # SACK of odd length
            return bytes([5, n]) + r.randbytes(n - 2)
        if pick == 4:  # many SACK blocks, some around our numbers
            k = r.randint(4, 6)
            blocks = b"".join(struct.pack(">II", (self.ack + r.randint(-5000, 5000)) & 0xFFFFFFFF,
                                          (self.ack + r.randint(-5000, 5000)) & 0xFFFFFFFF) for _ in range(k))
            return bytes([5, 2 + 8 * k]) + blocks
        if pick == 5:
            return bytes([8, r.choice([9, 11, 6])]) + r.randbytes(8)  # timestamps, wrong length
        if pick == 6:
            return bytes([3, 3, r.choice([15, 200, 255])])  # window scale outside SYN, too big
        if pick == 7:
            return bytes([2, 4]) + struct.pack(">H", r.choice([0, 1, 65535]))  # MSS outside SYN
        if pick == 8:
            return bytes([0]) + r.randbytes(r.randint(0, 19))  # EOL, then junk
        if pick == 9:
            return bytes([1] * r.randint(0, 40))  # only NOPs
        if pick == 10:
            return r.randbytes(r.randint(1, 40))
        return bytes([r.randint(9, 255), r.randint(2, 12)]) + r.randbytes(10)

    def tcp(self, seq, ack, flags, opts=b"", payload=b"", doff=None, csum=None, win=None):
        opts = opts[:40]
        opts += b"\0" * (-len(opts) % 4)
        if doff is None:
            doff = 5 + len(opts) // 4
        win = self.r.getrandbits(16) if win is None else win
        head = struct.pack(">HHIIBBHHH", self.sport, self.dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                           (doff & 0xF) << 4, flags, win, 0, 0) + opts
        seg = head + payload
        if csum is None:
            pseudo = socket.inet_aton(self.src) + socket.inet_aton(self.dst) + struct.pack(">BBH", 0, 6, len(seg))
            csum = checksum(pseudo + seg)
        return seg[:16] + struct.pack(">H", csum) + seg[18:]

    def ip(self, l4, proto=6, flags=0, frag=0, ihl=None, total=None, ipopts=b""):
        ipopts += b"\0" * (-len(ipopts) % 4)
        hl = 5 + len(ipopts) // 4 if ihl is None else ihl
        total = 20 + len(ipopts) + len(l4) if total is None else total
        head = struct.pack(">BBHHHBBH4s4s", 0x40 | (hl & 0xF), 0, total & 0xFFFF, self.r.getrandbits(16),
                           (flags << 13) | frag, 64, proto, 0, socket.inet_aton(self.src),
                           socket.inet_aton(self.dst)) + ipopts
        head = head[:10] + struct.pack(">H", checksum(head)) + head[12:]
        return head + l4

    def near(self, base, spread):
        return (base + self.r.randint(-spread, spread)) & 0xFFFFFFFF

    def one(self):
        """(kind, IP packet)"""
        r = self.r
        k = r.randrange(13)
        if k == 0:
            return "options", self.ip(self.tcp(self.seq, self.ack, ACK, self.options()))
        if k == 1:
            opts = b"".join(self.options() for _ in range(r.randint(2, 4)))
            return "options", self.ip(self.tcp(self.seq, self.ack, ACK | PSH, opts, r.randbytes(r.randint(0, 8)),
                                               csum=r.getrandbits(16)))
        if k == 2:  # data offset below 5, or past the packet
            return "doff", self.ip(self.tcp(self.seq, self.ack, ACK, doff=r.choice([0, 1, 4, 15, 11])))
        if k == 3:  # IP header that lies about its lengths, or carries options
            seg = self.tcp(self.seq, self.ack, ACK)
            how = r.randrange(4)
            if how == 0:
                return "ip", self.ip(seg, ihl=r.choice([0, 3, 4]))
            if how == 1:
                return "ip", self.ip(seg, total=r.choice([0, 19, 20, 30, 39, 2000]))
            if how == 2:
                return "ip", self.ip(seg, ihl=15)
            return "ip", self.ip(seg, ipopts=r.choice([bytes([1, 1, 1, 0]), bytes([7, 3, 4]), r.randbytes(8)]))
        if k == 4:  # the connection's segment, in two fragments
            seg = self.tcp(self.seq, self.ack, ACK | PSH, b"", r.randbytes(r.randint(8, 64)), csum=r.getrandbits(16))
            cut = r.choice([8, 16])
            first = self.ip(seg[:cut], flags=1)
            second = self.ip(seg[cut:], frag=cut // 8)
            return "fragments", [first, second] if r.random() < 0.5 else [second, first]
        if k == 5:  # bad checksum, data in the window
            return "bad_csum", self.ip(self.tcp(self.seq, self.ack, ACK | PSH, payload=r.randbytes(r.randint(1, 100)),
                                                csum=r.getrandbits(16)))
        if k == 6:  # out of the window, with data
            return "out_of_window", self.ip(self.tcp(self.near(self.seq + (1 << 31), 1 << 20), self.ack, ACK | PSH,
                                                     payload=r.randbytes(r.randint(1, 100))))
        if k == 7:  # overlapping old data (already acknowledged), bad checksum so no stream takes it
            return "overlap", self.ip(self.tcp(self.near(self.seq - 3000, 2000), self.ack, ACK | PSH,
                                               payload=r.randbytes(r.randint(1, 1200)), csum=r.getrandbits(16)))
        if k == 8:  # inexact reset inside the window, beyond anything in flight
            return "rst_in_window", self.ip(self.tcp((self.seq + r.randint(2000, 20000)) & 0xFFFFFFFF, 0, RST))
        if k == 9:  # reset far outside
            return "rst_out_of_window", self.ip(self.tcp(self.near(self.seq + (1 << 31), 1 << 24), self.ack,
                                                         RST | r.choice([0, ACK])))
        if k == 10:  # a SYN on the spliced tuple
            return "syn", self.ip(self.tcp(self.near(self.seq, 1 << 16), 0, SYN | r.choice([0, ACK]),
                                           bytes([2, 4, 5, 0xB4, 4, 2, 3, 3, r.randint(0, 20), 1])))
        if k == 11:  # an acknowledgement of data never sent (a challenge ACK's cause)
            return "ack_ahead", self.ip(self.tcp(self.seq, self.near(self.ack + (1 << 30), 1 << 20), ACK))
        # An ICMP error quoting a segment the proxy sent us.
        quoted = IP(src=self.dst, dst=self.src, proto=6) / bytes(self.tcp_back())
        quoted = bytes(quoted)[:r.choice([20, 28, 40, 60, 100])]
        t, c = r.choice([(3, 4), (3, 1), (3, 3), (11, 0), (12, 0), (4, 0)])
        icmp = bytes(ICMP(type=t, code=c, nexthopmtu=r.choice([0, 68, 576, 1280, 1400, 65535])) / quoted)
        if r.random() < 0.2:
            icmp = icmp[:2] + struct.pack(">H", r.getrandbits(16)) + icmp[4:]
        return "icmp", self.ip(icmp, proto=1)

    def tcp_back(self):
        """A segment as the proxy would have sent it to us."""
        return struct.pack(">HHIIBBHHH", self.dport, self.sport, self.ack, self.seq, 0x50, ACK, 1000, 0, 0)

    def send(self, pkt):
        self.s.send((self.eth + pkt)[:1514])


def main():
    iface, src, sport, dst, dport = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
    seconds, seed = float(sys.argv[6]), int(sys.argv[7])
    f = Fuzz(iface, src, sport, dst, dport, seed)
    print(f"sending: seq {f.seq} ack {f.ack}", flush=True)
    sent = {}
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        kind, pkts = f.one()
        for p in pkts if isinstance(pkts, list) else [pkts]:
            f.send(p)
        sent[kind] = sent.get(kind, 0) + 1
        f.seq, f.ack = f.learn(wait=0)
    print(" ".join(f"{k}={v}" for k, v in sorted(sent.items())))


if __name__ == "__main__":
    main()
