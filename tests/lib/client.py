"""Test client for spliced connections: every mode verifies every byte it
receives and exits non-zero (with the reason) on the first difference.

  client.py ADDR PORT HOST MODE ARGS [+ MODE ARGS...]
                                               the modes below, one after
                                               the other; "+ to ADDR PORT
                                               HOST" changes the target of
                                               the ones after it

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
  client.py ADDR PORT HOST failover C N K SECS GO
                                               C bulk and K interactive
                                               connections make a first request,
                                               print "ready", wait for file GO,
                                               then each bulk one downloads N
                                               bytes and each interactive one
                                               exchanges every 100 ms for SECS
                                               s (FAILOVER_RATE=R in the
                                               environment: the backend paces
                                               each download to R bytes/s);
                                               makes file GO.started once
                                               every connection has received
                                               data; prints the longest stall
                                               (PROGRESS=NAME in the environment:
                                               a progress line every
                                               PROGRESS_EVERY seconds, 1)
  client.py ADDR PORT HOST connector MS SECS GO
                                               once file GO exists, a new
                                               connection every MS ms for
                                               SECS s, each one request;
                                               prints when the first
                                               handshake and the first
                                               answer came, in ms after GO
                                               appeared
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
        # A bytearray: appending to bytes copies the whole buffer each time,
        # seconds of CPU for a few megabytes under emulation.
        self.buf = bytearray()
        # The longest wait between two arrivals within one response.
        self.last, self.gap = None, 0.0

    def _fill(self):
        d = self.s.recv(1 << 16)
        if not d:
            raise EOFError("connection closed")
        now = time.monotonic()
        if self.last is not None:
            self.gap = max(self.gap, now - self.last)
        self.last = now
        self.buf += d

    def request(self, method, path, body=b""):
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Length: {len(body)}\r\n\r\n"
        self.s.sendall(head.encode() + body)
        return self.response(f"{method} {path}")

    def response(self, what="request"):
        """Read one 200 response with a Content-Length body; the body."""
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode().split("\r\n")
        if " 200 " not in lines[0] + " ":
            raise ValueError(f"{what}: {lines[0]}")
        n = next(int(l.split(":")[1]) for l in lines if l.lower().startswith("content-length:"))
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        self.last = None
        return out

    def close(self):
        self.s.close()


def check(got, want, what):
    if got != want:
        i = next((k for k in range(min(len(got), len(want))) if got[k] != want[k]), min(len(got), len(want)))
        sys.exit(f"{what}: {len(got)} bytes, expected {len(want)}; first difference at byte {i}")


def each_op(words):
    """The "+"-separated operations in words, each a non-empty list (a
    mode and its arguments): one Python start-up for several, which costs
    seconds under emulation. Shared by l7client.py and syncmsg.py."""
    op = []
    for word in words + ["+"]:
        if word != "+":
            op.append(word)
        elif op:
            yield op
            op = []


def main():
    """Run the operations named on the command line (each_op), one after
    the other."""
    addr, port, host = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    for op in each_op(sys.argv[4:]):
        if op[0] == "to":
            addr, port, host = op[1], int(op[2]), op[3]
        else:
            run(addr, port, host, op[0], op[1:])


def run(addr, port, host, mode, args):
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
    elif mode == "connector":
        connector(addr, port, host, int(args[0]) / 1000, float(args[1]), args[2])
    elif mode == "failover":
        failover(addr, port, host, int(args[0]), int(args[1]), int(args[2]), float(args[3]), args[4])
    else:
        sys.exit(f"unknown mode {mode}")


def connector(addr, port, host, every, secs, go):
    """New connections while a proxy fails and another takes over: one
    attempt every `every` s, each in its own thread (a SYN lost to the dead
    proxy is retransmitted only after 1 s, 3 s...: a fresh attempt shows
    when the VIP answers again), each one request. Prints, in ms after GO
    appeared, when the first handshake completed (first_connect_ms) and
    the first request was answered (first_ok_ms; -1 if none), the median
    time from a handshake to its answer (answer_p50_ms: the proxy's own
    latency), the counts, and the timeline."""
    while not os.path.exists(go):
        time.sleep(0.01)
    start = time.monotonic()
    results, wrong, lock = [], [], threading.Lock()
    now = lambda: time.monotonic() - start

    def attempt():
        began, connected, answered = now(), None, None
        try:
            c = Conn(addr, port, host)
            connected = now()
            # Long enough for any answer: an attempt that gave up would
            # close its socket, and the answer arriving after that would
            # count as an abort at the client (TCPAbortOnData), which
            # failover_test forbids. In the loaded two-guest crash the
            # proxy answered 18 of 26 attempts only after more than 10 s
            # (2026-12-06): its wait for the splice's quiet moment.
            c.s.settimeout(60)
            check(c.request("GET", "/bytes/100"), expected(100), "a new connection")
            answered = now()
            c.close()
        except (OSError, ValueError, EOFError):
            pass
        except SystemExit as e:  # a wrong byte: the run fails
            wrong.append(str(e))
        with lock:
            results.append((began, connected, answered))

    threads, k = [], 0
    while now() < secs:
        time.sleep(max(0.0, k * every - now()))
        t = threading.Thread(target=attempt)
        t.start()
        threads.append(t)
        k += 1
    for t in threads:
        t.join()
    results.sort()
    ms = lambda x: f"{x * 1000:.0f}" if x is not None else "-"
    first = lambda i: min((r[i] for r in results if r[i] is not None), default=None)
    lat = sorted(r[2] - r[1] for r in results if r[2] is not None)
    print(f"first_connect_ms={ms(first(1)) if first(1) is not None else -1} "
          f"first_ok_ms={ms(first(2)) if first(2) is not None else -1} "
          f"answer_p50_ms={ms(lat[len(lat) // 2]) if lat else -1} "
          f"attempts={len(results)} ok={len(lat)}", flush=True)
    # each attempt: started>connected>answered (ms after GO; "-": never)
    print("timeline " + " ".join(">".join(ms(x) for x in r) for r in results), flush=True)
    if wrong:
        sys.exit(wrong[0])


def failover(addr, port, host, nbulk, n, ninter, secs, go):
    """Connections that live through a proxy failure; see the usage. One
    thread and a selector, so that a slow machine measures the network and
    not the scheduling of a hundred threads."""
    import selectors

    # FAILOVER_RATE: the downloads paced by the backend, bytes a second each
    rate = f"&rate={os.environ['FAILOVER_RATE']}" if os.environ.get("FAILOVER_RATE") else ""
    conns = [Conn(addr, port, host) for _ in range(nbulk + ninter)]
    for k, c in enumerate(conns):
        check(c.request("GET", "/bytes/100"), expected(100), f"first request {k}")
    print("ready", flush=True)
    while not os.path.exists(go):
        time.sleep(0.05)
    sel = selectors.DefaultSelector()
    start = time.monotonic()

    class St:
        def __init__(self, k, c, bulk):
            self.k, self.c, self.bulk = k, c, bulk
            self.buf, self.want, self.sent_at = bytearray(), None, 0.0
            self.last, self.gap, self.i, self.done = None, 0.0, 0, False
            self.path, self.next_at, self.got = "", None, False

        def send(self):
            self.path = f"/bytes/{n}?seed={self.k}{rate}" if self.bulk else f"/echo/s{self.k}m{self.i}"
            self.c.s.sendall(f"GET {self.path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\n\r\n".encode())
            self.sent_at, self.buf, self.want, self.last = time.monotonic(), bytearray(), None, None

    states = []
    for k, c in enumerate(conns):
        st = St(k if k < nbulk else k - nbulk, c, k < nbulk)
        c.s.setblocking(False)
        st.send()
        sel.register(c.s, selectors.EVENT_READ, st)
        states.append(st)
    worst, iworst, gaps, pending = 0.0, 0.0, [], len(states)
    # GO.started: every connection has received data since GO (a failure
    # made after it is one in the middle of every transfer).
    started = False
    label, every = os.environ.get("PROGRESS"), float(os.environ.get("PROGRESS_EVERY", "1"))
    next_report = start + every
    while pending:
        events = sel.select(timeout=0.02)
        now = time.monotonic()
        if label and now >= next_report:
            next_report += every
            report(label, now - start, states, n)
        for st in states:
            if st.next_at is not None and now >= st.next_at:
                st.next_at = None
                st.send()
        if now - start > 300:
            late = [f"{'bulk' if s.bulk else 'interactive'} {s.k} (port {s.c.s.getsockname()[1]}, {len(s.buf)} bytes)" for s in states if not s.done]
            sys.exit(f"{len(late)} of {len(states)} did not complete in 300 s; first: {late[0]}")
        for key, _ in events:
            st = key.data
            try:
                d = st.c.s.recv(1 << 16)
            except BlockingIOError:
                continue
            if not d:
                sys.exit(f"{'bulk' if st.bulk else 'interactive'} {st.k}: connection closed")
            if st.last is not None:
                st.gap = max(st.gap, now - st.last)
            st.last, st.got = now, True
            if not started and all(s.got for s in states):
                started = True
                open(go + ".started", "w").close()
            st.buf += d
            if st.want is None and b"\r\n\r\n" in st.buf:
                head, st.buf = st.buf.split(b"\r\n\r\n", 1)
                lines = head.decode().split("\r\n")
                if " 200 " not in lines[0] + " ":
                    sys.exit(f"GET {st.path}: {lines[0]}")
                st.want = next(int(l.split(":")[1]) for l in lines if l.lower().startswith("content-length:"))
            if st.want is None or len(st.buf) < st.want:
                continue
            if st.bulk:
                check(st.buf, expected(n, st.k), f"bulk {st.k}")
                worst = max(worst, st.gap)
                gaps.append(st.gap)
            else:
                check(st.buf, f"s{st.k}m{st.i}".encode(), f"interactive {st.k}")
                worst = max(worst, now - st.sent_at)
                iworst = max(iworst, now - st.sent_at)
                st.i += 1
                if now - start < secs:
                    # The next exchange 100 ms after this one started.
                    st.next_at, st.buf, st.want = st.sent_at + 0.1, bytearray(), None
                    continue
            st.done = True
            pending -= 1
            sel.unregister(st.c.s)
            st.c.close()
    gaps.sort()
    pct = lambda q: gaps[min(len(gaps) - 1, int(q * len(gaps)))] * 1000 if gaps else 0
    print(f"bulk_ok={nbulk} interactive_ok={ninter} stall_ms={worst * 1000:.0f} "
          f"bulk_stall_p50_ms={pct(0.5):.0f} bulk_stall_p90_ms={pct(0.9):.0f} "
          f"interactive_worst_ms={iworst * 1000:.0f}", flush=True)


def report(label, t, states, n):
    """One progress line: each bulk transfer as a digit (tenths received, #
    when done), the interactive sessions' exchanges, and the longest silence
    of a connection still running."""
    def bar(st):
        if st.done:
            return "#"
        return str(min(9, len(st.buf) * 10 // max(n, 1)))
    bulk = "".join(bar(s) for s in states if s.bulk)
    exchanges = sum(s.i for s in states if not s.bulk)
    now = time.monotonic()
    silent = max([now - (s.last or s.sent_at) for s in states if not s.done] or [0])
    print(f"{label} {t:5.0f}s  bulk [{bulk}]  interactive exchanges {exchanges:5d}  "
          f"longest silence now {silent:4.1f}s", flush=True)


if __name__ == "__main__":
    main()
