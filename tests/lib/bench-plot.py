"""Draw the benchmark's medians as an SVG: download throughput and CPU
seconds per GB, one bar per path, side by side (no plotting library needed).

Usage: bench-plot.py RESULTS_JSON OUT_SVG"""
import json
import sys
from xml.sax.saxutils import escape

results, out = sys.argv[1], sys.argv[2]
paths = json.load(open(results))["paths"]
order = [p for p in ["routed", "ipvs", "tcpsplice", "warm", "baseline", "relay", "haproxy", "socat"] if p in paths]
panels = [("download_MBps", "download, MB/s (more is better)", "#3367d6"),
          ("cpu_s_per_gb", "CPU seconds per GB (less is better)", "#c5221f")]
W, row, top, label_w, bar_w, gap = 860, 26, 50, 90, 270, 40
H = top + len(order) * row + 40
svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
       f'font-family="DejaVu Sans, Arial, sans-serif" font-size="13">',
       f'<rect width="{W}" height="{H}" fill="#fff"/>']
for i, (key, title, colour) in enumerate(panels):
    x0 = 10 + i * (label_w + bar_w + gap + 20)
    vmax = max(paths[p][key] for p in order) or 1
    svg.append(f'<text x="{x0}" y="28" font-weight="bold">{escape(title)}</text>')
    for j, p in enumerate(order):
        y = top + j * row
        v = paths[p][key]
        w = bar_w * v / vmax
        bold = ' font-weight="bold"' if p == "tcpsplice" else ""
        svg.append(f'<text x="{x0 + label_w - 6}" y="{y + 15}" text-anchor="end"{bold}>{p}</text>')
        svg.append(f'<rect x="{x0 + label_w}" y="{y + 2}" width="{w:.1f}" height="{row - 8}" fill="{colour}"'
                   f' opacity="{1.0 if p == "tcpsplice" else 0.55}"/>')
        svg.append(f'<text x="{x0 + label_w + w + 5:.1f}" y="{y + 15}">{v:.1f}</text>')
svg.append(f'<text x="10" y="{H - 12}" font-size="11" fill="#555">medians of '
           f'{paths[order[0]].get("rounds", "?")} rounds in one VM run (QEMU TCG, release kernel); '
           'compare ratios, not absolute numbers</text>')
svg.append('</svg>')
open(out, "w").write("\n".join(svg) + "\n")
