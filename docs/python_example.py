# %% [markdown]
# # steward from a notebook
#
# Decide a folder of agreements, look at the decisions as a table, check the data an agreement
# would send, and protect a table of counts before it is published. Each `# %%` is a notebook
# cell (Jupyter, VS Code); the whole file also runs as a script:
#
#     PYTHONPATH=tools/python STEWARD_LIBRARY=build/runtime/libsteward.so.1 \
#         python3 docs/python_example.py
#
# ctest runs it (`python_example`), so it stays true to the package.

# %%
import glob
import os

import pandas as pd

import steward

root = os.environ.get("STEWARD_SOURCE_DIR", ".")
pack = steward.Pack.compile(os.path.join(root, "policies/dcf-5-4"))
print(pack.name, pack.version, pack.digest)

# %% [markdown]
# ## Decisions, as a DataFrame
# `evaluate_many` decides the whole list in batches on the library's threads; a refused
# agreement comes back as its `InputError`, in its place.

# %%
paths = sorted(glob.glob(os.path.join(root, "policies/dcf-5-4/examples/agreements/*.yaml")))
texts = [open(p).read() for p in paths]
results = pack.evaluate_many(texts, as_of="2026-03-01")
decisions = pd.DataFrame(
    {
        "file": [os.path.basename(p) for p in paths],
        "outcome": [r.outcome if isinstance(r, steward.Decision) else "refused" for r in results],
        "clauses": [
            ", ".join(sorted({x.clause for x in r.reasons})) if isinstance(r, steward.Decision) else ""
            for r in results
        ],
    }
)
print(decisions.outcome.value_counts().to_string())
denied = decisions[decisions.outcome == "deny"]
print(denied.head().to_string(index=False))

# %% [markdown]
# ## The data an agreement would send
# `scan` takes a DataFrame (or a CSV path or text) and reports the columns that hold
# identifiers: names, categories, how they were found and row numbers, never a value.

# %%
extract = pd.DataFrame(
    {
        "case_number": ["C100007", "C100014", "C100021"],
        "ssn": ["141-57-9111", "432-52-2178", "219-09-9999"],
        "placement_months": [3, 14, 7],
    }
)
report = pack.scan(extract, name="extract.csv")
findings = pd.DataFrame(report.findings)[["column", "category", "how", "detector", "count"]]
print(findings.to_string(index=False))
assert set(findings.column) >= {"ssn"}

# %% [markdown]
# ## A table of counts, protected before publication
# Small counts are suppressed, and so are as many others as it takes for no suppressed cell to
# be worked out from the totals (the audit an attacker would run is in `report`).

# %%
counts = pd.DataFrame(
    {
        "region": ["A", "A", "B", "B", "C", "C"],
        "gender": ["male", "female"] * 3,
        "count": [3, 17, 14, 19, 12, 10],
    }
)
protected = pack.suppress(counts)
print(protected.table.to_string(index=False))
print(f"{len(protected.primary)} primary, {len(protected.secondary)} secondary suppressions")
assert (protected.table["count"] == "*").sum() == len(protected.primary) + len(protected.secondary)
