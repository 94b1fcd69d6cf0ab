#!/usr/bin/env python3
"""Generates policy packs of N rules for the compile benchmark.

  bench/gen_pack.py OUT_DIR 10 100 1000 10000 100000

writes OUT_DIR/rules-N/ (pack.yaml, schema.policy, rules*.policy) for each N: a document of 20
fields, N/10 clauses, N/5 definitions that depend on one another in chains of five, and N rules,
a fifth of them ranging over a list, each using definitions, comparisons and sets.
"""
import os
import sys


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def gen(out, n):
    d = os.path.join(out, f"rules-{n}")
    os.makedirs(d, exist_ok=True)
    write(os.path.join(d, "pack.yaml"),
          f'name: generated-{n}\nversion: "1"\nparameters:\n  limit: {{type: int, default: 10}}\n')
    fields = "\n".join(f"  s{i}: string?" for i in range(10)) + "\n" + \
             "\n".join(f"  n{i}: int?" for i in range(8))
    schema = f"""enum Level {{ low, mid, high }}
set words = {{ "alpha", "beta", "gamma", "delta" }}
record Item {{ name: string, level: Level, size: int? }}
document Doc {{
  id: string
{fields}
  level: Level
  items: [Item]?
}}
"""
    write(os.path.join(d, "schema.policy"), schema)
    clauses = max(1, n // 10)
    defs = max(1, n // 5)
    out_lines = []
    for c in range(clauses):
        out_lines.append(f'clause c{c} {{ title: "clause {c}", citation: "generated" }}')
    out_lines.append("reviewer board")
    for i in range(defs):
        if i % 5 == 0:
            out_lines.append(f'let d{i} = (n{i % 8} ?? 0) > {i % 50} or s{i % 10} in words')
        else:
            out_lines.append(f'let d{i} = d{i - 1} and level != "{["low", "mid", "high"][i % 3]}"')
    for r in range(n):
        c = r % clauses
        di = r % defs
        if r % 5 == 4:
            out_lines.append(
                f'rule r{r} for it in items {{\n  clause: c{c}\n  outcome: review(board)\n'
                f'  when: d{di} and it.level == "high" and (it.size ?? 0) >= limit\n'
                f'  message: "item {{it.name}} of rule {r}"\n}}')
        else:
            out_lines.append(
                f'rule r{r} {{\n  clause: c{c}\n  outcome: deny\n'
                f'  when: d{di} and present(s{r % 10}) and (n{r % 8} ?? 0) < {r % 100}\n'
                f'  message: "rule {r}: {{s{r % 10}}}"\n  evidence: s{r % 10}\n}}')
    # Modules of at most 4 MB: a module is limited to 8 MiB (docs/security.md).
    modules, size = [[]], 0
    for line in out_lines:
        if size + len(line) > 4_000_000:
            modules.append([])
            size = 0
        modules[-1].append(line)
        size += len(line) + 1
    for k, lines in enumerate(modules):
        name = "rules.policy" if len(modules) == 1 else f"rules-{k:03}.policy"
        write(os.path.join(d, name), "\n".join(lines) + "\n")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    for arg in sys.argv[2:]:
        gen(sys.argv[1], int(arg))
