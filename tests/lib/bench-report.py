"""Summarise scripts/guest/bench output: medians per path over the rounds,
ratios to the routed path; write JSON and a Markdown table.

Usage: bench-report.py RAW_LOG RESULTS_JSON TABLE_MD"""
import json
import statistics
import sys

raw, out_json, out_md = sys.argv[1:4]
rows, extra = {}, {}
for line in open(raw, encoding="utf-8", errors="replace"):
    if not line.startswith("BENCH "):
        continue
    d = json.loads(line[6:])
    if "path" in d and not d.get("error"):
        rows.setdefault(d["path"], []).append(d)
    elif "memory" in d:
        extra = d

order = ["routed", "ipvs", "tcpsplice", "warm", "baseline", "relay", "haproxy", "socat"]
fields = {
    "download_MBps": lambda d: d["download_Bps"] / 1e6,
    "upload_MBps": lambda d: d["upload_Bps"] / 1e6,
    "cpu_s_per_gb": lambda d: d["cpu_s_per_gb"],
    "keepalive_rps": lambda d: d["keepalive"]["rps"],
    "keepalive_p50_ms": lambda d: d["keepalive"]["p50_ms"],
    "keepalive_p99_ms": lambda d: d["keepalive"]["p99_ms"],
    "newconn_rps": lambda d: d["new_connection"]["rps"],
    "newconn_p50_ms": lambda d: d["new_connection"]["p50_ms"],
    "newconn_p99_ms": lambda d: d["new_connection"]["p99_ms"],
}
med = {p: {k: round(statistics.median(f(d) for d in rows[p]), 3) for k, f in fields.items()} | {"rounds": len(rows[p])}
       for p in order if p in rows}
base = med.get("routed")
for p, m in med.items():
    if base:
        m["download_vs_routed"] = round(m["download_MBps"] / base["download_MBps"], 3)
        m["cpu_vs_routed"] = round(m["cpu_s_per_gb"] / base["cpu_s_per_gb"], 3) if base["cpu_s_per_gb"] else None
json.dump({"paths": med, "module": extra}, open(out_json, "w"), indent=2)
with open(out_md, "w") as f:
    f.write("| path | download MB/s | ×routed | upload MB/s | CPU s/GB | ×routed | keep-alive req/s | p50 / p99 ms | new-conn req/s | p50 / p99 ms |\n")
    f.write("|---|---|---|---|---|---|---|---|---|---|\n")
    for p, m in med.items():
        f.write(f"| {p} | {m['download_MBps']:.0f} | {m.get('download_vs_routed', 0):.2f} | {m['upload_MBps']:.0f} | "
                f"{m['cpu_s_per_gb']:.2f} | {m.get('cpu_vs_routed') or 0:.2f} | {m['keepalive_rps']:.0f} | "
                f"{m['keepalive_p50_ms']:.2f} / {m['keepalive_p99_ms']:.2f} | {m['newconn_rps']:.0f} | "
                f"{m['newconn_p50_ms']:.2f} / {m['newconn_p99_ms']:.2f} |\n")
    if extra:
        f.write(f"\nKernel memory per splice: {extra['memory']['entry_bytes']} bytes "
                f"(plus {extra['memory']['table_bytes']} bytes of buckets per namespace).\n")
