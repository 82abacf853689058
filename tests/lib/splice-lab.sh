# shellcheck shell=bash
# A spliced path for scenarios: client1 -> router -> proxy1 (tcpsplice-proxy,
# module loaded) -> backend1 (tests/lib/backend.py on port 8000), IPv4 and
# IPv6. Source after tests/vm/lib.sh.
#   splice_lab_up [EXTRA_TOML]   build it and wait until a request passes
#   proxy_stop                   SIGTERM the proxy, wait; its last line -> PROXY_LAST
#   kernel_value NAME            a counter of proxy1's namespace
LIB=$TCPSPLICE_TOP/tests/lib
PROXY_LOG=/tmp/splice-proxy.log
# The proxy's access log (JSON lines), one line per connection at its end.
ACCESS_LOG=/tmp/access.log

splice_lab_up() {
  topo_up 1 1
  load_module
  on backend1 python3 "$LIB/backend.py" 203.0.113.21 8000 >/dev/null 2>&1 &
  on backend1 python3 "$LIB/backend.py" 2001:db8:b::21 8000 >/dev/null 2>&1 &
  cat > /tmp/splice-proxy.toml <<TOML
default_pool = "web"
# Under TCG a client opening hundreds of connections before it sends on any
# (t-splice-load) can take more than a minute to send the last request.
head_timeout_ms = 180000
access_log = "/tmp/access.log"
access_log_format = "json"
${1:-}
[[listen]]
address = "192.0.2.11:80"
[[listen]]
address = "[2001:db8:1::11]:80"
[[pool]]
name = "web"
backends = ["203.0.113.21:8000"]
# No health checks: their connections would blur the reset counts.
health_interval_ms = 0
[[pool]]
name = "web6"
backends = ["[2001:db8:b::21]:8000"]
health_interval_ms = 0
[[route]]
host = "v6.example.com"
pool = "web6"
TOML
  for i in {1..100}; do on proxy1 curl -s -o /dev/null "http://203.0.113.21:8000/bytes/1" && break; nap 0.2; done
  for i in {1..100}; do on proxy1 curl -s -o /dev/null "http://[2001:db8:b::21]:8000/bytes/1" && break; nap 0.2; done
  rm -f "$ACCESS_LOG" # an earlier scenario's, in the same guest
  ip netns exec proxy1 env TCPSPLICE_PROXY_DEBUG=1 tcpsplice-proxy --config /tmp/splice-proxy.toml 2> "$PROXY_LOG" &
  PROXY_PID=$!
  # Wait until it listens, without a request (which it would count).
  for i in {1..50}; do on client1 bash -c 'exec 3<>/dev/tcp/192.0.2.11/80' 2>/dev/null && break; nap 0.2; done
}

proxy_stop() {
  kill -TERM "$PROXY_PID"
  wait "$PROXY_PID" || fail "the proxy did not exit cleanly (status $?)"
  PROXY_LAST=$(tail -1 "$PROXY_LOG")
}

# proxy_relayed NAME: a counter of the stopped proxy's last line
proxy_relayed() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$PROXY_LAST"; }


kernel_value() { value proxy1 "$1"; }

# sha256 of /bytes/N as the backend makes it
expected_sha() { python3 -c "import random,hashlib,sys; print(hashlib.sha256(random.Random(int(sys.argv[2])).randbytes(int(sys.argv[1]))).hexdigest())" "$1" "${2:-1}"; }

# On failure, show what the proxy said.
trap 'rc=$?; [ $rc = 0 ] || { echo "--- proxy log"; tail -15 "$PROXY_LOG"; }; exit $rc' EXIT
