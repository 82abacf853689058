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

# Downloads, IPv4 and IPv6.
for n in 1000000 3000000; do
  got=$(on client1 curl -sf http://192.0.2.11/bytes/$n | sha256sum | cut -d' ' -f1)
  expect_eq "$got" "$(expected_sha $n)" "IPv4 download of $n bytes"
done
got=$(on client1 curl -sf -H 'Host: v6.example.com' "http://[2001:db8:1::11]/bytes/2000000" | sha256sum | cut -d' ' -f1)
expect_eq "$got" "$(expected_sha 2000000)" "IPv6 download"


tcpsplicectl -n proxy1 stats
created=$(kernel_value splices_created)
expect_eq "$created" 5 "splices created"
to_client=$(kernel_value bytes_to_client)
expect_gt "$to_client" 5999999 "bytes the kernel carried to clients"
to_backend=$(kernel_value bytes_to_backend)
expect_gt "$to_backend" 3999999 "bytes the kernel carried to backends"
expect_eq "$(kernel_value drop_malformed)" 0 "malformed drops"
expect_eq "$(kernel_value drop_no_route)" 0 "no-route drops"
expect_eq "$(rsts client1)" "$r0c" "resets at the client"
expect_eq "$(rsts backend1)" "$r0b" "resets at the backend"

# Finished splices linger, then go.
for i in $(seq 40); do [ "$(kernel_value splices_active)" = 0 ] && break; sleep 1; done
expect_eq "$(kernel_value splices_active)" 0 "entries left after linger"
expect_eq "$(kernel_value splices_finished)" 5 "splices finished by FINs"
last=$(proxy_stop)
echo "$last"
grep -q 'spliced=5 ' <<<"$last" || fail "proxy spliced count: $last"
grep -q 'relayed=0 relayed_bytes_to_backend=0 relayed_bytes_to_client=0' <<<"$last" || fail "proxy relayed bytes itself: $last"

# Bodies sent with the request: exact, however they were carried.
splice_lab_up_again() { ip netns exec proxy1 tcpsplice-proxy --config /tmp/splice-proxy.toml 2> "$PROXY_LOG" & PROXY_PID=$!; }
splice_lab_up_again
for i in $(seq 50); do on client1 curl -s -o /dev/null http://192.0.2.11/bytes/1 && break; sleep 0.2; done
got=$(on client1 curl -sf --data-binary @/tmp/up http://192.0.2.11/sha256)
expect_eq "$got" "$want" "upload with 100-continue"
got=$(on client1 curl -sf -H 'Expect:' --data-binary @/tmp/up http://192.0.2.11/sha256)
expect_eq "$got" "$want" "upload with the request"
proxy_stop >/dev/null
