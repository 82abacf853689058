# The spliced data path end to end, IPv4 and IPv6: downloads and uploads are
# byte-exact, the kernel carried them (its counters account for the bytes,
# the proxy relayed none), nobody saw a reset, and the entries go away after
# the connections close.
# timeout: 900
. "$(dirname "$0")/lib.sh"
. "$TCPSPLICE_TOP/tests/lib/splice-lab.sh"
splice_lab_up
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
