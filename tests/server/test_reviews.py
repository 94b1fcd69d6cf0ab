#!/usr/bin/env python3
"""Reviews through `steward serve`, the whole lifecycle: a proposal whose stated approvals do not
count (no review record backs them) -> needs_review -> each body reviews -> the decision derived
again is allow; and every refusal a reviewer can meet (another body's role, a body not asked,
other text, text changed since). The archive verifies at the end, reviews and links included.

  test_reviews.py <steward binary> <source dir>
"""
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile

from review_support import Checks, asked_agreement

STEWARD, SRC = sys.argv[1], sys.argv[2]
PACK = os.path.join(SRC, "policies/dcf-5-4")
ASKED = asked_agreement(PACK)
BOTH = ["commissioner", "data_governance_committee"]
check = Checks()
failures = check.failures


tmp = tempfile.mkdtemp(prefix="steward_reviews_")
tokens = {"proposer": ("p" * 40, "propose"), "reader": ("r" * 40, "read"),
          "dgc-chair": ("d" * 40, "review:data_governance_committee"),
          "cphs-chair": ("c" * 40, "review:cphs"), "comm": ("m" * 40, "review:commissioner")}
token_file = os.path.join(tmp, "tokens")
with open(token_file, "w") as f:
    for name, (tok, roles) in tokens.items():
        f.write(f"{name} {tok} {roles}\n")
os.chmod(token_file, 0o600)
db = os.path.join(tmp, "reviews.db")
proc = subprocess.Popen([STEWARD, "serve", "--policy", PACK, "--archive", "sqlite:" + db, "-q",
                         "--token-file", token_file, "--listen", "127.0.0.1:0"],
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
port = int(proc.stdout.readline().strip().rsplit(":", 1)[1])


def call(who, method, path, body=None, content_type="application/json"):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Host": f"127.0.0.1:{port}", "Content-Type": content_type,
               "Authorization": "Bearer " + tokens[who][0]}
    if isinstance(body, dict):
        body = json.dumps(body).encode()
    conn.request(method, path, body, headers)
    r = conn.getresponse()
    status, data, location = r.status, r.read(), r.getheader("Location")
    conn.close()
    return status, (json.loads(data) if data else None), location


def review(who, decision, digest, body, verdict="approve", note=""):
    return call(who, "POST", "/v1/reviews", {"decision_id": decision, "agreement_digest": digest,
                                             "body": body, "verdict": verdict, "note": note})


