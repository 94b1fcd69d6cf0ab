#!/usr/bin/env python3
"""Writes the suppression benchmark's tables: a 2-D 50x50 and a 3-D 20x20x20 table of counts
in long form (one row per cell, no totals: `steward suppress` computes them), counts 10-200
with a tenth of them 1-9. Usage: bench/tables.py OUTDIR; then time
`steward suppress -p policies/dcf-5-4 OUTDIR/t50.csv -o /dev/null` (docs/performance.md)."""
import os
import random
import sys


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(out, exist_ok=True)
    random.seed(3)

    def count():
        return random.randint(1, 9) if random.random() < 0.1 else random.randint(10, 200)

    with open(os.path.join(out, "t50.csv"), "w") as f:
        f.write("a,b,count\n")
        for i in range(50):
            for j in range(50):
                f.write(f"a{i},b{j},{count()}\n")
    with open(os.path.join(out, "t20.csv"), "w") as f:
        f.write("a,b,c,count\n")
        for i in range(20):
            for j in range(20):
                for k in range(20):
                    f.write(f"a{i},b{j},c{k},{count()}\n")


if __name__ == "__main__":
    main()
