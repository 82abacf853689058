# tcpsplice-proxy's userspace relay (splice = false): routes by Host and path
# to two backends, bodies arrive byte-exact, a bad request gets 400, and it
# says why it relays in userspace. The kernel splices nothing.
# cost: 12
. "$(dirname "$0")/lib.sh"
topo_up 1 2
load_module
www=/tmp/proxy-www
mkdir -p $www/b1/api $www/b2
head -c 300000 /dev/urandom > $www/b1/api/blob
head -c 200000 /dev/urandom > $www/b2/page
on backend1 python3 -m http.server 8000 --bind 203.0.113.21 --directory $www/b1 >/dev/null 2>&1 &
on backend2 python3 -m http.server 8000 --bind 203.0.113.22 --directory $www/b2 >/dev/null 2>&1 &
cat > /tmp/proxy.toml <<'TOML'
default_pool = "web"
splice = false
[[listen]]
address = "192.0.2.11:80"
[[pool]]
name = "web"
backends = ["203.0.113.22:8000"]
[[pool]]
name = "api"
backends = ["203.0.113.21:8000"]
balance = "least-connections"
[[route]]
host = "api.example.com"
path_prefix = "/api/"
pool = "api"
TOML
tcpsplice-proxy --check --config /tmp/proxy.toml || fail "--check of a good file"
sed 's/least-connections/fastest/' /tmp/proxy.toml > /tmp/bad.toml
out=$(tcpsplice-proxy --check --config /tmp/bad.toml 2>&1) && fail "--check accepted a bad balance"
grep -q '^/tmp/bad.toml:11: unknown variant .fastest.' <<<"$out" || fail "--check does not name file and line: $out"

# Python takes seconds to start under TCG: wait for both backends.
for b in 203.0.113.21 203.0.113.22; do
  for i in {1..100}; do on proxy1 curl -s -o /dev/null "http://$b:8000/" && break; nap 0.2; done
done
# Not through on(): $! must be the proxy itself (ip netns exec execs it).
ip netns exec proxy1 tcpsplice-proxy --config /tmp/proxy.toml 2> /tmp/proxy.log &
proxy=$!
for i in {1..50}; do on client1 curl -s -o /dev/null http://192.0.2.11/ && break; nap 0.2; done
on client1 curl -sf -H 'Host: api.example.com' -o /tmp/got-api http://192.0.2.11/api/blob || fail "api fetch"
cmp /tmp/got-api $www/b1/api/blob || fail "api body differs"
on client1 curl -sf -H 'Host: www.example.com' -o /tmp/got-page http://192.0.2.11/page || fail "web fetch"
cmp /tmp/got-page $www/b2/page || fail "web body differs"
code=$(printf 'BLAH\r\n\r\n' | on client1 socat -t 2 - TCP:192.0.2.11:80 | head -1)
grep -q '^HTTP/1.1 400 ' <<<"$code" || fail "garbage got: $code"
kill -TERM $proxy
wait $proxy || fail "the proxy did not exit cleanly on SIGTERM"
cat /tmp/proxy.log
grep -q 'relaying in userspace: splicing is disabled in the configuration' /tmp/proxy.log || fail "no reason logged"
expect_eq "$(value proxy1 splices_created)" 0 "splices with splice = false"
grep -Eq 'relayed=[3-9]' /tmp/proxy.log || fail "relayed count"
grep -q 'bad_requests=1' /tmp/proxy.log || fail "bad_requests count"
