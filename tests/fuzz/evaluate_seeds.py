#!/usr/bin/env python3
"""Seeds for fuzz_evaluate: a policy, a line `%%`, an agreement.

    python3 tests/fuzz/evaluate_seeds.py REPO OUT_DIR

From the evaluator's test tables (each policy in tests/unit/evaluator_test.cpp with the
agreements its test case decides), the lending test pack with its test agreements, and the DCF
pack's modules as one module (its registry of mandates as a set) with a few of its examples.
"""
import os
import re
import sys

import yaml

repo, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
count = 0


def seed(policy, agreement):
    global count
    count += 1
    with open(os.path.join(out, f"seed-{count:03d}"), "w") as f:
        f.write(policy.rstrip("\n") + "\n%%\n" + agreement)


def c_string(body):
    return body.encode().decode("unicode_escape")


text = open(os.path.join(repo, "tests/unit/evaluator_test.cpp")).read()
for case in text.split("TEST_CASE(")[1:]:
    policies = re.findall(r'pack_of\(R"\((.*?)\)"\)', case, re.S)
    docs = [c_string(d) for d in re.findall(r'"(id: (?:[^"\\]|\\.)*)"', case)]
    for policy in policies:
        for doc in docs[:12]:
            seed(policy, doc)

lending = os.path.join(repo, "tests/packs/lending")
policy = open(os.path.join(lending, "lending.policy")).read()
for test in yaml.safe_load(open(os.path.join(lending, "tests/lending.yaml")))["tests"]:
    if "agreement" in test:
        seed(policy, test["agreement"])

dcf = os.path.join(repo, "policies/dcf-5-4")
manifest = yaml.safe_load(open(os.path.join(dcf, "pack.yaml")))
policy = "".join(open(os.path.join(dcf, m)).read() + "\n" for m in manifest["modules"])
citations = [m["citation"] for m in yaml.safe_load(open(os.path.join(dcf, "data/mandates.yaml")))]
policy += "set mandates = { " + ", ".join('"' + c + '"' for c in citations) + " }\n"
examples = sorted(os.listdir(os.path.join(dcf, "examples/agreements")))
for name in examples[::6]:
    seed(policy, open(os.path.join(dcf, "examples/agreements", name)).read())
print(f"{count} seeds in {out}")
