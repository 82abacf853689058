# Splicing with bytes in flight (Documentation/splicing.rst, "Bytes in
# flight"): the proxy asks right after it writes what it forwards, and the
# module hands over a socket whose peer has not acknowledged everything yet.
# The backend's acknowledgement of the request late (the backend-side
# socket handed over), the request lost on the way (the handed-over socket
# retransmits it), and a backend that speaks first to a client whose
# acknowledgements are late (the banner, unread at the proxy, moved by the
# module to the client-side socket, which is handed over with it). Every
# byte exact at both ends, no reset, the proxy relays nothing, and every
# handed-over socket is retired once its peer has acknowledged what it
# held.
# timeout: 900
# cost: 170
. "$(dirname "$0")/lib.sh"
. "$TCPSPLICE_TOP/tests/lib/splice-lab.sh"
# (Connections under loss may need more than the default 3 s to connect;
# the banner client's head is 60 KB.)
splice_lab_up 'connect_timeout_ms = 30000
max_head_bytes = 65536
[[pool]]
name = "banner"
backends = ["203.0.113.21:8002"]
health_interval_ms = 0
[[route]]
host = "banner.example.com"
pool = "banner"
[[pool]]
name = "closer"
backends = ["203.0.113.21:8003"]
health_interval_ms = 0
[[route]]
host = "closer.example.com"
pool = "closer"
[[listen]]
address = "192.0.2.11:81"
fastopen = 16
'
r0c=$(rsts client1) r0b=$(rsts backend1)
# probe_speaker PORT WHAT: wait until backend1's server that speaks first
# listens on PORT. The probe leaves what it says unread, so its close
# resets: that reset is not counted against the scenario.
probe_speaker() {
  local rb
  rb=$(rsts backend1)
  wait_for 30 "on proxy1 bash -c 'exec 3<>/dev/tcp/203.0.113.21/$1' 2>/dev/null" || fail "$2"
  nap 0.5
  r0b=$((r0b + $(rsts backend1) - rb))
}
tcpsplicectl -n proxy1 reset-stats

