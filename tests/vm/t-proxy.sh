# tcpsplice-proxy's userspace relay (splice = false): routes by Host and path
# to two backends, bodies arrive byte-exact, a bad request gets 400, and it
# says why it relays in userspace. The kernel splices nothing. HTTP health
# checks: a backend whose check path goes missing (404) is taken down after
# health_fall failures (503 to clients, the reason logged, the metrics
# say so) and comes back after health_rise passes. The admin socket drains
# a backend at runtime and enables it again.
# cost: 12
. "$(dirname "$0")/lib.sh"
topo_up 1 2
load_module
www=/tmp/proxy-www
mkdir -p $www/b1/api $www/b2
head -c 300000 /dev/urandom > $www/b1/api/blob
head -c 200000 /dev/urandom > $www/b2/page
echo ok > $www/b2/healthz
on backend1 python3 -m http.server 8000 --bind 203.0.113.21 --directory $www/b1 >/dev/null 2>&1 &
on backend2 python3 -m http.server 8000 --bind 203.0.113.22 --directory $www/b2 >/dev/null 2>&1 &
cat > /tmp/proxy.toml <<'TOML'
default_pool = "web"
splice = false
metrics = "127.0.0.1:9180"
admin_socket = "/tmp/proxy-admin.sock"
[[listen]]
address = "192.0.2.11:80"
[[pool]]
name = "web"
backends = ["203.0.113.22:8000"]
health_interval_ms = 300
health_timeout_ms = 2000
health_check = "http"
health_path = "/healthz"
health_rise = 2
health_fall = 2
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
grep -q '^/tmp/bad.toml:19: unknown variant .fastest.' <<<"$out" || fail "--check does not name file and line: $out"

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
# The web pool's only backend loses its check path: down after two failed
# checks, 503 for its clients; back after two passes.
web() { on client1 curl -s -o /dev/null -w '%{http_code}' -H 'Host: www.example.com' http://192.0.2.11/page; }
backend_up() { on proxy1 curl -sf http://127.0.0.1:9180/metrics | grep -qxF "tcpsplice_backend_up{pool=\"web\",backend=\"203.0.113.22:8000\"} $1"; }
backend_up 1 || fail "web's backend not up: $(on proxy1 curl -s http://127.0.0.1:9180/metrics | grep backend)"
rm $www/b2/healthz
wait_for 20 backend_up 0 || fail "web's backend still up without its check path"
expect_eq "$(web)" 503 "a request to the pool whose backend is down"
grep -q 'pool web: backend 203.0.113.22:8000 is down: HTTP status 404' /tmp/proxy.log || fail "no reason logged: $(cat /tmp/proxy.log)"
on proxy1 curl -sf http://127.0.0.1:9180/metrics | grep -q '^tcpsplice_backend_checks_failed_total{pool="web",backend="203.0.113.22:8000"} [1-9]' ||
  fail "failed checks not counted"
echo ok > $www/b2/healthz
wait_for 20 backend_up 1 || fail "web's backend not back with its check path"
expect_eq "$(web)" 200 "a request once the backend is back"
grep -q 'pool web: backend 203.0.113.22:8000 is up' /tmp/proxy.log || fail "the return not logged"
# The admin socket: the api pool's only backend drained at runtime takes no
# new connection (503); enabled again, it does.
admin() { printf '%s\n' "$1" | socat -t 2 - UNIX-CONNECT:/tmp/proxy-admin.sock; }
api() { on client1 curl -s -o /dev/null -w '%{http_code}' -H 'Host: api.example.com' http://192.0.2.11/api/blob; }
expect_eq "$(admin 'set backend api 203.0.113.21:8000 drain')" ok "drain through the admin socket"
admin 'show backends' | grep -q '^api 203.0.113.21:8000 up drain weight 1 backup no ' || fail "show backends: $(admin 'show backends')"
expect_eq "$(api)" 503 "a request to the pool whose only backend is drained"
expect_eq "$(admin 'set backend api 203.0.113.21:8000 enabled')" ok "enabling through the admin socket"
expect_eq "$(api)" 200 "a request once the backend is enabled again"
expect_eq "$(stat -c %a /tmp/proxy-admin.sock)" 600 "the admin socket's mode"
kill -TERM $proxy
wait $proxy || fail "the proxy did not exit cleanly on SIGTERM"
cat /tmp/proxy.log
grep -q 'relaying in userspace: splicing is disabled in the configuration' /tmp/proxy.log || fail "no reason logged"
expect_eq "$(value proxy1 splices_created)" 0 "splices with splice = false"
grep -Eq 'relayed=[3-9]' /tmp/proxy.log || fail "relayed count"
grep -q 'bad_requests=1' /tmp/proxy.log || fail "bad_requests count"
