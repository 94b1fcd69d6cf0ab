#!/usr/bin/env python3
"""Differential test of the DCF 5-4 pack (agreement format v2) against an independent Cedar
encoding (tests/cedar-dcf-v2).

Generates agreements at random from the agreement format (seeded, mostly valid, some with
input errors), decides them with `steward eval --format json` and with the Cedar peer
(`node decide.mjs`), and compares, per agreement: input error or not, the decision, the set
of deny clauses, the set of review clauses, and the reviewers. Prints every disagreement and
exits 1 if there is one.

Every agreement is decided on one evaluation date (--as-of, default 2026-06-01), by both.

  differential.py --steward build/tools/steward --pack policies/dcf-5-4 \
      --cedar build/cedar-dcf-v2 --count 2000 --seed 1
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
BODIES = ["data_governance_committee", "cphs", "commissioner", "commissioner_designee",
          "legal_division"]
# Citations: registered ones as written in the registry and written differently, unregistered
# ones, and the non-answers a proposer types.
CITATIONS = ["42 U.S.C. 679", "42 USC 679", "42 u.s.c. § 679", "45 CFR 1355.40", "45 c.f.r. 1355.40",
             "42 U.S.C. 5106a", "45 CFR 1356.80", "45 CFR 1355.52", "42 U.S.C. 674",
             "42 U.S.C. 6790", "see 42 USC 679", "45 CFR 1355", "N/A", "none", "\u00a0", "",
             "C.G.S. 17a-28"]
BASIS_KINDS = ["none", "state_statute", "federal_statute", "federal_regulation", "court_order",
               "subpoena", "signed_release"]
NOTIFY = ["legal_division", "strategic_planning", "data_governance_committee", "commissioner"]
DECISION_USES = ["none", "resource_allocation", "case_prioritization", "safety_planning",
                 "permanency", "intervention_targeting"]


def maybe(r, p=0.5):
    return r.random() < p


def date(r):
    y = r.choice([2025, 2026, 2027])
    return f"{y}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}"


def near(r, day, spread):
    """A date within `spread` days of `day` (YYYY-MM-DD): boundaries get hit."""
    import datetime
    d = datetime.date.fromisoformat(day) + datetime.timedelta(days=r.randint(-spread, spread))
    return d.isoformat()


def approvals(r, start, as_of):
    """Approvals of random bodies and decisions, dated around the term's start and the
    evaluation date (and now and then undated)."""
    out = []
    for b in BODIES:
        if not maybe(r, 0.7 if b != "legal_division" else 0.1):
            continue
        x = {"body": b, "decision": r.choice(["approved"] * 16 + ["denied", "pending"])}
        roll = r.random()
        if roll < 0.04:
            pass  # undated
        elif roll < 0.6:
            x["date"] = near(r, start, 40) if maybe(r, 0.3) else near(r, "2026-01-15", 30)
        else:
            x["date"] = near(r, as_of, 3) if maybe(r, 0.3) else date(r)
        out.append(x)
    return out


def agreement(r, i, blanks, as_of):
    """A random agreement: a documented base with random rule-relevant choices, then a few
    random gaps (removed keys, empty values), and now and then an input error."""
    start = r.choice(["2026-03-01"] * 6 + [near(r, as_of, 10)])
    end = r.choice(["2027-02-28"] * 6 + [start, near(r, as_of, 3), near(r, start, 2)])
    a = {"format": "steward/agreement/v2", "id": f"R-{i}",
         "title": "A data sharing activity",
         "kind": r.choice(["data_sharing", "data_integration", "data_request", "internal_analysis"]),
         "request_channel": r.choice(["govqa"] * 18 + ["email", "other"]),
         "parties": [{"name": f"P{k}", "role": r.choice(["provider", "recipient", "processor"]),
                      "external": maybe(r)} for k in range(r.randint(1, 3))],
         "purpose": {"category": r.choice(PERMITTED * 8 + PROHIBITED + ["staff_training"] * 2),
                     "description": "Why"},
         "term": {"start": start, "end": end},
         "summary_of_terms": "Terms",
         "risks": ["r"] * r.randint(0, 2),
         "benefits": ["b"] * r.randint(0, 2),
         "racial_justice_assessment": {"completed": maybe(r, 0.97), "equity_conformance": maybe(r, 0.95),
                                       "summary": "Assessed"},
         "risk_mitigation": "Mitigated"}
    if a["request_channel"] == "govqa" and maybe(r, 0.95):
        a["request_reference"] = r.choice(["R004512-020326"] * 9 + ["\u00a0"])
    if maybe(r, 0.4):
        kind = r.choice(BASIS_KINDS)
        a["legal_basis"] = {"kind": kind}
        if kind != "none" or maybe(r, 0.2):
            if maybe(r, 0.9):
                a["legal_basis"]["citation"] = r.choice(CITATIONS)
    if maybe(r, 0.9):
        a["security"] = {"encryption_in_transit": maybe(r, 0.93), "encryption_at_rest": maybe(r, 0.93),
                         "access": r.choice(["named_individuals"] * 6 + ["role_based"] * 3 + ["unrestricted"]),
                         "storage_location": "Enclave"}
    if maybe(r, 0.9):
        a["retention"] = {"destroy_by": r.choice([near(r, end, 3), near(r, end, 200), near(r, end, 400),
                                                  near(r, "2028-02-28", 2)]),
                          "method": "Purge", "certificate_of_destruction": maybe(r, 0.93)}
    if maybe(r, 0.9):
        a["redisclosure"] = {"permitted": maybe(r, 0.1), "reidentification_prohibited": maybe(r, 0.93),
                             "contact_subjects_prohibited": maybe(r, 0.93)}
    if maybe(r, 0.9):
        a["incident_response"] = {
            "notify": r.choice([["legal_division", "strategic_planning"]] * 8 +
                               [[r.choice(NOTIFY)], [], ["strategic_planning", "legal_division", "commissioner"]]),
            "within_hours": r.choice([24] * 5 + [1, 23, 25, 48, 0])}
    if a["kind"] == "data_integration" and maybe(r, 0.85) or maybe(r, 0.1):
        a["linkage"] = {"method": r.choice(["deterministic", "probabilistic"]),
                        "performed_by": r.choice(["dcf", "trusted_third_party", "recipient"]),
                        "crosswalk_held_by": r.choice(["dcf"] * 3 + ["trusted_third_party", "recipient"])}
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
    if d["deidentification"] == "expert_determination" and maybe(r, 0.7):
        d["deidentification_report"] = r.choice(["Expert report 2026-01"] * 5 + ["\u2003"])
    a["data"] = d
    if maybe(r, 0.6):
        a["consent"] = {"notification_plan": "Letters", "informed_consent_process": "Opt-in",
                        "approvals": approvals(r, start, as_of)}
    if maybe(r, 0.35):
        a["analytics"] = {"predictive": maybe(r, 0.5), "machine_learning": maybe(r, 0.3),
                          "actuarial": maybe(r, 0.3), "opm_conformance": maybe(r, 0.85),
                          "decision_use": r.choice(DECISION_USES), "professional_judgment": maybe(r, 0.8),
                          "equity_review": maybe(r, 0.8)}
        if maybe(r, 0.7):
            a["analytics"]["bias_monitoring"] = {"metric": "rri", "threshold": 1.5, "frequency": "quarterly"}
    a["approvals"] = approvals(r, start, as_of)
    # A third are made compliant but for what the random choices above left in place on the
    # rows' boundaries (dates, citations, levels): the allow paths get exercised too.
    if maybe(r, 0.35):
        comply(r, a, start, end)
    # Gaps: remove or empty a few keys anywhere in the agreement.
    for _ in range(r.choice([0, 0, 0, 0, 0, 1, 1, 2])):
        container, key = pick_key(r, a)
        if key in ("format", "id", "kind", "data", "level", "deidentification", "role", "external",
                   "category", "body", "decision", "encryption_in_transit", "encryption_at_rest",
                   "access", "storage_location", "destroy_by", "method", "certificate_of_destruction",
                   "permitted", "reidentification_prohibited", "contact_subjects_prohibited",
                   "notify", "within_hours", "performed_by", "crosswalk_held_by"):
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
    elif roll < 0.08:
        a["format"] = "steward/agreement/v1"
    elif roll < 0.09:
        a["legal_mandate"] = "42 U.S.C. 679"
    elif roll < 0.095 and "security" in a:
        del a["security"]["access"]
    return a


def comply(r, a, start, end):
    """Repairs the rows a random agreement most often trips, keeping its boundary dates."""
    import datetime
    a["request_channel"] = "govqa"
    a["request_reference"] = "R004512-020326"
    a["purpose"]["category"] = r.choice(PERMITTED)
    a["racial_justice_assessment"] = {"completed": True, "equity_conformance": True, "summary": "Assessed"}
    a["risks"], a["benefits"] = ["r"], ["b"]
    a["security"] = {"encryption_in_transit": True, "encryption_at_rest": True,
                     "access": r.choice(["named_individuals", "role_based"]), "storage_location": "Enclave"}
    last = datetime.date.fromisoformat(end) + datetime.timedelta(days=365)
    a["retention"] = {"destroy_by": r.choice([end, last.isoformat(), near(r, end, 30) if maybe(r) else end]),
                      "method": "Purge", "certificate_of_destruction": True}
    a["redisclosure"] = {"permitted": False, "reidentification_prohibited": True,
                         "contact_subjects_prohibited": True}
    a["incident_response"] = {"notify": ["legal_division", "strategic_planning"],
                              "within_hours": r.choice([24, 12, 1])}
    if a["kind"] == "data_integration":
        a["linkage"] = {"method": "deterministic", "performed_by": "dcf", "crosswalk_held_by": "dcf"}
    before = near(r, start, 20) if maybe(r, 0.3) else "2026-01-10"
    a["approvals"] = [{"body": "data_governance_committee", "decision": "approved", "date": before},
                      {"body": r.choice(["commissioner", "commissioner_designee"]), "decision": "approved",
                       "date": before}]
    a["consent"] = {"notification_plan": "Letters", "informed_consent_process": "Opt-in",
                    "approvals": [dict(x) for x in a["approvals"]]}
    for f in a["data"].get("fields", []):
        f["justification"] = "needed"
        if f["category"] in SENSITIVE or f["category"] in IDENTIFIERS:
            f["category"] = r.choice(ALLOWED)
    if a["data"]["deidentification"] == "expert_determination":
        a["data"]["deidentification_report"] = "Expert report 2026-01"
    if "analytics" in a:
        a["analytics"].update({"professional_judgment": True, "equity_review": True,
                               "opm_conformance": True,
                               "bias_monitoring": {"metric": "rri", "threshold": 1.5, "frequency": "monthly"}})
    if a["data"]["level"] == "aggregate":
        a["data"]["suppression"] = {"threshold": r.choice([10, 11]), "complementary": True}


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


MANDATE_KEYS = {"42usc679", "45cfr135540", "42usc5106a", "42usc677", "45cfr135680", "42usc674",
                "45cfr135552"}
DIRECT = {"name", "street_address", "phone", "fax", "email", "ssn", "medical_record_number",
          "health_plan_number", "account_number", "license_number", "vehicle_id", "device_id", "url",
          "ip_address", "biometric", "photo", "unique_id"}


def blank(v):
    import unicodedata
    return not isinstance(v, str) or all(c.isspace() or unicodedata.category(c) == "Cf" or c == "\u3164"
                                         for c in v)


def v2_gaps(a, as_of):
    """The property test's own reading of agreement format v2: the required blocks and facts an
    allowed agreement cannot lack. Returns the first gap found, or None. Written apart from both
    encodings, and stricter than neither: every gap here is a deny or a review in the table."""
    import datetime
    import re
    day = datetime.date.fromisoformat
    parties = a.get("parties") or []
    client = a["data"]["level"] == "client"
    external = any(p.get("external") and p.get("role") in ("recipient", "processor") for p in parties)
    lb = a.get("legal_basis") or {}
    key = re.sub(r"[\s.\u00a7\u200b-\u200f\u2060\ufeff]", "", (lb.get("citation") or "")).lower()
    mandated = lb.get("kind") in ("state_statute", "federal_statute", "federal_regulation") and key in MANDATE_KEYS
    if lb.get("kind") in ("state_statute", "federal_statute", "federal_regulation") and not mandated:
        return "a legal basis that is not a registered mandate"
    if lb.get("kind") in ("court_order", "subpoena"):
        return "a court order or subpoena"
    term = a.get("term") or {}
    if term.get("end") and day(term["end"]) < day(as_of):
        return "the term has ended"
    if a.get("request_channel") == "govqa" and blank(a.get("request_reference")):
        return "a GovQA request without its reference"
    if "equity_conformance" not in (a.get("racial_justice_assessment") or {}):
        return "equity conformance not stated"
    if a["kind"] == "data_integration" and not a.get("linkage"):
        return "an integration without linkage"
    approvals = a.get("approvals") or []
    if any("date" not in x for x in approvals):
        return "an undated approval"
    def approved(bodies, entries):
        return any(x["body"] in bodies and x["decision"] == "approved" and "date" in x and
                   day(x["date"]) <= day(as_of) for x in entries)
    sharing = a["kind"] in ("data_sharing", "data_integration", "data_request")
    if client and sharing and not approved({"data_governance_committee"}, approvals):
        return "client-level sharing without the Committee's approval in force"
    if client and sharing and not mandated and not approved({"commissioner", "commissioner_designee"}, approvals):
        return "client-level sharing without a mandate or the Commissioner's approval in force"
    if a["data"]["level"] == "aggregate" and any(f["category"] in DIRECT for f in a["data"].get("fields", [])):
        return "an aggregate keyed by a direct identifier"
    if client and external:
        if (a.get("redisclosure") or {}).get("permitted") is True:
            return "redisclosure permitted"
        if not mandated:
            sec, ret = a.get("security"), a.get("retention")
            red, inc = a.get("redisclosure"), a.get("incident_response")
            if not sec or not sec["encryption_in_transit"] or not sec["encryption_at_rest"] or sec["access"] == "unrestricted":
                return "security missing or weak"
            if not ret or not ret["certificate_of_destruction"]:
                return "retention missing or uncertified"
            if term.get("end") and not (day(term["end"]) <= day(ret["destroy_by"]) <=
                                        day(term["end"]) + datetime.timedelta(days=365)):
                return "destruction outside [term end, term end + 365 days]"
            if not red or not red["reidentification_prohibited"] or not red["contact_subjects_prohibited"]:
                return "re-identification or contact not forbidden"
            if not inc or not {"legal_division", "strategic_planning"} <= set(inc["notify"]) or inc["within_hours"] > 24:
                return "leaks not told to both bodies within 24 hours"
        if a["data"]["deidentification"] in ("none", "limited_data_set"):
            c = a.get("consent") or {}
            if blank(c.get("notification_plan")) or blank(c.get("informed_consent_process")):
                return "identifiable data without a consent plan"
            if not approved({"data_governance_committee"}, c.get("approvals") or []) or \
               not approved({"commissioner", "commissioner_designee"}, c.get("approvals") or []):
                return "a consent plan without both approvals in force"
    return None


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
    ap.add_argument("--as-of", default="2026-06-01", help="the evaluation date of every decision")
    args = ap.parse_args()

    r = random.Random(args.seed)
    out_dir = args.keep or tempfile.mkdtemp(prefix="steward_diff_")
    os.makedirs(out_dir, exist_ok=True)
    names = []
    for i in range(args.count):
        name = f"r{i:05d}.json"
        with open(os.path.join(out_dir, name), "w") as f:
            json.dump(agreement(r, i, True, args.as_of), f, indent=1)
        names.append(name)

    st = subprocess.run([args.steward, "eval", "--format", "json", "--as-of", args.as_of,
                         "--policy", args.pack, out_dir],
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
    ce = subprocess.run([node, "decide.mjs", "--as-of", args.as_of, os.path.abspath(out_dir)], cwd=args.cedar,
                        capture_output=True, text=True)
    if ce.returncode != 0:
        print(ce.stderr, file=sys.stderr)
        return 2
    cedar = {os.path.basename(json.loads(l)["file"]): json.loads(l) for l in ce.stdout.splitlines() if l}

    disagreements = 0
    counts = {}
    # The property: no agreement with a v2 gap is allowed (checked on steward's decisions; the
    # differential then holds Cedar to the same).
    gapped = violations = 0
    for n in names:
        with open(os.path.join(out_dir, n)) as f:
            a = json.load(f)
        try:
            gap = v2_gaps(a, args.as_of)
        except (KeyError, TypeError, ValueError, AttributeError):
            continue  # an input error by construction: no decision to check
        if gap is None:
            continue
        gapped += 1
        if steward.get(n, {}).get("decision") == "allow":
            violations += 1
            print(f"PROPERTY {os.path.join(out_dir, n)}: allowed with a v2 gap: {gap}")
    print(f"property: {gapped} agreements with a v2 gap, {violations} allowed")
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
    return 1 if disagreements or violations or gapped == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
