#!/usr/bin/env python3
"""steward and Cedar side by side, in one run, on the same agreements.

Runs steward's Google Benchmark (evaluation only, and the full path from YAML text) and the
Cedar encoding of the DCF table (`@cedar-policy/cedar-wasm`, from shared/peers/cedar-dcf) on the
DCF example agreements, checks that both give the same decision and clause sets, and prints the
ratio per agreement.

  bench/cedar_compare.py --bench build/bench/steward_bench --steward build/tools/steward \
      --peer ../shared/peers/cedar-dcf [--calls 2000]

What the figures include: steward's are native C++ in-process (evaluation: a loaded document
to a decision with its reasons; full path: YAML text -> validated document -> decision JSON).
Cedar's include the JavaScript -> WebAssembly call and JSON marshalling of the request
(evaluation: a pre-parsed policy set on an already converted agreement, plus combining the
satisfied policies into a decision; full path: text -> parse and check -> Cedar request ->
decision). Published medians for native Cedar are about 4-11 us per request.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bench", required=True)
    ap.add_argument("--steward", required=True)
    ap.add_argument("--peer", required=True, help="the Cedar peer directory, with node_modules installed")
    ap.add_argument("--calls", type=int, default=2000, help="Cedar calls per agreement and mode")
    args = ap.parse_args()
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    ex_dir = os.path.join(root, "policies/dcf-5-4/examples/agreements")
    files = sorted(os.path.join(ex_dir, f) for f in os.listdir(ex_dir))

    b = subprocess.run([args.bench, "--benchmark_filter=BM_Evaluate/|BM_FullPathYaml/", "--benchmark_format=json",
                        "--benchmark_min_time=0.1"], capture_output=True, text=True, check=True)
    steward_ns = {}
    for r in json.loads(b.stdout)["benchmarks"]:
        kind = "eval" if r["name"].startswith("BM_Evaluate/") else "full"
        unit = {"ns": 1, "us": 1000, "ms": 1e6}[r["time_unit"]]
        steward_ns[(kind, r["label"])] = r["real_time"] * unit

    st = subprocess.run([args.steward, "eval", "-f", "jsonl", "-p", os.path.join(root, "policies/dcf-5-4"), ex_dir],
                        capture_output=True, text=True)
    decisions = [json.loads(line) for line in st.stdout.splitlines()]

    ce = subprocess.run(["node", os.path.join(root, "bench/cedar_time.mjs"), os.path.abspath(args.peer),
                         str(args.calls)] + files, capture_output=True, text=True, check=True)
    cedar = [json.loads(line) for line in ce.stdout.splitlines()]

    print(f"{'agreement':<40} {'decision':<13} {'steward eval':>12} {'cedar eval':>11} {'ratio':>7}"
          f" {'steward full':>13} {'cedar full':>11} {'ratio':>7}")
    mismatches, ratios_eval, ratios_full = 0, [], []
    for f, d, c in zip(files, decisions, cedar):
        name = os.path.basename(f)[:-5]
        sd = sorted({r["clause"] for r in d["reasons"] if r["outcome"] == "deny"})
        sr = sorted({r["clause"] for r in d["reasons"] if r["outcome"] == "needs_review"})
        same = (d["decision"], sd, sr) == (c.get("decision"), c.get("deny"), c.get("review"))
        mismatches += not same
        se, sf = steward_ns[("eval", name)], steward_ns[("full", name)]
        re_, rf = c["eval_us"] * 1000 / se, c["full_us"] * 1000 / sf
        ratios_eval.append(re_)
        ratios_full.append(rf)
        print(f"{name:<40} {d['decision'] + ('' if same else ' (DIFFERS)'):<13} {se / 1000:>9.2f} us"
              f" {c['eval_us']:>8.1f} us {re_:>6.0f}x {sf / 1000:>10.1f} us {c['full_us']:>8.1f} us {rf:>6.1f}x")
    print(f"\nmedian ratio (Cedar time / steward time): evaluation {statistics.median(ratios_eval):.0f}x, "
          f"full path {statistics.median(ratios_full):.1f}x; {len(files)} agreements, {mismatches} decision mismatch(es)")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
