#!/usr/bin/env python3
"""Instructions per unit of work, counted by callgrind, and each as a ratio to its floor.

Timing on a shared 2-core machine moves by 2x from one minute to the next; instruction counts
do not. Each measured piece of work in bench/eval_bench.cpp is one `once_*` function that is
never inlined; callgrind collects inside that function only (`--toggle-collect`), and the count
is divided by the number of calls (the benchmark counts them: Google Benchmark's trial runs
before the reported one call them too).

    python3 bench/instructions.py [build-bench/bench/steward_bench] [examples, default 0,15,30]

Floors: simdjson On-Demand reading every key and value (the JSON path's floor), libyaml's
event parser producing every event (the YAML path's), memcpy of the JSON text. simdjson runs
the kernel its On-Demand front end was compiled for (Debian's headers: `fallback`, whatever
-march says), natively and under callgrind alike.
"""
import os
import re
import subprocess
import sys
import tempfile

BENCH = sys.argv[1] if len(sys.argv) > 1 else "build-bench/bench/steward_bench"
EXAMPLES = [int(x) for x in (sys.argv[2] if len(sys.argv) > 2 else "0,15,30").split(",")]

# (label, benchmark, once_ function, floor label or None)
PIECES = [
    ("floor: memcpy of the JSON text", "BM_FloorMemcpy", "once_floor_memcpy", None),
    ("floor: simdjson On-Demand walk", "BM_FloorSimdjson", "once_floor_simdjson", None),
    ("floor: libyaml events", "BM_FloorLibyaml", "once_floor_libyaml", None),
    ("evaluate", "BM_Evaluate", "once_evaluate", None),
    ("evaluate + decision JSON", "BM_EvaluateJson", "once_evaluate_json", None),
    ("load JSON", "BM_LoadJson", "once_load", "floor: simdjson On-Demand walk"),
    ("load YAML", "BM_LoadYaml", "once_load", "floor: libyaml events"),
    ("load JSON, approvals from review records (the service's default)", "BM_LoadJsonReviewed",
     "once_load_reviewed", "floor: simdjson On-Demand walk"),
    ("full path JSON", "BM_FullPathJson", "once_full_path", "floor: simdjson On-Demand walk"),
    ("full path YAML", "BM_FullPathYaml", "once_full_path", "floor: libyaml events"),
]


def count(benchmark, function, example):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "cg.out")
        env = dict(os.environ, STEWARD_BENCH_CALLS="1")
        run = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
             f"--toggle-collect=*{function}*", BENCH,
             f"--benchmark_filter=^{benchmark}/{example}$", "--benchmark_min_time=0.2"],
            capture_output=True, text=True, check=True, env=env)
        m = re.search(r"once_calls=(\d+)", run.stderr)
        refs = re.search(r"I\s+refs:\s+([\d,]+)", run.stderr)
        if not m or not refs:
            sys.exit(f"cannot read the run of {benchmark}/{example}:\n{run.stdout}\n{run.stderr}")
        return int(refs.group(1).replace(",", "")) / int(m.group(1))


def main():
    if not os.path.exists(BENCH):
        sys.exit(f"{BENCH} not found: build it with bench/run.sh first")
    results = {}
    for label, benchmark, function, _ in PIECES:
        for ex in EXAMPLES:
            # The memcpy floor is registered for examples 0, 15, 30 only.
            results[(label, ex)] = count(benchmark, function, ex)
    header = "| piece | " + " | ".join(f"example {e}" for e in EXAMPLES) + " | to its floor |"
    print(header)
    print("|---" * (len(EXAMPLES) + 2) + "|")
    for label, _, _, floor in PIECES:
        cells = [f"{results[(label, e)]:,.0f}" for e in EXAMPLES]
        ratio = ""
        if floor:
            ratios = [results[(label, e)] / results[(floor, e)] for e in EXAMPLES]
            ratio = " / ".join(f"{r:.1f}x" for r in ratios)
        print(f"| {label} | " + " | ".join(cells) + f" | {ratio} |")


if __name__ == "__main__":
    main()
