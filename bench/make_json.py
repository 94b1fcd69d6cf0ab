#!/usr/bin/env python3
"""Writes each DCF example agreement as JSON into bench/json/ (for the JSON full-path benchmark)."""
import datetime
import json
import os
import sys

import yaml

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
src = os.path.join(root, "policies/dcf-5-4/examples/agreements")
dst = os.path.join(root, "bench/json")
os.makedirs(dst, exist_ok=True)


def plain(v):
    if isinstance(v, (datetime.date, datetime.datetime)):
        return v.isoformat()
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [plain(x) for x in v]
    return v


for name in sorted(os.listdir(src)):
    with open(os.path.join(src, name)) as f:
        doc = plain(yaml.safe_load(f))
    with open(os.path.join(dst, name.replace(".yaml", ".json")), "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
print(f"wrote {len(os.listdir(dst))} files to {dst}", file=sys.stderr)
