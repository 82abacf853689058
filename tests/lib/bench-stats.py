"""Read curl's %{time_total} lines (seconds) from stdin; print JSON with the
request count, the rate (requests per second of summed time) and the p50
and p99 latencies in milliseconds."""
import json
import sys

t = sorted(float(x) for x in sys.stdin.read().split())
if not t:
    sys.exit("no samples")


def pct(p):
    return t[min(len(t) - 1, int(round(p / 100 * (len(t) - 1))))] * 1000


print(json.dumps({"requests": len(t), "rps": round(len(t) / sum(t), 1),
                  "p50_ms": round(pct(50), 2), "p99_ms": round(pct(99), 2)}))
