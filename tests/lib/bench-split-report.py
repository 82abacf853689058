"""Report of scripts/bench-split: medians per path and backend count of the
aggregate download throughput (from the lab guest) and of proxy1's CPU per
GB delivered (from its QEMU process, with its idle rate, measured during the
direct downloads it takes no part in, taken out).

  bench-split-report.py RAW MARKS RESULTS_JSON TABLE_MD
"""
import json
import statistics
import sys


def main():
    raw, marks_path, out_json, out_md = sys.argv[1:5]
    runs = [json.loads(l.split(" ", 1)[1]) for l in open(raw) if l.startswith("BENCH ")]
    begins, cpu = {}, {}
    for line in open(marks_path):
        f = line.split()
        if f[0] not in ("begin", "end"):
            continue
        key = (f[1], int(f[2]), int(f[3]))
        c, t = float(f[4]), float(f[5])
        if f[0] == "begin":
            begins[key] = (c, t)
        elif key in begins:
            c0, t0 = begins[key]
            cpu[key] = (c - c0, t - t0)
    idle = [c / t for (m, _, _), (c, t) in cpu.items() if m == "direct" and t > 0]
    idle_rate = statistics.median(idle) if idle else 0.0
    groups = {}
    for r in runs:
        if not r.get("ok"):
            continue
        key = (r["mode"], r["backends"], r["round"])
        c, t = cpu.get(key, (None, None))
        g = groups.setdefault((r["mode"], r["backends"]), {"mbps": [], "cpu_per_gb": [], "raw_cpu_s": []})
        g["mbps"].append(r["bytes"] / r["seconds"] / 1e6)
        if c is not None:
            g["raw_cpu_s"].append(c)
            g["cpu_per_gb"].append(max(c - idle_rate * t, 0.0) / (r["bytes"] / 1e9))
    results = []
    for (mode, k), g in sorted(groups.items(), key=lambda x: (x[0][1], x[0][0])):
        med = lambda v: round(statistics.median(v), 3) if v else None
        results.append({"mode": mode, "backends": k, "rounds": len(g["mbps"]),
                        "throughput_MBps": med(g["mbps"]), "proxy_cpu_s_per_gb": med(g["cpu_per_gb"]),
                        "proxy_cpu_s_raw": med(g["raw_cpu_s"])})
    by = {(r["mode"], r["backends"]): r for r in results}
    for r in results:
        full = by.get(("full", r["backends"]))
        if r["mode"] == "split" and full and r["proxy_cpu_s_per_gb"]:
            r["cpu_per_gb_full_over_split"] = round(full["proxy_cpu_s_per_gb"] / r["proxy_cpu_s_per_gb"], 1)
    json.dump({"idle_cpu_s_per_s": round(idle_rate, 3), "results": results}, open(out_json, "w"), indent=1)
    with open(out_md, "w") as f:
        f.write(f"proxy1's guest idle: {idle_rate:.3f} CPU s/s (taken out below)\n\n")
        f.write("| backends | path | throughput MB/s | proxy CPU s/GB | full/split CPU |\n|---|---|---|---|---|\n")
        for r in results:
            cpu_gb = "-" if r["mode"] == "direct" else r["proxy_cpu_s_per_gb"]
            f.write(f"| {r['backends']} | {r['mode']} | {r['throughput_MBps']} | {cpu_gb} | {r.get('cpu_per_gb_full_over_split', '')} |\n")


if __name__ == "__main__":
    main()