try:
    # Propose: the approvals the agreement states are the proposer's word, not counted.
    st, doc, _ = call("proposer", "POST", "/v1/evaluate", ASKED, "application/yaml")
    check(st == 200 and doc["decision"] == "needs_review", f"the proposal needs review ({st} {doc})")
    check(doc.get("reviewers") == BOTH, f"it asks the committee and the commissioner: {doc}")
    check([u["body"] for u in doc.get("approvals", {}).get("not_counted", [])] ==
          ["data_governance_committee", "commissioner"], f"the stated approvals are named: {doc}")
    check(any("is not counted: no review record" in r["message"] for r in doc["reasons"]),
          "the reason says why the stated approval did not count")
    st, listed, _ = call("reader", "GET", "/v1/decisions?decision=needs_review")
    decision = listed[0]
    did, digest = decision["decision_id"], decision["agreement_digest"]
    st, shown, _ = call("dgc-chair", "GET", "/v1/decisions/" + did)
    check(st == 200 and shown.get("reviews") == [], f"no review yet: {shown.get('reviews')}")

    # Refusals. A reviewer of another body cannot speak for the committee.
    st, answer, _ = review("cphs-chair", did, digest, "data_governance_committee")
    check(st == 403 and "review:data_governance_committee" in answer["error"],
          f"cphs-chair reviewing for the committee: {st} {answer}")
    # A body the decision did not ask.
    st, answer, _ = review("cphs-chair", did, digest, "cphs")
    check(st == 422 and "did not ask `cphs`" in answer["error"], f"an unasked body: {st} {answer}")
    # Text other than what was decided.
    st, answer, _ = review("dgc-chair", did, "sha256:" + "0" * 64, "data_governance_committee")
    check(st == 422 and "is not the text" in answer["error"], f"other text: {st} {answer}")
    # A reader, a proposer: no reviewer role at all.
    for who in ("reader", "proposer"):
        st, answer, _ = review(who, did, digest, "data_governance_committee")
        check(st == 403, f"{who} cannot review ({st})")
    # Not a review: unknown fields, wrong types, a verdict that is a decision, a forged reviewer.
    for bad in ({"decision_id": did, "agreement_digest": digest, "body": "data_governance_committee",
                 "verdict": "approve", "reviewer": "commissioner"},
                {"decision_id": did, "agreement_digest": digest, "body": "data_governance_committee",
                 "verdict": 1},
                "[1]"):
        st, answer, _ = call("dgc-chair", "POST", "/v1/reviews",
                             bad if isinstance(bad, dict) else bad.encode())
        check(st == 400, f"not a review {bad!r}: {st} {answer}")
    st, answer, _ = review("dgc-chair", did, digest, "data_governance_committee", "allow")
    check(st == 422 and "approve, deny or request_changes" in answer["error"], f"verdict allow: {st}")
    st, answer, _ = review("dgc-chair", did, digest, "data_governance_committee", "approve",
                           "fine\x1b]0;ALLOW\x07")
    check(st == 422 and "note" in answer["error"], f"a note with escape sequences: {st}")

    # The committee asks for changes, then approves: both recorded, in order, under its name;
    # after each, the decision is derived again from the reviewed text.
    st, out, location = review("dgc-chair", did, digest, "data_governance_committee",
                               "request_changes", "name the purpose category")
    rec = out["review"] if st == 201 else {}
    check(st == 201 and rec["decision_id"].startswith("r-") and location.endswith(rec["decision_id"]),
          f"request_changes recorded ({st} {out})")
    check(rec.get("caller") == "dgc-chair", "the review names its reviewer")
    check(st == 201 and out["decision"]["decision"] == "needs_review", "changes asked: still review")
    st, out, _ = review("dgc-chair", did, digest, "data_governance_committee", "approve", "ok")
    check(st == 201 and out["decision"]["reviewers"] == ["commissioner"],
          f"the committee approved: only the commissioner is left ({st} {out.get('decision')})")
    st, shown, _ = call("reader", "GET", "/v1/decisions/" + did)
    history = shown.get("reviews", [])
    check([(r["verdict"], r["reviewer"]) for r in history] ==
          [("request_changes", "dgc-chair"), ("approve", "dgc-chair")], f"history: {history}")
    st, one, _ = call("reader", "GET", "/v1/decisions/" + rec["decision_id"])
    check(st == 200 and one["document"]["review"]["decision_id"] == did, "a review record reads back")
    # The commissioner approves: the decision derived again is allow, and names its records.
    st, out, _ = review("comm", did, digest, "commissioner", "approve")
    final = out.get("decision", {}) if st == 201 else {}
    check(final.get("decision") == "allow", f"both approvals on record: allow ({st} {final})")
    check(len(final.get("approvals", {}).get("records", [])) == 2, "the allow names both records")
    st, again, _ = call("reader", "GET", "/v1/decisions/" + str(out.get("decision_id")))
    check(st == 200 and again["decision"] == "allow", "the derived decision is archived")
    # Proposing the same text again is allow now: the records back the approvals.
    st, doc, _ = call("proposer", "POST", "/v1/evaluate", ASKED, "application/yaml")
    check(st == 200 and doc["decision"] == "allow", f"the same text proposed again: {doc.get('decision')}")
    st, reviews, _ = call("reader", "GET", "/v1/decisions?decision=review")
    check(st == 200 and len(reviews) == 3, f"reviews are listed by kind ({st})")

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/metrics")
    metrics = conn.getresponse().read().decode()
    conn.close()
    for line in ('steward_reviews_total{body="data_governance_committee",verdict="request_changes"} 1',
                 'steward_reviews_total{body="data_governance_committee",verdict="approve"} 1',
                 'steward_reviews_total{body="commissioner",verdict="approve"} 1'):
        check(line in metrics, f"/metrics counts the review: {line}")
    check('verdict="allow"' not in metrics, "refused reviews are not counted")

    # The proposer sends new text under the same id: the old decision can no longer be reviewed.
    changed = ASKED.replace(b"title: \"", b"title: \"Revised: ", 1)
    check(changed != ASKED, "the text was changed")
    st, doc, _ = call("proposer", "POST", "/v1/evaluate", changed, "application/yaml")
    check(st == 200 and doc["decision"] == "needs_review", f"the changed text needs review again: {doc}")
    st, answer, _ = review("dgc-chair", did, digest, "data_governance_committee")
    check(st == 422 and "has changed since" in answer["error"], f"review of stale text: {st} {answer}")

    # Attack: approvals stated as null (`~` in YAML, null in JSON, which the JSON fast path reads)
    # once left the list null, so the records' verdicts were dropped and the committee's denial
    # held nothing back: the decision derived after it stayed needs_review.
    yaml_text = ASKED[:ASKED.index(b"\napprovals:\n")].replace(b"id: DSA-EX-01", b"id: DSA-EX-01N", 1)
    with open(os.path.join(SRC, "bench/json/01-compliant-allow.json")) as f:
        agreement = json.load(f)
    agreement.update(id="DSA-EX-01J", approvals=None,
                     term={"start": "2099-03-01", "end": "2100-02-28"})
    agreement["retention"]["destroy_by"] = "2100-05-29"
    for agreement_id, text, content_type in (
            ("DSA-EX-01N", yaml_text + b"\napprovals: ~\n", "application/yaml"),
            ("DSA-EX-01J", json.dumps(agreement).encode(), "application/json")):
        st, doc, _ = call("proposer", "POST", "/v1/evaluate", text, content_type)
        check(st == 200 and doc["decision"] == "needs_review" and doc.get("reviewers") == BOTH,
              f"{agreement_id}: the committee and the commissioner are asked ({st} {doc})")
        st, listed, _ = call("reader", "GET", f"/v1/decisions?agreement={agreement_id}&limit=1")
        nid, ndigest = listed[0]["decision_id"], listed[0]["agreement_digest"]
        st, out, _ = review("dgc-chair", nid, ndigest, "data_governance_committee", "deny", "no")
        check(st == 201 and out["decision"]["decision"] == "deny",
              f"{agreement_id}: the committee's denial denies it ({st} {out.get('decision')})")

finally:
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=10)
    err = proc.stderr.read()
    check('"event":"forbidden"' in err and '"needs":"review:data_governance_committee"' in err,
          "a review refused for its role is logged with the role it needed")
    v = subprocess.run([STEWARD, "archive", "verify", "--archive", "sqlite:" + db],
                       capture_output=True, text=True)
    check(v.returncode == 0 and "15 records, the chain is intact" in v.stdout,
          f"the archive verifies with its reviews: {v.stdout} {v.stderr}")
    shutil.rmtree(tmp, ignore_errors=True)

if failures:
    print(f"{len(failures)} failure(s)")
    sys.exit(1)
print("ok: reviews")
