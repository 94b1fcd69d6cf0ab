#!/usr/bin/env python3
"""Batch benchmark: `steward eval` on N generated agreement files through the CLI.

Generates N agreements (the differential test's generator, seeded; YAML-compatible JSON and
YAML files), runs `steward eval --format jsonl` over the directory a few times, and reports the
median wall time, agreements per second and the peak resident memory of the steward process.
Target (issue 5): 10,000 agreements in under 5 seconds on 2 cores.

  bench/batch_cli.py --steward build/tools/steward --pack policies/dcf-5-4 [--count 10000]
"""
import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools", "scripts"))
import differential  # noqa: E402  (the agreement generator)


def to_yaml(value, indent=0):
    pad = "  " * indent
    if isinstance(value, dict):
        out = []
        for k, v in value.items():
            if isinstance(v, (dict, list)) and v:
                out.append(f"{pad}{k}:\n{to_yaml(v, indent + 1)}")
            else:
                out.append(f"{pad}{k}: {json.dumps(v) if not isinstance(v, (dict, list)) else json.dumps(v)}")
        return "\n".join(out)
    if isinstance(value, list):
        out = []
        for v in value:
            if isinstance(v, dict) and v:
                inner = to_yaml(v, indent + 1).lstrip()
                out.append(f"{pad}- {inner}")
            else:
                out.append(f"{pad}- {json.dumps(v)}")
        return "\n".join(out)
    return pad + json.dumps(value)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steward", required=True)
    ap.add_argument("--pack", required=True)
    ap.add_argument("--count", type=int, default=10000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=0, help="steward -j (0: all cores)")
    args = ap.parse_args()

    import random
    r = random.Random(7)
    d = tempfile.mkdtemp(prefix="steward_batch_")
    try:
        size = 0
        for i in range(args.count):
            a = differential.agreement(r, i, False)
            if i % 2:
                text, name = json.dumps(a, indent=1), f"a{i:06d}.json"
            else:
                text, name = to_yaml(a) + "\n", f"a{i:06d}.yaml"
            size += len(text)
            with open(os.path.join(d, name), "w") as f:
                f.write(text)
        cmd = [args.steward, "eval", "--format", "jsonl", "--policy", args.pack, d]
        if args.jobs:
            cmd[2:2] = ["-j", str(args.jobs)]
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            times.append(time.perf_counter() - t0)
            if p.returncode not in (0, 1, 2, 3):
                print(f"steward failed with {p.returncode}", file=sys.stderr)
                return 2
            lines = p.stdout.count(b"\n")
            if lines != args.count:
                print(f"expected {args.count} results, got {lines}", file=sys.stderr)
                return 2
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        med = statistics.median(times)
        print(f"{args.count} agreements ({size / args.count / 1024:.1f} KiB average, half YAML, half JSON), "
              f"{os.cpu_count()} cores")
        print(f"wall time: median {med:.2f} s over {args.runs} runs (min {min(times):.2f}, max {max(times):.2f})")
        print(f"throughput: {args.count / med:,.0f} agreements/s; {med / args.count * 1e6:.0f} us per agreement")
        print(f"peak memory of steward: {peak_kb / 1024:.1f} MiB")
        print(f"target: {args.count} in < 5 s -> ratio {med / 5.0:.2f} of the budget "
              f"({'met' if med < 5.0 else 'NOT met'})")
    finally:
        shutil.rmtree(d)
    return 0


if __name__ == "__main__":
    sys.exit(main())
