# Layer-7 details through the splice. TLS passthrough: real TLS servers
# (openssl s_server) behind a tls listener, chosen by SNI (exact and
# wildcard) and ALPN, downloads byte-exact; garbage, oversized and unknown-
# name ClientHellos get alerts. The client's address: PROXY v1 and v2
# headers and Forwarded / X-Forwarded-* headers reach backends that parse
# them, and the bytes after them stay exact both ways once spliced. HTTP/1.1:
# pipelined requests, a head in 1-byte segments, chunked and Content-Length
# uploads spliced mid-body, an Upgrade (WebSocket) echo, 431 and 408. Warm
# backend connections used once each and replaced.
# timeout: 900
# cost: 50
. "$(dirname "$0")/lib.sh"
. "$TCPSPLICE_TOP/tests/lib/splice-lab.sh"
topo_up 1 2
load_module
P=192.0.2.11 www=/tmp/l7-www
mkdir -p "$www/1" "$www/2"
head -c 1000000 /dev/urandom > "$www/1/blob"
head -c 1000000 /dev/urandom > "$www/2/blob"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
  -subj /CN=l7.test -keyout /tmp/l7-key.pem -out /tmp/l7-cert.pem 2>/dev/null || fail "test certificate"
for b in 1 2; do
  ( cd "$www/$b" && exec ip netns exec "backend$b" openssl s_server -quiet -WWW -accept 8443 \
      -cert /tmp/l7-cert.pem -key /tmp/l7-key.pem ) > /dev/null 2>&1 &
  on "backend$b" python3 "$LIB/backend.py" "203.0.113.2$b" 8001 --proxy-protocol > /dev/null 2>&1 &
done
on backend1 python3 "$LIB/backend.py" 203.0.113.21 8000 > /dev/null 2>&1 &
on backend2 python3 "$LIB/backend.py" 203.0.113.22 8000 > /dev/null 2>&1 &
cat > /tmp/l7.toml <<'TOML'
head_timeout_ms = 4000
max_head_bytes = 4096
metrics = "127.0.0.1:9180"
[[listen]]
address = "192.0.2.11:80"
[[listen]]
address = "192.0.2.11:443"
mode = "tls"
[[pool]]
name = "web"
backends = ["203.0.113.21:8000"]
forwarded = true
health_interval_ms = 0
[[pool]]
name = "pp1"
backends = ["203.0.113.21:8001"]
proxy_protocol = "v1"
forwarded = true
health_interval_ms = 0
[[pool]]
name = "pp2"
backends = ["203.0.113.22:8001"]
proxy_protocol = "v2"
health_interval_ms = 0
[[pool]]
name = "tls1"
backends = ["203.0.113.21:8443"]
health_interval_ms = 0
[[pool]]
name = "tls2"
backends = ["203.0.113.22:8443"]
health_interval_ms = 0
[[pool]]
name = "warm"
backends = ["203.0.113.22:8000"]
health_interval_ms = 0
warm_connections = 2
warm_max_idle_ms = 1500
[[route]]
host = "l7"
pool = "web"
[[route]]
host = "warm.example"
pool = "warm"
[[route]]
host = "v1.example"
pool = "pp1"
[[route]]
host = "v2.example"
pool = "pp2"
[[route]]
host = "www.example.com"
alpn = "h2"
pool = "tls2"
[[route]]
host = "www.example.com"
pool = "tls1"
[[route]]
host = "*.api.example"
pool = "tls2"
TOML
tcpsplice-proxy --check --config /tmp/l7.toml || fail "--check"
for port in 8000 8001 8443; do
  for i in {1..100}; do on proxy1 bash -c "exec 3<>/dev/tcp/203.0.113.21/$port" 2>/dev/null && break; nap 0.2; done
done
for port in 8001 8443; do
  for i in {1..100}; do on proxy1 bash -c "exec 3<>/dev/tcp/203.0.113.22/$port" 2>/dev/null && break; nap 0.2; done
