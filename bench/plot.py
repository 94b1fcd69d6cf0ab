#!/usr/bin/env python3
"""Draws docs/images/performance.svg from Google Benchmark's JSON output (bench/run.sh writes
build-bench/bench.json): compile time against pack size on log-log axes, with the line of
linear growth through the 10-rule point for comparison, and evaluation time per DCF example.
Plain SVG, no plotting library needed.

  python3 bench/plot.py [build-bench/bench.json] [docs/images/performance.svg]
"""
import json
import math
import sys

src = sys.argv[1] if len(sys.argv) > 1 else "build-bench/bench.json"
out = sys.argv[2] if len(sys.argv) > 2 else "docs/images/performance.svg"
runs = [b for b in json.load(open(src))["benchmarks"] if b.get("run_type", "iteration") == "iteration"]

SCALE = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}


def seconds(b):
    return b["real_time"] * SCALE[b["time_unit"]]


compile_pts = sorted((int(b["name"].split("/")[1]), seconds(b)) for b in runs
                     if b["name"].startswith("BM_Compile/") and b["name"].split("/")[1].isdigit())
evals = [(int(b["name"].split("/")[1]), seconds(b) * 1e9, b.get("label", "")) for b in runs
         if b["name"].startswith("BM_Evaluate/")]

W, H, PAD = 960, 380, 60
parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
         f'<rect width="{W}" height="{H}" fill="white"/>']

# Left: compile time vs rules, log-log.
px0, py0, pw, ph = PAD, 40, 360, 280
parts.append(f'<text x="{px0}" y="24" font-size="14">Compile time by pack size (log-log)</text>')
if compile_pts:
    xs = [math.log10(n) for n, _ in compile_pts]
    ys = [math.log10(t) for _, t in compile_pts]
    lin = [ys[0] + (x - xs[0]) for x in xs]  # linear growth from the first point
    xmin, xmax = min(xs), max(xs)
    ymin, ymax = min(ys + lin) - 0.2, max(ys + lin) + 0.2

    def X(x):
        return px0 + (x - xmin) / (xmax - xmin or 1) * pw

    def Y(y):
        return py0 + ph - (y - ymin) / (ymax - ymin or 1) * ph

    parts.append(f'<rect x="{px0}" y="{py0}" width="{pw}" height="{ph}" fill="none" stroke="#999"/>')
    for n, _ in compile_pts:
        x = X(math.log10(n))
        parts.append(f'<text x="{x:.1f}" y="{py0 + ph + 16}" text-anchor="middle">{n:,}</text>')
    for e in range(math.ceil(ymin), math.floor(ymax) + 1):
        label = f"{10 ** e:g} s"
        parts.append(f'<line x1="{px0}" x2="{px0 + pw}" y1="{Y(e):.1f}" y2="{Y(e):.1f}" stroke="#eee"/>')
        parts.append(f'<text x="{px0 - 6}" y="{Y(e) + 4:.1f}" text-anchor="end">{label}</text>')
    pts = " ".join(f"{X(x):.1f},{Y(y):.1f}" for x, y in zip(xs, lin))
    parts.append(f'<polyline points="{pts}" fill="none" stroke="#aaa" stroke-dasharray="4 3"/>')
    pts = " ".join(f"{X(x):.1f},{Y(y):.1f}" for x, y in zip(xs, ys))
    parts.append(f'<polyline points="{pts}" fill="none" stroke="#1f5fa8" stroke-width="2"/>')
    for (n, t), x, y in zip(compile_pts, xs, ys):
        parts.append(f'<circle cx="{X(x):.1f}" cy="{Y(y):.1f}" r="3" fill="#1f5fa8"/>')
    parts.append(f'<text x="{px0 + pw / 2}" y="{py0 + ph + 34}" text-anchor="middle">rules (dashed: linear growth)</text>')

# Right: evaluation time per example.
qx0, qw = px0 + pw + 90, 360
parts.append(f'<text x="{qx0}" y="24" font-size="14">Evaluation per DCF example (ns)</text>')
if evals:
    top = max(v for _, v, _ in evals) * 1.1
    bw = qw / len(evals)
    parts.append(f'<rect x="{qx0}" y="{py0}" width="{qw}" height="{ph}" fill="none" stroke="#999"/>')
    for tick in range(0, int(top) + 1, 250):
        y = py0 + ph - tick / top * ph
        parts.append(f'<line x1="{qx0}" x2="{qx0 + qw}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eee"/>')
        parts.append(f'<text x="{qx0 - 6}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>')
    for i, (k, v, label) in enumerate(sorted(evals)):
        h = v / top * ph
        parts.append(f'<rect x="{qx0 + i * bw + 1:.1f}" y="{py0 + ph - h:.1f}" width="{bw - 2:.1f}" height="{h:.1f}" fill="#3a8f5c"><title>{label}: {v:.0f} ns</title></rect>')
    y1 = py0 + ph - 1000 / top * ph
    parts.append(f'<line x1="{qx0}" x2="{qx0 + qw}" y1="{y1:.1f}" y2="{y1:.1f}" stroke="#c33" stroke-dasharray="5 3"/>')
    parts.append(f'<text x="{qx0 + qw + 4}" y="{y1 + 4:.1f}" fill="#c33">target 1 µs</text>')
    parts.append(f'<text x="{qx0 + qw / 2}" y="{py0 + ph + 34}" text-anchor="middle">the 32 example agreements</text>')

parts.append("</svg>")
with open(out, "w") as f:
    f.write("\n".join(parts) + "\n")
print(f"wrote {out}")