# The backend acknowledges 300 ms late: the request is in flight when the
# proxy asks, on IPv4 and IPv6 (unless the proxy took longer than that to
# ask, which the first splice of a namespace can under emulation: it
# registers the hooks).
netem backend1 eth0 delay 300ms
for n in 100000 1000000; do
  got=$(on client1 curl -sf http://192.0.2.11/bytes/$n | sha256sum | cut -d' ' -f1)
  expect_eq "$got" "$(expected_sha $n)" "IPv4 download of $n bytes, request in flight"
  got=$(on client1 curl -sf -g -H 'Host: v6.example.com' "http://[2001:db8:1::11]/bytes/$n" | sha256sum | cut -d' ' -f1)
  expect_eq "$got" "$(expected_sha $n)" "IPv6 download of $n bytes, request in flight"
done
tcpsplicectl -n proxy1 stats | grep -E '^(splices_created|handover)'
expect_eq "$(kernel_value splices_created)" 4 "splices made"

expect_eq "$(kernel_value handover_drops)" 0 "packets of handed-over connections dropped"

# The request lost on its way, a third of the proxy's segments to the
# backend: the handed-over socket sends it again.
ip netns exec proxy1 tc qdisc replace dev eth1 root netem loss 30%
netem backend1 eth0 delay 50ms
h0=$(kernel_value handovers)
for i in $(seq 16); do
  got=$(on client1 curl -sf --retry 0 http://192.0.2.11/bytes/100000 | sha256sum | cut -d' ' -f1)
  expect_eq "$got" "$(expected_sha 100000)" "download $i with a third of the proxy's segments to the backend lost"
done
ip netns exec proxy1 tc qdisc del dev eth1 root
on backend1 tc qdisc del dev eth0 root
echo "loss: $(( $(kernel_value handovers) - h0 )) handovers, $(kernel_value handover_segments) retransmissions by handed-over sockets" >> /tmp/t-handover.note
expect_gt "$(( $(kernel_value handovers) - h0 ))" 0 "handovers with loss"
expect_gt "$(kernel_value handover_segments)" 0 "segments the handed-over sockets sent again"

# A backend that speaks first and a client that acknowledges 400 ms late:
# the backend sends a 30000-byte banner on accept and reads the request
# only then, with a receive window far smaller than the request (a 60 KB
# head): the proxy's write of the head completes only once the banner has
# reached its socket, unread. The module moves the banner to the client's
# socket, which is handed over with it. The answer comes 3 s after the
# request.
on backend1 python3 - > /tmp/banner.out 2>&1 <<'PY' &
import socket, threading, time
banner = bytes(range(256)) * 117 + b"\r\n" * 24
assert len(banner) == 30000
body = bytes((i * 7) % 251 for i in range(500000))
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
s.bind(("203.0.113.21", 8002))
s.listen(16)
def serve(c):
    c.sendall(banner)
    got = b""
    while b"\r\n\r\n" not in got:
        d = c.recv(4096)
        if not d:
            return
        got += d
    time.sleep(3)
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
    c.close()
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
bpid=$!
probe_speaker 8002 "banner backend"
netem client1 eth0 delay 400ms
h0=$(kernel_value handovers) b0=$(kernel_value handover_bytes) m0=$(kernel_value handover_moved)
for i in 1 2; do
  on client1 python3 - <<'PY' || fail "banner download $i"
import hashlib, socket
banner = bytes(range(256)) * 117 + b"\r\n" * 24
body = bytes((i * 7) % 251 for i in range(500000))
s = socket.create_connection(("192.0.2.11", 80), timeout=60)
s.sendall(b"GET / HTTP/1.1\r\nHost: banner.example.com\r\nX-Pad: " + b"p" * 60000 + b"\r\n\r\n")
got = b""
while True:
    d = s.recv(65536)
    if not d:
        break
    got += d
head = b"HTTP/1.1 200 OK\r\nContent-Length: 500000\r\nConnection: close\r\n\r\n"
want = banner + head + body
assert got == want, f"{len(got)} bytes, {hashlib.sha256(got).hexdigest()[:12]}; first difference at {next((k for k in range(min(len(got), len(want))) if got[k] != want[k]), None)}"
PY
  echo "banner download $i: $(kernel_value handovers) handovers, $(kernel_value handover_bytes) bytes" >> /tmp/t-handover.note
done
on client1 tc qdisc del dev eth0 root
kill "$bpid"
echo "banner: $(( $(kernel_value handovers) - h0 )) handovers, $(( $(kernel_value handover_bytes) - b0 )) bytes in flight, $(( $(kernel_value handover_moved) - m0 )) moved" >> /tmp/t-handover.note
expect_gt "$(( $(kernel_value handovers) - h0 ))" 1 "client-side sockets handed over"
expect_gt "$(( $(kernel_value handover_moved) - m0 ))" 59999 "banner bytes the module moved to the clients' sockets"
expect_gt "$(( $(kernel_value handover_bytes) - b0 ))" 59999 "banner bytes in flight handed over"

# A peer that closed before the splice (Documentation/splicing.rst, "A peer
# that closed first"). The backend sends an 18000-byte greeting and its FIN
# on accept and reads the request only then, with a small receive window
# until the head has come:
# the proxy's write of the 60 KB head completes after the greeting and the
# FIN reached its socket, unread. The module moves the greeting to the
# client's socket and sends that socket's FIN after it (handover_fins);
# the client reads the greeting and the end of the stream, then sends
# 100000 more bytes and its own FIN through the splice, and the backend
# must receive the head and those bytes exactly.
on backend1 python3 - > /tmp/closer.out 2>&1 <<'PY' &
import hashlib, socket, threading
greeting = b"220 closer ready\r\n" * 1000
assert len(greeting) == 18000
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
s.bind(("203.0.113.21", 8003))
s.listen(16)
def serve(c):
    # (The readiness probe closes at once: ignore its errors.)
    try:
        talk(c)
    except OSError:
        pass
    c.close()
def talk(c):
    c.sendall(greeting)
    c.shutdown(socket.SHUT_WR)
    got = b""
    while b"\r\n\r\n" not in got:
        d = c.recv(65536)
        if not d:
            return
        got += d
    # The head has come: a window for the rest.
    c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    while True:
        d = c.recv(65536)
        if not d:
            break
        got += d
    if got:
        print(len(got), hashlib.sha256(got).hexdigest(), flush=True)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
cpid=$!
probe_speaker 8003 "closing backend"
f0=$(kernel_value handover_fins) fin0=$(kernel_value splices_finished)
closer_client() {
  on client1 python3 - <<'PY'
import hashlib, socket
greeting = b"220 closer ready\r\n" * 1000
head = b"GET / HTTP/1.1\r\nHost: closer.example.com\r\nX-Pad: " + b"p" * 60000 + b"\r\n\r\n"
rest = bytes((i * 13) % 251 for i in range(100000))
s = socket.create_connection(("192.0.2.11", 80), timeout=60)
s.sendall(head)
got = s.makefile("rb").read()
assert got == greeting, f"{len(got)} bytes before the end of the stream"
s.sendall(rest)
s.shutdown(socket.SHUT_WR)
assert s.recv(1) == b""
s.close()
print(len(head) + len(rest), hashlib.sha256(head + rest).hexdigest())
PY
}
for i in 1 2; do
  sent=$(closer_client) || fail "greeting and request $i, the backend closed first"
  wait_for 20 "grep -qx '$sent' /tmp/closer.out" ||
    fail "the backend did not receive the request $i exactly: wanted $sent, got $(cat /tmp/closer.out)"
done
kill "$cpid"
echo "backend closed first: $(( $(kernel_value handover_fins) - f0 )) FINs sent by the module, $(( $(kernel_value splices_finished) - fin0 )) splices finished" >> /tmp/t-handover.note
expect_eq "$(( $(kernel_value handover_fins) - f0 ))" 2 "FINs the module passed on at splice time"
wait_for 20 '[ "$(( $(kernel_value splices_finished) - fin0 ))" -ge 2 ]' ||
  fail "splices not finished by their FINs: $(tcpsplicectl -n proxy1 list)"

# A client that half-closes right after its request (its FIN may reach the
# proxy before the splice or after it; either way the backend sees the end
# of the request and answers).
half_closed_client() {
  on client1 python3 - "$1" <<'PY'
import hashlib, socket, sys
s = socket.create_connection(("192.0.2.11", 80), timeout=60)
s.sendall(b"GET /bytes/%s HTTP/1.1\r\nHost: www.example.com\r\n\r\n" % sys.argv[1].encode())
s.shutdown(socket.SHUT_WR)
got = s.makefile("rb").read()
head, _, body = got.partition(b"\r\n\r\n")
assert head.startswith(b"HTTP/1.1 200"), head[:40]
print(hashlib.sha256(body).hexdigest())
PY
}
for n in 1000 300000; do
  got=$(half_closed_client "$n") || fail "half-closed request for $n bytes"
  expect_eq "$got" "$(expected_sha "$n")" "half-closed request: $n bytes"
done
echo "client half-closed: $(( $(kernel_value handover_fins) - f0 - 2 )) of 2 FINs passed on at splice time" >> /tmp/t-handover.note

# TCP Fast Open: the request comes in the SYN, the proxy accepts the
# connection before the client's ACK (SYN_RECV) and asks at once; the
# module refuses for now (a transient "still in its handshake"), and the
# proxy asks again, without reading or relaying, until the client's ACK,
# 300 ms late, has come. The backend answers and closes meanwhile.
on proxy1 sysctl -qw net.ipv4.tcp_fastopen=3
on client1 sysctl -qw net.ipv4.tcp_fastopen=1
p0=$(tcpext proxy1 TCPFastOpenPassive) s0=$(kernel_value splices_created)
tfo() {
  on client1 python3 - "$1" <<'PY'
import hashlib, socket, sys
s = socket.socket()
req = b"GET /bytes/%s HTTP/1.1\r\nHost: www.example.com\r\nConnection: close\r\n\r\n" % sys.argv[1].encode()
# (Blocking: without a cookie yet, the first one connects, then sends.)
s.sendto(req, getattr(socket, "MSG_FASTOPEN", 0x20000000), ("192.0.2.11", 81))
s.settimeout(60)
got = s.makefile("rb").read()
head, _, body = got.partition(b"\r\n\r\n")
assert head.startswith(b"HTTP/1.1 200"), head[:40]
print(hashlib.sha256(body).hexdigest())
PY
}
# The first connection fetches the cookie; the next ones send data in
# their SYN.
expect_eq "$(tfo 1000)" "$(expected_sha 1000)" "TCP Fast Open: cookie request"
netem client1 eth0 delay 300ms
for n in 1000 200000; do
  expect_eq "$(tfo "$n")" "$(expected_sha "$n")" "TCP Fast Open with $n bytes, data in the SYN"
done
on client1 tc qdisc del dev eth0 root
echo "TCP Fast Open: $(( $(tcpext proxy1 TCPFastOpenPassive) - p0 )) accepted with data in the SYN, $(( $(kernel_value splices_created) - s0 )) of 3 spliced" >> /tmp/t-handover.note
expect_eq "$(( $(tcpext proxy1 TCPFastOpenPassive) - p0 ))" 2 "connections accepted with data in their SYN"
expect_eq "$(( $(kernel_value splices_created) - s0 ))" 3 "TCP Fast Open connections spliced"

# Every handed-over socket retired once its peer acknowledged what it held:
# none of the proxy's connections is left.
wait_for 10 '[ "$(ip netns exec proxy1 ss -Htn state established | wc -l)" = 0 ]' ||
  fail "connections left at the proxy: $(ip netns exec proxy1 ss -tn)"
wait_for 40 '[ "$(kernel_value splices_active)" = 0 ]' || fail "entries left: $(tcpsplicectl -n proxy1 list)"
expect_eq "$(kernel_value handover_drops)" 0 "packets of handed-over connections dropped"
expect_eq "$(kernel_value drop_malformed)" 0 "malformed drops"
# What the handed-over sockets sent beyond their bytes was theirs
# (handover_held); nothing else local was sent on a spliced connection.
expect_eq "$(kernel_value drop_local)" 0 "local packets on spliced connections, not from a handed-over socket"
expect_eq "$(rsts client1)" "$r0c" "resets at the client"
expect_eq "$(rsts backend1)" "$r0b" "resets at the backend"
proxy_stop
echo "$PROXY_LAST"
expect_eq "$(proxy_relayed relayed)" 0 "connections the proxy relayed"
expect_eq "$(proxy_relayed relayed_bytes_to_backend)" 0 "bytes the proxy relayed to backends"
expect_eq "$(proxy_relayed relayed_bytes_to_client)" 0 "bytes the proxy relayed to clients"
cat /tmp/t-handover.note
