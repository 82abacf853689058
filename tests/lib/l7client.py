"""HTTP/1.1 cases a layer-7 proxy must get right, against tests/lib/backend.py
through tcpsplice-proxy; each verifies every byte and exits non-zero with the
reason on the first difference.

  l7client.py ADDR PORT pipelined        two requests in one segment
  l7client.py ADDR PORT split            a head sent one byte at a time
  l7client.py ADDR PORT chunked N        a chunked upload of N bytes, the head
                                         and 1000 bytes first, the rest 1 s
                                         later (after the splice)
  l7client.py ADDR PORT length N         the same with Content-Length
  l7client.py ADDR PORT upgrade N        Upgrade: websocket, then N bytes
                                         echoed both ways
  l7client.py ADDR PORT whoami HOST N    GET /whoami (prints it), then
                                         N bytes on the same connection
  l7client.py ADDR PORT status CODE HEAD a raw HEAD (Python escapes) must
                                         get status CODE (after up to 30 s)
  l7client.py ADDR PORT MODE ARGS + MODE ARGS...
                                         several, one after the other (one
                                         Python start-up: seconds under
                                         emulation)
"""
import hashlib
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from client import Conn, check, each_op, expected  # noqa: E402


def head(method, path, host="l7", extra=""):
    return f"{method} {path} HTTP/1.1\r\nHost: {host}\r\n{extra}\r\n".encode()


def upload(addr, port, n, chunked):
    data = os.urandom(n)
    if chunked:
        body = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in
                        (data[i:i + 65536] for i in range(0, n, 65536))) + b"0\r\n\r\n"
        h = head("POST", "/sha256", extra="Transfer-Encoding: chunked\r\n")
    else:
        body = data
        h = head("POST", "/sha256", extra=f"Content-Length: {n}\r\n")
    c = Conn(addr, port, "l7")
    c.s.sendall(h + body[:1000])
    time.sleep(1)  # the proxy splices in this quiet moment
    c.s.sendall(body[1000:])
    got = c.response()
    check(got, hashlib.sha256(data).hexdigest().encode(), f"{'chunked' if chunked else 'length'} upload of {n}")


def main():
    addr, port = sys.argv[1], int(sys.argv[2])
    for op in each_op(sys.argv[3:]):
        run(addr, port, op[0], op[1:])


def run(addr, port, mode, args):
    if mode == "pipelined":
        c = Conn(addr, port, "l7")
        c.s.sendall(head("GET", "/bytes/1000") + head("GET", "/bytes/2000000?seed=2"))
        check(c.response(), expected(1000), "first pipelined response")
        check(c.response(), expected(2000000, 2), "second pipelined response")
    elif mode == "split":
        c = Conn(addr, port, "l7")
        for b in head("GET", "/bytes/1000000?seed=3"):
            c.s.sendall(bytes([b]))
            time.sleep(0.005)
        check(c.response(), expected(1000000, 3), "response to a head sent byte by byte")
    elif mode in ("chunked", "length"):
        upload(addr, port, int(args[0]), mode == "chunked")
    elif mode == "upgrade":
        n = int(args[0])
        s = socket.create_connection((addr, port), timeout=60)
        s.sendall(head("GET", "/ws", extra="Upgrade: websocket\r\nConnection: Upgrade\r\n"))
        buf = b""
        while b"\r\n\r\n" not in buf:
            d = s.recv(4096)
            if not d:
                sys.exit("closed before the 101")
            buf += d
        status, rest = buf.split(b"\r\n", 1)[0], buf.split(b"\r\n\r\n", 1)[1]
        if b" 101 " not in status:
            sys.exit(f"upgrade answered {status!r}")
        time.sleep(1)  # spliced by now
        data, got = os.urandom(n), bytearray(rest)
        sent = 0
        while len(got) < n:
            if sent < n:
                sent += s.send(data[sent:sent + 65536])
            s.settimeout(0.05 if sent < n else 60)
            try:
                d = s.recv(1 << 16)
                if not d:
                    break
                got += d
            except socket.timeout:
                pass
        check(bytes(got), data, f"echo of {n} bytes after the upgrade")
    elif mode == "whoami":
        host, n = args[0], int(args[1])
        c = Conn(addr, port, host)
        print(c.request("GET", "/whoami").decode(), end="")
        check(c.request("GET", f"/bytes/{n}?seed=4"), expected(n, 4), f"download of {n} after /whoami")
    elif mode == "status":
        code, raw = args[0], args[1].encode().decode("unicode_escape").encode("latin-1")
        s = socket.create_connection((addr, port), timeout=30)
        s.sendall(raw)
        got = b""
        while b"\r\n" not in got:
            d = s.recv(4096)
            if not d:
                break
            got += d
        if not got.startswith(f"HTTP/1.1 {code} ".encode()):
            sys.exit(f"expected {code}, got {got[:60]!r}")
    else:
        sys.exit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
