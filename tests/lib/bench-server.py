"""Benchmark backend: HTTP/1.1 keep-alive, bodies sent with sendfile(2) from a
file in tmpfs, uploads read into one buffer and discarded, so that Python is
not what is measured.

  GET /N        N bytes (any N up to the blob's size times any repeat)
  POST /upload  reads Content-Length bytes, answers "ok"
  Connection: close in a request closes after the response.

Usage: bench-server.py ADDRESS PORT BLOB
"""
import os
import socket
import sys
import threading


def serve(conn, blob_fd, blob_size):
    buf = bytearray(1 << 20)
    view = memoryview(buf)
    pending = b""
    try:
        while True:
            while b"\r\n\r\n" not in pending:
                d = conn.recv(65536)
                if not d:
                    return
                pending += d
            head, pending = pending.split(b"\r\n\r\n", 1)
            lines = head.decode("latin-1").split("\r\n")
            method, path = lines[0].split(" ")[:2]
            headers = {l.split(":", 1)[0].strip().lower(): l.split(":", 1)[1].strip() for l in lines[1:] if ":" in l}
            close = headers.get("connection", "").lower() == "close"
            if method == "POST":
                left = int(headers.get("content-length", "0")) - len(pending)
                pending = b""
                while left > 0:
                    n = conn.recv_into(view[: min(left, len(buf))])
                    if not n:
                        return
                    left -= n
                body = b"ok"
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n" + body)
            else:
                n = int(path.lstrip("/") or "0")
                conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Length: {n}\r\n\r\n".encode())
                while n > 0:
                    chunk = min(n, blob_size)
                    off = 0
                    while off < chunk:
                        off += os.sendfile(conn.fileno(), blob_fd, off, chunk - off)
                    n -= chunk
            if close:
                return
    except OSError:
        pass
    finally:
        conn.close()


def main():
    addr, port, blob = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    fd = os.open(blob, os.O_RDONLY)
    size = os.fstat(fd).st_size
    s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(1024)
    while True:
        c, _ = s.accept()
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=serve, args=(c, fd, size), daemon=True).start()


if __name__ == "__main__":
    main()
