#!/usr/bin/env python3
"""Differential test of the DCF 5-4 pack against the independent Cedar encoding.

Generates agreements at random from the agreement format (seeded, mostly valid, some with
input errors), decides them with `steward eval --format json` and with the Cedar peer
(`node decide.mjs`), and compares, per agreement: input error or not, the decision, the set
of deny clauses, the set of review clauses, and the reviewers. Prints every disagreement and
exits 1 if there is one.

  differential.py --steward build/tools/steward --pack policies/dcf-5-4 \
      --cedar ../shared/peers/cedar-dcf --count 2000 --seed 1
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

IDENTIFIERS = ["name", "street_address", "city", "county", "zip5", "geocode", "date_full",
               "age_over_89", "phone", "fax", "email", "ssn", "medical_record_number",
               "health_plan_number", "account_number", "license_number", "vehicle_id",
               "device_id", "url", "ip_address", "biometric", "photo", "unique_id"]
ALLOWED = ["reidentification_code", "zip3", "year", "age", "state"]
OTHER = ["race_ethnicity", "sex", "gender_identity", "language", "disability", "service_type",
         "placement_type", "allegation_type", "finding", "outcome", "risk_score", "sdm_assessment",
         "education", "income", "count", "rate"]
SENSITIVE = ["substance_use", "mental_health", "hiv_status", "immigration_status", "religion",
             "sexual_orientation", "criminal_history"]
PERMITTED = ["program_evaluation", "research", "federal_reporting", "state_reporting",
             "public_reporting", "quality_improvement", "service_coordination",
             "resource_allocation", "case_prioritization", "safety_planning",
             "permanency_planning", "audit", "foia_request", "media_request"]
PROHIBITED = ["immigration_enforcement", "law_enforcement_surveillance", "predictive_policing",
              "commercial_marketing", "sale_of_data", "employment_screening", "credit_scoring",
              "eligibility_denial"]
BODIES = ["data_governance_committee", "cphs", "commissioner", "commissioner_designee"]
DECISION_USES = ["none", "resource_allocation", "case_prioritization", "safety_planning",
                 "permanency", "intervention_targeting"]


def maybe(r, p=0.5):
    return r.random() < p


def date(r):
    y = r.choice([2025, 2026, 2027])
    return f"{y}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}"


def agreement(r, i, blanks):
    """A random agreement: a documented base with random rule-relevant choices, then a few
    random gaps (removed keys, empty values), and now and then an input error."""
    a = {"format": "steward/agreement/v1", "id": f"R-{i}",
         "title": "A data sharing activity",
         "kind": r.choice(["data_sharing", "data_integration", "data_request", "internal_analysis"]),
         "request_channel": r.choice(["govqa"] * 18 + ["email", "other"]),
         "parties": [{"name": f"P{k}", "role": r.choice(["provider", "recipient", "processor"]),
                      "external": maybe(r)} for k in range(r.randint(1, 3))],
         "purpose": {"category": r.choice(PERMITTED * 8 + PROHIBITED + ["staff_training"] * 2),
                     "description": "Why"},
         "term": {"start": "2026-03-01", "end": r.choice(["2027-02-28"] * 8 + ["2026-03-01", "2026-02-28"])},
         "summary_of_terms": "Terms",
         "risks": ["r"] * r.randint(0, 2),
         "benefits": ["b"] * r.randint(0, 2),
         "racial_justice_assessment": {"completed": maybe(r, 0.97), "equity_conformance": maybe(r, 0.95),
                                       "summary": "Assessed"},
         "risk_mitigation": "Mitigated",
         "legal_mandate": r.choice([None] * 6 + ["42 U.S.C. 679", ""])}
    level = r.choice(["client", "client", "aggregate"])
    d = {"level": level,
         "deidentification": r.choice(["none", "limited_data_set", "safe_harbor", "safe_harbor",
                                       "expert_determination"]),
         "fields": [{"name": f"f{k}",
                     "category": r.choice(IDENTIFIERS + ALLOWED * 20 + OTHER * 10 + SENSITIVE),
                     "justification": "needed" if maybe(r, 0.97) else ""}
                    for k in range(r.randint(0, 4) or 2)],
         "disaggregation": r.choice([["race_ethnicity"], ["race_ethnicity", "sex"], ["sex"], []]),
         "sources": "LINK", "target_population": "Children", "transformations": "Counts"}
    if level == "aggregate" or maybe(r, 0.1):
        d["suppression"] = {"threshold": r.choice([5, 9, 10, 10, 11, 20]), "complementary": maybe(r, 0.85)}
    a["data"] = d
    if maybe(r, 0.6):
        a["consent"] = {"notification_plan": "Letters", "informed_consent_process": "Opt-in",
                        "reviewed_by_dgc": maybe(r, 0.8), "approved_by_commissioner": maybe(r, 0.8)}
    if maybe(r, 0.35):
        a["analytics"] = {"predictive": maybe(r, 0.6), "machine_learning": maybe(r, 0.4),
                          "decision_use": r.choice(DECISION_USES), "professional_judgment": maybe(r, 0.8),
                          "equity_review": maybe(r, 0.8)}
        if maybe(r, 0.7):
            a["analytics"]["bias_monitoring"] = {"metric": "rri", "threshold": 1.5, "frequency": "quarterly"}
    a["approvals"] = [{"body": b, "decision": r.choice(["approved"] * 16 + ["denied", "pending"]),
                       "date": date(r)} for b in BODIES if maybe(r, 0.75)]
    # Gaps: remove or empty a few keys anywhere in the agreement.
    for _ in range(r.choice([0, 0, 0, 0, 0, 1, 1, 2])):
        container, key = pick_key(r, a)
        if key in ("format", "id", "kind", "data", "level", "deidentification", "role", "external",
                   "category", "body", "decision"):
            continue  # required keys: their absence is an input error, tested below
        if maybe(r) or not isinstance(container[key], str):
            del container[key]
        else:
            container[key] = r.choice(["", " "] if blanks else [""])
    # A few input errors: the two engines must agree that these are not decided.
    roll = r.random()
    if roll < 0.02:
        a["titel"] = "typo"
    elif roll < 0.04:
        a["data"]["level"] = "clientele"
    elif roll < 0.05:
        a["kind"] = 3
    elif roll < 0.06:
        a.pop("data")
    elif roll < 0.07:
        a["term"] = {"start": "2026-02-30"}
    return a


def pick_key(r, node):
    """A random (container, key) of a mapping somewhere in the tree."""
    container = node
    while True:
        key = r.choice(list(container.keys()))
        value = container[key]
        if isinstance(value, dict) and value and maybe(r, 0.6):
            container = value
        elif isinstance(value, list) and value and isinstance(value[0], dict) and maybe(r, 0.6):
            container = r.choice(value)
        else:
            return container, key


def summarize_steward(doc):
    if doc.get("decision") is None:
        return {"error": True}
    deny = sorted({x["clause"] for x in doc["reasons"] if x["outcome"] == "deny"})
    review = sorted({x["clause"] for x in doc["reasons"] if x["outcome"] == "needs_review"})
    return {"error": False, "decision": doc["decision"], "deny": deny, "review": review,
            "reviewers": sorted(doc["reviewers"])}


def summarize_cedar(doc):
    if "error" in doc:
        return {"error": True}
    return {"error": False, "decision": doc["decision"], "deny": sorted(doc["deny"]),
            "review": sorted(doc["review"]), "reviewers": sorted(doc["reviewers"])}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steward", required=True)
    ap.add_argument("--pack", required=True)
    ap.add_argument("--cedar", required=True, help="directory of the Cedar peer (with node_modules)")
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", help="write the agreements to this directory and keep them")
    ap.add_argument("--blanks", action="store_true",
                    help="also generate blank strings (steward reads them as empty, Cedar does not)")
    args = ap.parse_args()

    r = random.Random(args.seed)
    out_dir = args.keep or tempfile.mkdtemp(prefix="steward_diff_")
    os.makedirs(out_dir, exist_ok=True)
    names = []
    for i in range(args.count):
        name = f"r{i:05d}.json"
        with open(os.path.join(out_dir, name), "w") as f:
            json.dump(agreement(r, i, args.blanks), f, indent=1)
        names.append(name)

    st = subprocess.run([args.steward, "eval", "--format", "json", "--policy", args.pack, out_dir],
                        capture_output=True, text=True)
    if st.returncode not in (0, 1, 2, 3):
        print(st.stderr, file=sys.stderr)
        return 2
    docs = json.loads(st.stdout)
    if not isinstance(docs, list):
        docs = [docs]
    # steward prints one document per file, in path order.
    steward = dict(zip(sorted(names), docs))

    node = shutil.which("node")
    ce = subprocess.run([node, "decide.mjs", os.path.abspath(out_dir)], cwd=args.cedar,
                        capture_output=True, text=True)
    if ce.returncode != 0:
        print(ce.stderr, file=sys.stderr)
        return 2
    cedar = {os.path.basename(json.loads(l)["file"]): json.loads(l) for l in ce.stdout.splitlines() if l}

    disagreements = 0
    counts = {}
    for n in names:
        s = summarize_steward(steward[n]) if n in steward else {"missing": True}
        c = summarize_cedar(cedar[n]) if n in cedar else {"missing": True}
        key = "error" if s.get("error") else s.get("decision", "?")
        counts[key] = counts.get(key, 0) + 1
        if s != c:
            disagreements += 1
            if disagreements <= 20:
                print(f"DISAGREE {os.path.join(out_dir, n)}\n  steward: {s}\n  cedar:   {c}")
    print(f"{args.count} agreements (seed {args.seed}): " +
          ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) +
          f"; {disagreements} disagreement(s)")
    if not args.keep and disagreements == 0:
        shutil.rmtree(out_dir)
    return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