done
PROXY_LOG=/tmp/l7-proxy.log
ip netns exec proxy1 env TCPSPLICE_PROXY_DEBUG=1 tcpsplice-proxy --config /tmp/l7.toml 2> "$PROXY_LOG" &
PROXY_PID=$!
for i in {1..50}; do on client1 bash -c "exec 3<>/dev/tcp/$P/443" 2>/dev/null && break; nap 0.2; done
tcpsplicectl -n proxy1 reset-stats
r0c=$(rsts client1)
l7() { on client1 python3 "$LIB/l7client.py" "$P" 80 "$@"; }
https() { on client1 curl -skf --resolve "$1:443:$P" "${@:2}"; }
# The first bytes that came back from a raw connection, as hex.
raw() { on client1 python3 -c 'import socket,sys
s=socket.create_connection((sys.argv[1],443),timeout=10); s.sendall(sys.stdin.buffer.read())
print(s.recv(100).hex())' "$P"; }

# TLS by SNI and ALPN; s_server closes after each response.
https www.example.com --http1.1 -o /tmp/l7-got1 https://www.example.com/blob || fail "TLS via SNI"
cmp /tmp/l7-got1 "$www/1/blob" || fail "TLS download (SNI www.example.com, http/1.1) differs"
https www.example.com --http2 -o /tmp/l7-got2 https://www.example.com/blob || fail "TLS via ALPN"
cmp /tmp/l7-got2 "$www/2/blob" || fail "TLS download (ALPN h2 offered) did not come from backend2"
https x.api.example --http1.1 -o /tmp/l7-got3 https://x.api.example/blob || fail "TLS via wildcard"
cmp /tmp/l7-got3 "$www/2/blob" || fail "TLS download (*.api.example) differs"
expect_eq "$(printf 'GET / HTTP/1.1\r\n\r\n' | raw)" 15030300020232 "alert for a non-TLS client"
expect_eq "$(python3 -c 'import sys; sys.stdout.buffer.write(bytes([22,3,1,0x40,0,1,1,0x86,0xa0]))' | raw)" \
  15030300020216 "alert for a 100000-byte ClientHello"
hello=$TCPSPLICE_TOP/tools/tcpsplice-proxy/testdata/clienthello-openssl.bin
expect_eq "$(sed 's/WWW\.Example\.com/nop.Example.com/' "$hello" | raw)" 15030300020270 "alert for an unknown name"
# Cut short and left hanging: closed at the head timeout, nothing sent back.
expect_eq "$(head -c 100 "$hello" | raw)" "" "answer to a truncated ClientHello"

# The client's address.
out=$(l7 whoami v1.example 1000000) || fail "PROXY v1: $out"
grep -q '^198\.51\.100\.11 [0-9]' <<<"$out" || fail "PROXY v1 header gave: $out"
grep -qx 'Forwarded: for=198.51.100.11;proto=http' <<<"$out" || fail "Forwarded at the backend: $out"
grep -qx 'X-Forwarded-For: 198.51.100.11' <<<"$out" || fail "X-Forwarded-For at the backend: $out"
out=$(l7 whoami v2.example 1000000) || fail "PROXY v2: $out"
grep -q '^198\.51\.100\.11 [0-9]' <<<"$out" || fail "PROXY v2 header gave: $out"

# HTTP/1.1.
# (one Python start-up: pipelined requests, a head in 1-byte segments, a
# chunked and a Content-Length upload, an upgraded connection)
l7 pipelined + split + chunked 1500000 + length 1500000 + upgrade 1000000 ||
  fail "HTTP/1.1 cases"

# Warm backend connections: two kept ready to backend2, each used once
# (four downloads, one after the other, each spliced on a connection opened
# before it came), replaced once taken and after 1.5 s unused.
warm_conns() { on backend2 ss -Htn state established '( sport = :8000 )' | wc -l; }
wait_for 20 '[ "$(warm_conns)" = 2 ]' || fail "warm connections to backend2: $(warm_conns)"
for i in 1 2 3 4; do
  got=$(on client1 curl -sf -H 'Host: warm.example' "http://$P/bytes/200000" | sha256sum | cut -d' ' -f1)
  expect_eq "$got" "$(expected_sha 200000)" "download $i on a warm connection"
done
nap 4
wait_for 20 '[ "$(warm_conns)" = 2 ]' || fail "warm connections to backend2 after use: $(warm_conns)"
on proxy1 curl -sf http://127.0.0.1:9180/metrics > /tmp/l7-warm-metrics || fail "scraping /metrics"
warm_metric() { awk -v k="tcpsplice_backend_warm_$1{pool=\"warm\",backend=\"203.0.113.22:8000\"}" '$1 == k { print $2 }' /tmp/l7-warm-metrics; }
expect_eq "$(warm_metric used_total)" 4 "downloads on warm connections"
expect_gt "$(warm_metric discarded_total)" 1 "warm connections replaced after 1.5 s unused"
expect_eq "$(warm_metric connections)" 2 "warm connections ready"
echo "warm: $(warm_metric used_total) used, $(warm_metric discarded_total) replaced unused" >> /tmp/t-proxy-l7.warm

tcpsplicectl -n proxy1 stats | grep -E '^(splices_created|bytes_to|drop_)'
# The Prometheus endpoint agrees with tcpsplicectl.
on proxy1 curl -sf http://127.0.0.1:9180/metrics > /tmp/l7-metrics || fail "scraping /metrics"
metric() { awk -v k="$1" '$1 == k { print $2 }' /tmp/l7-metrics; }
expect_eq "$(metric tcpsplice_module_up)" 1 "tcpsplice_module_up"
expect_eq "$(metric tcpsplice_splices_created_total)" "$(kernel_value splices_created)" "splices_created in /metrics"
expect_gt "$(metric tcpsplice_proxy_spliced_total)" 9 "tcpsplice_proxy_spliced_total"
grep -q '^# TYPE tcpsplice_splices_active gauge$' /tmp/l7-metrics || fail "splices_active is not a gauge"
expect_eq "$(rsts client1)" "$r0c" "resets at the client"
# Refusals last: a 431 closes with the rest of the head unread, which resets.
big=$(python3 -c 'print("X-Big: " + "a" * 5000 + "\\r\\n", end="")')
l7 status 431 "GET / HTTP/1.1\\r\\nHost: l7\\r\\n$big\\r\\n" || fail "oversized head"
l7 status 408 'GET / HTTP/1.1\r\nHost: l7\r\n' || fail "slow head"
# To clients: 3 TLS downloads of 1 MB, 2 after /whoami, 2 MB pipelined,
# 1 MB after the split head, 1 MB echoed; to backends: 4 MB of uploads.
expect_gt "$(kernel_value bytes_to_client)" 6000000 "bytes the kernel carried to clients"
expect_gt "$(kernel_value bytes_to_backend)" 3900000 "bytes the kernel carried to backends"
proxy_stop
echo "$PROXY_LAST"
expect_eq "$(proxy_relayed relayed)" 0 "connections the proxy relayed"
echo "spliced $(proxy_relayed spliced) connections; kernel carried $(kernel_value bytes_to_client) bytes to clients, $(kernel_value bytes_to_backend) to backends" > /tmp/t-proxy-l7.note
cat /tmp/t-proxy-l7.warm >> /tmp/t-proxy-l7.note
