# The spliced data path end to end, IPv4 and IPv6: downloads and uploads are
# byte-exact, the kernel carried them (its counters account for the bytes,
# the proxy relayed none), nobody saw a reset, and the entries go away after
# the connections close. Then nginx answering at once with 1 MiB: no
# segment dropped by the proxy's throttled socket, no retransmission
# timeout at the backend, and window updates at splice time.
# timeout: 900
# cost: 50
. "$(dirname "$0")/lib.sh"
. "$TCPSPLICE_TOP/tests/lib/splice-lab.sh"
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
proxy_stop
echo "$PROXY_LAST"
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
proxy_stop

# nginx, which sends its response with the acknowledgement of the request
# and streams it at once (sendfile). While the proxy looks for a moment to
# splice it offers nginx almost no more window; that must not cost nginx a
# segment the proxy's socket drops (TCPRcvQDrop) and a retransmission
# timeout after the splice (TCPTimeouts): with a shrunk receive buffer, 4 of
# 8 such downloads waited 300 ms for one. Window updates at splice time
# (window_updates) give nginx the client's window at once.
d=/tmp/nginx-splice
mkdir -p "$d/www"
head -c 1048576 /dev/urandom > "$d/www/big"
cat > "$d/nginx.conf" <<NGINX
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $d/body;
  proxy_temp_path $d/proxy;
  fastcgi_temp_path $d/fastcgi;
  uwsgi_temp_path $d/uwsgi;
  scgi_temp_path $d/scgi;
  default_type application/octet-stream;
  server { listen 203.0.113.21:8001; root $d/www; }
}
NGINX
on backend1 nginx -p "$d" -c "$d/nginx.conf" -e "$d/error.log" -g 'daemon off;' &
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
echo "nginx, 1 MiB through the splice, seconds: $times; window updates: $(kernel_value window_updates)" >> /tmp/t-splice.note
expect_eq "$(kernel_value splices_created)" 8 "splices of the nginx downloads"
expect_eq "$(( $(tcpext proxy1 TCPRcvQDrop) - q0 ))" 0 "segments from nginx the proxy's socket dropped"
expect_eq "$(( $(tcpext backend1 TCPTimeouts) - t0 ))" 0 "retransmission timeouts at nginx"
expect_gt "$(kernel_value window_updates)" 0 "window updates sent at splice time"
expect_eq "$(rsts backend1)" "$r0b" "resets at the backend"
proxy_stop
# (what the proxy relayed itself while it looked for the moment to splice:
# the price of the clamp until the module takes data in flight over)
echo "nginx: the proxy relayed $(proxy_relayed relayed_bytes_to_client) of $((8 << 20)) bytes to the client itself" >> /tmp/t-splice.note
