"""Test backend: HTTP/1.1 with keep-alive, deterministic bodies.

  GET /bytes/N[?seed=S]  N pseudo-random bytes (the same for the same N, S)
  POST /sha256           the SHA-256 (hex) of the request body
  GET /echo/TEXT         TEXT (for request/response loops)

Usage: backend.py ADDRESS PORT
"""
import hashlib
import http.server
import random
import socketserver
import sys


def body(n, seed):
    return random.Random(seed).randbytes(n)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, data, ctype="application/octet-stream"):
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        path, _, query = self.path.partition("?")
        if path.startswith("/bytes/"):
            seed = int(query.split("=")[1]) if query.startswith("seed=") else 1
            self.send(body(int(path[7:]), seed))
        elif path.startswith("/echo/"):
            self.send(path[6:].encode(), "text/plain")
        else:
            self.send_error(404)

    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        h = hashlib.sha256()
        while n:
            chunk = self.rfile.read(min(n, 65536))
            if not chunk:
                break
            h.update(chunk)
            n -= len(chunk)
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
