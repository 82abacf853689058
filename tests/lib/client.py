"""Test client for spliced connections: every mode verifies every byte it
receives and exits non-zero (with the reason) on the first difference.

  client.py ADDR PORT HOST download N          one GET /bytes/N
  client.py ADDR PORT HOST upload N PAUSE      GET (to get the connection
                                               spliced), pause, POST N bytes
                                               on the same connection
  client.py ADDR PORT HOST keepalive K         K GETs of varied sizes, one
                                               connection
  client.py ADDR PORT HOST interactive MS SECS a request every MS ms for SECS s
  client.py ADDR PORT HOST parallel C N        C connections at once, each
                                               downloading N bytes
  client.py ADDR PORT HOST hold C SECS         C connections, one request
                                               each, then held open SECS s
The backend is tests/lib/backend.py.
"""
import hashlib
import os
import random
import socket
import sys
import threading
import time


def expected(n, seed=1):
    return random.Random(seed).randbytes(n)


class Conn:
    def __init__(self, addr, port, host):
        self.s = socket.create_connection((addr, port), timeout=60)
        self.host = host
        self.buf = b""

    def _fill(self):
        d = self.s.recv(1 << 16)
        if not d:
            raise EOFError("connection closed")
        self.buf += d

    def request(self, method, path, body=b""):
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Length: {len(body)}\r\n\r\n"
        self.s.sendall(head.encode() + body)
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode().split("\r\n")
        if " 200 " not in lines[0] + " ":
            raise ValueError(f"{method} {path}: {lines[0]}")
        n = next(int(l.split(":")[1]) for l in lines if l.lower().startswith("content-length:"))
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def close(self):
        self.s.close()


def check(got, want, what):
    if got != want:
        i = next((k for k in range(min(len(got), len(want))) if got[k] != want[k]), min(len(got), len(want)))
        sys.exit(f"{what}: {len(got)} bytes, expected {len(want)}; first difference at byte {i}")


def main():
    addr, port, host, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    args = sys.argv[5:]
    if mode == "download":
        n = int(args[0])
        c = Conn(addr, port, host)
        check(c.request("GET", f"/bytes/{n}"), expected(n), f"download of {n}")
        c.close()
    elif mode == "upload":
        n, pause = int(args[0]), float(args[1])
        c = Conn(addr, port, host)
        check(c.request("GET", "/bytes/10"), expected(10), "first request")
        time.sleep(pause)
        data = os.urandom(n)
        got = c.request("POST", "/sha256", data)
        check(got, hashlib.sha256(data).hexdigest().encode(), f"upload of {n}")
        c.close()
    elif mode == "keepalive":
        rng = random.Random(7)
        c = Conn(addr, port, host)
        for i in range(int(args[0])):
            n, seed = rng.randrange(1, 200000), rng.randrange(1, 1000)
            check(c.request("GET", f"/bytes/{n}?seed={seed}"), expected(n, seed), f"request {i}")
        c.close()
    elif mode == "interactive":
        interval, secs = int(args[0]) / 1000, float(args[1])
        c = Conn(addr, port, host)
        end, i, worst = time.monotonic() + secs, 0, 0.0
        while time.monotonic() < end:
            t = time.monotonic()
            check(c.request("GET", f"/echo/msg{i}"), f"msg{i}".encode(), f"exchange {i}")
            worst = max(worst, time.monotonic() - t)
            i += 1
            time.sleep(max(0.0, interval - (time.monotonic() - t)))
        c.close()
        print(f"exchanges={i} worst_ms={worst * 1000:.0f}")
    elif mode == "parallel":
        conns, n = int(args[0]), int(args[1])
        errors = []
        opened = [Conn(addr, port, host) for _ in range(conns)]

        def one(c, k):
            try:
                check(c.request("GET", f"/bytes/{n}?seed={k}"), expected(n, k), f"connection {k}")
                c.close()
            except SystemExit as e:
                errors.append(str(e))
            except Exception as e:  # noqa: BLE001 - report any failure
                errors.append(f"connection {k}: {e!r}")

        threads = [threading.Thread(target=one, args=(c, k)) for k, c in enumerate(opened)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            sys.exit(f"{len(errors)} of {conns} failed; first: {errors[0]}")
    elif mode == "hold":
        conns, secs = int(args[0]), float(args[1])
        held = []
        for k in range(conns):
            c = Conn(addr, port, host)
            check(c.request("GET", "/bytes/100"), expected(100), f"connection {k}")
            held.append(c)
        time.sleep(secs)
    else:
        sys.exit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
