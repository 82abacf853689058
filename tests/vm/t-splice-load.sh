# Many spliced connections at once, a 30 MB download, long keep-alive and
# interactive sessions, and unloading the module under 100 live splices.
# (The sizes are the test command's: enough to take every path many times;
# each megabyte costs the emulated guest about a second.)
# timeout: 1500
# cost: 82
. "$(dirname "$0")/lib.sh"
. "$TCPSPLICE_TOP/tests/lib/splice-lab.sh"
splice_lab_up
client() { on client1 python3 "$LIB/client.py" "$@"; }
# The last part gives the proxy's backend connections exactly the ports
# 40000-40099; the ones before it stay out of them, so that no connection
# of theirs (one in TIME_WAIT, or an entry still lingering) holds one then.
on proxy1 sysctl -qw net.ipv4.ip_local_port_range="41000 60999"
tcpsplicectl -n proxy1 reset-stats
r0c=$(rsts client1) r0b=$(rsts backend1) o0b=$(out_rsts backend1)
# Where a reset came from, if one does: the counters after each step, and
# the FINs and resets on the client's and the backend's links (filtered in
# the kernel: a few per connection).
trace() { echo "after $1: backend1 resets $(rsts backend1) sent $(out_rsts backend1), client1 resets $(rsts client1) sent $(out_rsts client1)"; }
trace set-up
cap() { on "$1" tcpdump -i eth0 -nn -U -s 96 -w "/tmp/$2.pcap" 'tcp[tcpflags] & (tcp-fin|tcp-rst) != 0' 2>/dev/null & }
cap client1 client-ends; c1=$!
cap backend1 backend-ends; c2=$!
# resets_seen: on a changed count, each reset on either link with the FINs
# and resets of its connection, the proxy's log lines other than splices,
# and the hosts' abort counters.
resets_seen() {
  [ "$(rsts backend1)" != "$r0b" ] || [ "$(rsts client1)" != "$r0c" ] || return 0
  kill "$c1" "$c2"; wait "$c1" "$c2" 2>/dev/null
  local f c a b
  for f in client-ends backend-ends; do
    tcpdump -nn -r "/tmp/$f.pcap" 2>/dev/null > "/tmp/$f.txt"
    for c in $(awk '/Flags \[R/ { print $3 "|" $5 }' "/tmp/$f.txt" | sort -u); do
      a=${c%|*} b=${c#*|} b=${b%:}
      echo "--- $f: reset from $a to $b:"
      grep -F -e "$a > $b" -e "$b > ${a}:" "/tmp/$f.txt" | tail -14 | cut -c1-150
    done
  done
  grep -v -e 'spliced as' "$PROXY_LOG" | tail -20
  for h in client1 proxy1 backend1; do
    echo "$h: $(on $h nstat -az 2>/dev/null | awk '$1 ~ /Abort|EstabResets|OutRsts|ListenOverflows|ListenDrops/ && $2 != 0 { printf "%s=%s ", $1, $2 }')"
  done
}
log0=$(wc -l < "$PROXY_LOG")
client 192.0.2.11 80 www parallel 500 20000 > /tmp/parallel.out 2>&1 ||
  { cat /tmp/parallel.out; resets_seen; grep -v 'spliced as' "$PROXY_LOG" | tail -20; fail "500 parallel connections"; }
# Under this load (TCG, 500 at once) a backend may answer a 20 kB request
# before the proxy finds its quiet moment; the proxy then moves the response
# itself, and if the client closes before the connection goes quiet, relays
# it to the end. Every byte was checked either way. Every connection must be
# accounted for, spliced or relayed for that reason only (an error of the
# module would show here); how many are spliced is a matter of speed, which
# `make bench` records, so only a majority is asserted here (in one-CPU
# guests: 397 once, 445 once, at least 450 in most runs).
created=$(kernel_value splices_created)
tail -n +"$((log0 + 1))" "$PROXY_LOG" | sed -n 's/.*relaying in userspace: //p' > /tmp/parallel-relays
relayed=$(wc -l < /tmp/parallel-relays)
echo "500 parallel connections: $created spliced, $relayed relayed ($(sort /tmp/parallel-relays | uniq -c | tr -s ' \n' ' '))" >> /tmp/t-splice-load.note
expect_eq "$((created + relayed))" 500 "parallel connections spliced or relayed"
# A peer's data or end before the splice: data still arriving after 10 s,
# or the client gone (it had its whole answer, relayed, and closed).
grep -v -e '^tcpsplice: before splicing: ' -e '^tcpsplice: no quiet moment' \
  -e '^tcpsplice: client-side socket is not established' \
  -e '^tcpsplice: no local TCP connection matches the client-side addresses' /tmp/parallel-relays > /tmp/parallel-other
expect_eq "$(wc -l < /tmp/parallel-other)" 0 \
  "parallel connections relayed for a reason other than a peer's data or end before the splice ($(sort /tmp/parallel-other | uniq -c | tr -s ' \n' ' '))"
expect_gt "$created" 249 "splices created by the parallel run"
trace parallel
# One 30 MB download, checksummed (curl streams it; the backend builds it).
got=$(on client1 curl -sf http://192.0.2.11/bytes/30000000 | sha256sum | cut -d' ' -f1)
expect_eq "$got" "$(expected_sha 30000000)" "30 MB download"
trace 30MB
client 192.0.2.11 80 www keepalive 60 || fail "60 requests on one connection"
client 2001:db8:1::11 80 v6.example.com keepalive 20 || fail "IPv6 keep-alive"
trace keepalive
client 192.0.2.11 80 www interactive 50 10 > /tmp/interactive.out 2>&1 &
ipid=$!
# tcpsplicectl top sees the session move bytes while it runs.
wait_for 20 'test "$(open_entries proxy1)" -ge 1' || fail "the interactive session is not spliced"
tcpsplicectl -n proxy1 --json top --interval 2 --count 2 --limit 5 > /tmp/top.json || fail "tcpsplicectl top"
wait "$ipid" || fail "interactive session: $(cat /tmp/interactive.out)"
echo "interactive: $(cat /tmp/interactive.out)"
trace interactive
python3 - /tmp/top.json <<'PY' || fail "top: $(cat /tmp/top.json)"
import json, sys
frames = [json.loads(l) for l in open(sys.argv[1])]
assert len(frames) == 2, frames
busy = [r for f in frames for r in f if r["bytes_per_sec_to_client"] > 0 and r["bytes_per_sec_to_backend"] > 0]
assert busy, "no splice moved bytes both ways"
PY
resets_seen
expect_eq "$(rsts client1)" "$r0c" "resets at the client"
expect_eq "$(rsts backend1)" "$r0b" "resets at the backend"
kill "$c1" "$c2" 2>/dev/null
echo "resets backend1 sent to segments of connections it had closed: $(( $(out_rsts backend1) - o0b ))" > /tmp/t-splice-load.note
expect_eq "$(kernel_value drop_malformed)" 0 "malformed drops"
proxy_stop
expect_eq "$(proxy_relayed spliced)" "$((created + 4))" "connections the proxy spliced"
expect_eq "$(( $(proxy_relayed spliced) + $(proxy_relayed relayed) ))" 504 "connections spliced or relayed"

# 100 live splices, then unload: every entry is freed (vm-run fails the run
# on any warning or kmemleak report), and the module goes. Meanwhile new
# connections must not pick the ports of the live splices (the module holds
# them): the splices take all of a 100-port range, which then grows by 15
# for 15 new spliced connections (each of which holds its port too).
on proxy1 sysctl -qw net.ipv4.ip_local_port_range="40000 40099"
tcpsplicectl -n proxy1 reset-stats
ip netns exec proxy1 tcpsplice-proxy --config /tmp/splice-proxy.toml 2> "$PROXY_LOG" &
PROXY_PID=$!
for i in {1..50}; do on client1 bash -c 'exec 3<>/dev/tcp/192.0.2.11/80' 2>/dev/null && break; nap 0.2; done
on client1 python3 "$LIB/client.py" 192.0.2.11 80 www hold 100 600 > /tmp/hold.log 2>&1 &
holder=$!
# Entries of the connections above may still linger (finished): count the
# open ones.
for i in {1..120}; do [ "$(open_entries proxy1)" -ge 100 ] 2>/dev/null && break; nap 1; done
expect_eq "$(open_entries proxy1)" 100 "live splices"
on proxy1 sysctl -qw net.ipv4.ip_local_port_range="40000 40114"
# (15 connections, one after the other, from one Python start-up)
ops=(download 5000)
for i in {2..15}; do ops+=(+ download 5000); done
client 192.0.2.11 80 www "${ops[@]}" || fail "15 new connections next to 100 live splices"
expect_eq "$(kernel_value drop_local)" 0 "local packets on spliced connections"
expect_eq "$(kernel_value ports_unreserved)" 0 "backend ports not held"
# Of the 15, some are spliced. In a guest of one CPU, where client, proxy
# and backend share it, 9 of 15 were spliced in two runs, 4 in a CI run
# (2026-12-07, when the proxy still waited for a quiet moment); 15 of 15
# since the module takes data in flight and FINs over. How many is a speed
# figure; what is checked is that new connections, spliced or not, still
# get ports next to the 100 live splices that hold theirs: at least one of
# the 15 spliced.
expect_gt "$(kernel_value splices_created)" 100 "splices created (a response may beat the quiet moment)"
echo "15 new connections next to 100 live splices: $(( $(kernel_value splices_created) - 100 )) spliced" >> /tmp/t-splice-load.note
tcpsplicectl -n proxy1 list | head -3
# The 15 new connections' entries may still linger (finished); the held
# ones are open.
expect_eq "$(open_entries proxy1)" 100 "open entries listed"
proxy_stop
rmmod tcpsplice || fail "rmmod with 100 live splices"
kill $holder 2>/dev/null
wait $holder 2>/dev/null
true
