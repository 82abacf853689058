# The spliced data path end to end, IPv4 and IPv6: downloads and uploads are
# byte-exact, the kernel carried them (its counters account for the bytes,
# the proxy relayed none), nobody saw a reset, and the entries go away after
# the connections close, each with a splice-end event that carries its
# bytes. A client that reuses its port at once gets a new
# connection, not the old splice; one that aborts ends its splice at once.
# nginx answering at once with 1 MiB.
# timeout: 900
# cost: 49
. "$(dirname "$0")/lib.sh"
. "$TCPSPLICE_TOP/tests/lib/splice-lab.sh"
. "$TCPSPLICE_TOP/tests/lib/nginx.sh"
splice_lab_up "[[pool]]
name = \"nginx\"
backends = [\"203.0.113.21:8001\"]
health_interval_ms = 0
[[route]]
host = \"nginx.example.com\"
pool = \"nginx\"
"
tcpsplicectl -n proxy1 reset-stats
r0c=$(rsts client1) r0b=$(rsts backend1)
client() { on client1 python3 "$LIB/client.py" "$@"; }
# Every splice made and gone, as an operator's monitor sees them.
tcpsplicectl -n proxy1 --json monitor --splices > /tmp/splice-events.json &
mpid=$!
nap 1 # subscribed before the first splice

# Downloads, IPv4 and IPv6.
for n in 1000000 3000000; do
  got=$(on client1 curl -sf http://192.0.2.11/bytes/$n | sha256sum | cut -d' ' -f1)
  expect_eq "$got" "$(expected_sha $n)" "IPv4 download of $n bytes"
done
# Uploads through the splice: a first request gets the connection spliced,
# then (same connection) the body goes up.
client 2001:db8:1::11 80 v6.example.com download 2000000 + upload 2000000 0.5 \
  + to 192.0.2.11 80 www + upload 2000000 0.5 || fail "IPv6 download and upload, IPv4 upload"

tcpsplicectl -n proxy1 stats
expect_eq "$(kernel_value splices_created)" 5 "splices created"
expect_gt "$(kernel_value bytes_to_client)" 5999999 "bytes the kernel carried to clients"
expect_gt "$(kernel_value bytes_to_backend)" 3999999 "bytes the kernel carried to backends"
expect_eq "$(kernel_value drop_malformed)" 0 "malformed drops"
expect_eq "$(kernel_value drop_no_route)" 0 "no-route drops"
expect_eq "$(rsts client1)" "$r0c" "resets at the client"
expect_eq "$(rsts backend1)" "$r0b" "resets at the backend"

# Finished splices linger, then go.
for i in {1..40}; do [ "$(kernel_value splices_active)" = 0 ] && break; nap 1; done
expect_eq "$(kernel_value splices_active)" 0 "entries left after linger"
expect_eq "$(kernel_value splices_finished)" 5 "splices finished by FINs"
# Each splice's end event carries its bytes: together, the kernel's counters.
kill "$mpid"
python3 - /tmp/splice-events.json "$(kernel_value bytes_to_client)" "$(kernel_value bytes_to_backend)" <<'PY' ||
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
new = sorted(e["splice"]["id"] for e in ev if e["event"] == "splice_new")
ends = [e["splice"] for e in ev if e["event"] == "splice_end"]
assert len(new) == 5, f"{len(new)} splice_new events"
assert sorted(s["id"] for s in ends) == new, "the ends are not those of the splices made"
assert all(s["end"] == "finished" for s in ends), [s["end"] for s in ends]
assert sum(s["bytes_to_client"] for s in ends) == int(sys.argv[2]), "bytes to clients"
assert sum(s["bytes_to_backend"] for s in ends) == int(sys.argv[3]), "bytes to backends"
assert all(s["age_ms"] >= 1000 for s in ends), "durations"
assert [e["time"] for e in ev] == sorted(e["time"] for e in ev), "times"
PY
  fail "splice events: $(head -c 3000 /tmp/splice-events.json)"
wait_for 10 '[ "$(wc -l < "$ACCESS_LOG")" -ge 5 ]' || fail "access log: $(cat "$ACCESS_LOG")"
proxy_stop
echo "$PROXY_LAST"
# The access log: a line per connection, written at the module's end event,
# whose bytes to clients are what the proxy moved itself plus what the
# kernel carried.
python3 - "$ACCESS_LOG" "$(kernel_value bytes_to_client)" "$(proxy_relayed relayed_bytes_to_client)" \
  "$(kernel_value bytes_to_backend)" <<'PY' || fail "access log: $(head -c 3000 "$ACCESS_LOG")"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert len(lines) == 5, f"{len(lines)} lines"
assert all(l["outcome"] == "spliced" and l["end"] == "finished" for l in lines), lines
assert sum(l["bytes_to_client"] for l in lines) == int(sys.argv[2]) + int(sys.argv[3]), "bytes to clients"
assert sum(l["bytes_to_backend"] for l in lines) > int(sys.argv[4]), "bytes to backends"
assert sorted(l["host"] for l in lines) == ["192.0.2.11", "192.0.2.11", "v6.example.com", "v6.example.com", "www"], lines
assert all(l["pool"] in ("web", "web6") and l["splice_ms"] > 0 and l["duration_ms"] >= 10000 for l in lines)
big = [l for l in lines if l["path"] == "/bytes/3000000"]
assert len(big) == 1 and 3000000 < big[0]["bytes_to_client"] < 3000400, big
PY
expect_eq "$(proxy_relayed spliced)" 5 "connections the proxy spliced"
expect_eq "$(proxy_relayed relayed)" 0 "connections the proxy relayed"
expect_eq "$(proxy_relayed relayed_bytes_to_backend)" 0 "bytes the proxy relayed to backends"
# A response that arrives with the backend's acknowledgement of the request
# is moved by the proxy before it splices: at most the two small first
# responses of the upload sessions (headers and 10 bytes each).
relayed=$(proxy_relayed relayed_bytes_to_client)
[ "$relayed" -le 330 ] || fail "the proxy relayed $relayed bytes to clients itself"

# A body sent with the request (with or without 'Expect: 100-continue') is
# relayed by the proxy until the connection is quiet: exact either way.
ip netns exec proxy1 tcpsplice-proxy --config /tmp/splice-proxy.toml 2> "$PROXY_LOG" &
PROXY_PID=$!
for i in {1..50}; do on client1 curl -s -o /dev/null http://192.0.2.11/bytes/1 && break; nap 0.2; done
head -c 2000000 /dev/urandom > /tmp/up
want=$(sha256sum < /tmp/up | cut -d' ' -f1)
got=$(on client1 curl -sf --data-binary @/tmp/up http://192.0.2.11/sha256)
expect_eq "$got" "$want" "upload with 100-continue"
got=$(on client1 curl -sf -H 'Expect:' --data-binary @/tmp/up http://192.0.2.11/sha256)
expect_eq "$got" "$want" "upload with the request"

# A client that reuses its port at once: the first connection ends (the
# backend closes, 'Connection: close'), the splice lingers, and the same
# port connects again. The new connection is the proxy's (spliced anew),
# not a translated part of the old one.
reuse() {
  on client1 python3 - "$1" <<'PY'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("", 47000))
s.settimeout(30)
s.connect(("192.0.2.11", 80))
s.sendall(b"GET /bytes/%s HTTP/1.1\r\nHost: www\r\nConnection: close\r\n\r\n" % sys.argv[1].encode())
data = b""
while True:
    d = s.recv(65536)
    if not d:
        break
    data += d
s.close()
head, _, body = data.partition(b"\r\n\r\n")
print(len(body), head.split(b" ")[1].decode())
PY
}
created=$(kernel_value splices_created)
expect_eq "$(reuse 300000)" "300000 200" "first connection from port 47000"
expect_eq "$(reuse 200000)" "200000 200" "the same port again while its splice lingers"
expect_eq "$(( $(kernel_value splices_created) - created ))" 2 "splices of the two connections"
expect_eq "$(kernel_value splices_superseded)" 1 "lingering splices a new connection took over"

# A client that aborts (SO_LINGER 0) right after sending, before the backend
# acknowledges (its acknowledgements held back 300 ms): the reset is at the
# end of what it sent, which the backend accepts. The splice ends on it at
# once, not after the idle timeout.
on backend1 tc qdisc add dev eth0 root netem delay 300ms
reset0=$(kernel_value splices_reset) created=$(kernel_value splices_created)
rm -f /tmp/abort-go
on client1 python3 - > /tmp/abort.out 2>&1 <<'PY' &
import os, socket, struct, time
s = socket.create_connection(("192.0.2.11", 80), timeout=30)
s.sendall(b"GET /bytes/1000 HTTP/1.1\r\nHost: www\r\n\r\n")
got = b""
while len(got.partition(b"\r\n\r\n")[2]) < 1000:
    d = s.recv(65536)
    if not d:
        raise SystemExit("connection closed early")
    got += d
while not os.path.exists("/tmp/abort-go"):  # once the kernel has it
    time.sleep(0.1)
s.send(b"GET /bytes/1 HTTP/1.1\r\n")
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()
PY
apid=$!
wait_for 30 '[ "$(kernel_value splices_created)" -gt "$created" ]' || fail "the aborting client was not spliced: $(cat /tmp/abort.out)"
touch /tmp/abort-go
wait "$apid" || fail "the aborting client: $(cat /tmp/abort.out)"
wait_for 10 '[ "$(kernel_value splices_reset)" -gt "$reset0" ]' ||
  fail "a client's reset at the end of unacknowledged data did not end its splice: $(tcpsplicectl -n proxy1 list)"
wait_for 20 '[ "$(kernel_value splices_active)" = 0 ]' || fail "the reset splice stayed: $(tcpsplicectl -n proxy1 list)"
wait_for 10 'grep -q "\"end\":\"reset\"" "$ACCESS_LOG"' || fail "no access log line of the reset connection: $(tail -3 "$ACCESS_LOG")"
on backend1 tc qdisc del dev eth0 root
expect_eq "$(rsts backend1)" "$((r0b + 1))" "the backend accepted the client's reset"
r0b=$(rsts backend1)
proxy_stop

# nginx, which sends its response with the acknowledgement of the request
# and streams it at once (sendfile): byte-exact through the splice. What
# arrived before the splice is moved by the module (handover_moved); the
# proxy clamps the windows its sockets offer while it asks, so that is at
# most what nginx was offered already, and the window update at splice time
# opens nginx's window again; see Documentation/splicing.rst.
d=/tmp/nginx-splice
mkdir -p "$d/www"
head -c 1048576 /dev/urandom > "$d/www/big"
nginx_start backend1 "$d" "  server { listen 203.0.113.21:8001; root $d/www; }"
wait_for 30 on proxy1 curl -sf -o /dev/null http://203.0.113.21:8001/big || fail "nginx"
ip netns exec proxy1 tcpsplice-proxy --config /tmp/splice-proxy.toml 2> "$PROXY_LOG" &
PROXY_PID=$!
for i in {1..50}; do on client1 curl -s -o /dev/null http://192.0.2.11/bytes/1 && break; nap 0.2; done
want=$(sha256sum < "$d/www/big" | cut -d' ' -f1)
tcpsplicectl -n proxy1 reset-stats
t0=$(tcpext backend1 TCPTimeouts) q0=$(tcpext proxy1 TCPRcvQDrop)
times=""
for i in {1..8}; do
  times+="$(on client1 curl -sf -H 'Host: nginx.example.com' -o /tmp/got -w '%{time_total} ' http://192.0.2.11/big)"
  expect_eq "$(sha256sum < /tmp/got | cut -d' ' -f1)" "$want" "1 MiB from nginx, download $i"
done
echo "nginx, 1 MiB through the splice, seconds: $times; segments the proxy's socket dropped: $(( $(tcpext proxy1 TCPRcvQDrop) - q0 )); retransmission timeouts at nginx: $(( $(tcpext backend1 TCPTimeouts) - t0 )); window updates: $(kernel_value window_updates); handovers: $(kernel_value handovers), $(kernel_value handover_moved) bytes moved by the module" >> /tmp/t-splice.note
expect_eq "$(kernel_value splices_created)" 8 "splices of the nginx downloads"
# The window update at splice time: nginx sends again at once, the client's
# acknowledgements reveal what the proxy's socket dropped, and nginx
# retransmits it without waiting for its timer (without the update, 4 of 8
# downloads waited for a timeout, 0.38 to 0.42 s in all).
# With a socket handed over, a timeout or two at nginx was seen in some runs
# (issue 18, the closing note of session 11): bounded here, recorded above.
[ "$(( $(tcpext backend1 TCPTimeouts) - t0 ))" -le 2 ] || fail "retransmission timeouts at nginx: $(( $(tcpext backend1 TCPTimeouts) - t0 ))"
expect_eq "$(rsts backend1)" "$r0b" "resets at the backend"
proxy_stop
# (what the proxy relayed itself while it asked)
echo "nginx: the proxy relayed $(proxy_relayed relayed_bytes_to_client) of $((8 << 20)) bytes to the client itself" >> /tmp/t-splice.note
