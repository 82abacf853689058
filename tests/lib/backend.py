"""Test backend: HTTP/1.1 with keep-alive, deterministic bodies.

  GET /bytes/N[?seed=S][&rate=R]
                         N pseudo-random bytes (the same for the same N, S);
                         with rate, R bytes a second at most (paced in
                         8 KiB writes), as a client on a slower link
  POST /sha256           the SHA-256 (hex) of the request body (with
                         Content-Length or chunked)
  GET /echo/TEXT         TEXT (for request/response loops)
  GET /whoami            "ADDR PORT" of the client (as the PROXY header
                         says, with --proxy-protocol), then one line per
                         Forwarded / X-Forwarded-* header received
  GET /ws + Upgrade      101 Switching Protocols, then echoes every byte
                         until the client closes

Usage: backend.py ADDRESS PORT [--proxy-protocol]
  --proxy-protocol       every connection starts with a PROXY v1 or v2
                         header (anything else is refused)
"""
import hashlib
import http.server
import ipaddress
import random
import socketserver
import struct
import sys
import time
import urllib.parse

PROXY_PROTOCOL = "--proxy-protocol" in sys.argv[3:]
V2_SIGNATURE = b"\r\n\r\n\x00\r\nQUIT\n"


def read_proxy_header(f):
    """The client (address, port) from a PROXY v1 or v2 header on f."""
    first = f.read(12)
    if first == V2_SIGNATURE:
        ver_cmd, fam, n = struct.unpack("!BBH", f.read(4))
        body = f.read(n)
        if ver_cmd != 0x21 or fam not in (0x11, 0x21):
            raise ValueError("unsupported PROXY v2 header")
        k = 4 if fam == 0x11 else 16
        src = ipaddress.ip_address(body[:k])
        sport = struct.unpack("!H", body[2 * k:2 * k + 2])[0]
        return str(src), sport
    if not first.startswith(b"PROXY "):
        raise ValueError("no PROXY header")
    line = first + f.readline(100)
    parts = line.decode().split()
    if len(parts) != 6 or parts[1] not in ("TCP4", "TCP6") or not line.endswith(b"\r\n"):
        raise ValueError("bad PROXY v1 line")
    return parts[2], int(parts[4])


def body(n, seed):
    return random.Random(seed).randbytes(n)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def setup(self):
        super().setup()
        self.origin = self.client_address[:2]
        if PROXY_PROTOCOL:
            try:
                self.origin = read_proxy_header(self.rfile)
            except (ValueError, struct.error, UnicodeDecodeError):
                self.close_connection = True
                self.rfile = __import__("io").BytesIO(b"")

    def send(self, data, ctype="application/octet-stream", rate=0):
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if not rate:
            self.wfile.write(data)
            return
        start, step = time.monotonic(), 8192
        for at in range(0, len(data), step):
            self.wfile.write(data[at:at + step])
            self.wfile.flush()
            ahead = start + (at + step) / rate - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)

    def do_GET(self):
        path, _, query = self.path.partition("?")
        if path.startswith("/bytes/"):
            q = urllib.parse.parse_qs(query)
            seed = int(q.get("seed", ["1"])[0])
            self.send(body(int(path[7:]), seed), rate=int(q.get("rate", ["0"])[0]))
        elif path.startswith("/echo/"):
            self.send(path[6:].encode(), "text/plain")
        elif path == "/whoami":
            lines = ["%s %d" % self.origin]
            for k in ("Forwarded", "X-Forwarded-For", "X-Forwarded-Proto"):
                for v in self.headers.get_all(k) or []:
                    lines.append("%s: %s" % (k, v))
            self.send(("\n".join(lines) + "\n").encode(), "text/plain")
        elif path == "/ws" and self.headers.get("Upgrade", "").lower() == "websocket":
            self.send_response(101)
            self.send_header("Upgrade", "websocket")
            self.send_header("Connection", "Upgrade")
            self.end_headers()
            self.wfile.flush()
            while True:
                d = self.rfile.read1(65536)
                if not d:
                    break
                self.wfile.write(d)
                self.wfile.flush()
            self.close_connection = True
        else:
            self.send_error(404)

    def body_chunks(self):
        """The request body, piece by piece (Content-Length or chunked)."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return
                while size:
                    chunk = self.rfile.read(min(size, 65536))
                    if not chunk:
                        return
                    size -= len(chunk)
                    yield chunk
                self.rfile.readline()
        n = int(self.headers.get("Content-Length", 0))
        while n:
            chunk = self.rfile.read(min(n, 65536))
            if not chunk:
                break
            n -= len(chunk)
            yield chunk

    def do_POST(self):
        h = hashlib.sha256()
        for chunk in self.body_chunks():
            h.update(chunk)
        self.send(h.hexdigest().encode(), "text/plain")


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    request_queue_size = 1024

    def __init__(self, addr):
        if ":" in addr[0]:
            self.address_family = __import__("socket").AF_INET6
        super().__init__(addr, Handler)


if __name__ == "__main__":
    Server((sys.argv[1], int(sys.argv[2]))).serve_forever()
