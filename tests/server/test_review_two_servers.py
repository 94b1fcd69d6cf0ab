#!/usr/bin/env python3
"""A review recorded through one server counts at once on another sharing the PostgreSQL
archive. Each server knows which agreements have review records and skips reading them for the
others; server A's view is behind once B records a review, so A's next decision on that
agreement counts none, and A's writer must refuse to store it and A must decide again, reading
the records. Checked: A then answers exactly as B does (allow), neither the stale needs_review
nor a 503; and the archive verifies.

  test_review_two_servers.py <steward binary> <source dir>
Needs STEWARD_TEST_POSTGRES_URL (tools/scripts/test.sh starts a cluster); exits 77 without it
(a failure under CI=true, see tests/CMakeLists.txt).
"""
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile

from review_support import Checks, asked_agreement

STEWARD, SRC = sys.argv[1], sys.argv[2]
PG_ADMIN = os.environ.get("STEWARD_TEST_POSTGRES_URL")
if not PG_ADMIN:
    print("skipped: needs STEWARD_TEST_POSTGRES_URL (tools/scripts/test.sh starts a cluster)")
    sys.exit(77)
PACK = os.path.join(SRC, "policies/dcf-5-4")
ASKED = asked_agreement(PACK)
check = Checks()

tmp = tempfile.mkdtemp(prefix="steward_review2_")
tokens = {"proposer": ("p" * 40, "propose"), "reader": ("r" * 40, "read"),
          "dgc-chair": ("d" * 40, "review:data_governance_committee"),
          "comm": ("m" * 40, "review:commissioner")}
token_file = os.path.join(tmp, "tokens")
with open(token_file, "w") as f:
    for name, (tok, roles) in tokens.items():
        f.write(f"{name} {tok} {roles}\n")
os.chmod(token_file, 0o600)
dbname = f"steward_review2_{os.getpid()}"
subprocess.run(["psql", "-q", PG_ADMIN, "-c", f"CREATE DATABASE {dbname};"], check=True)
pg_url = PG_ADMIN[:PG_ADMIN.rfind("/") + 1] + dbname
procs, ports = {}, {}
for name in ("a", "b"):
    procs[name] = subprocess.Popen(
        [STEWARD, "serve", "--policy", PACK, "--archive", pg_url, "-q", "--token-file", token_file,
         "--listen", "127.0.0.1:0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ports[name] = int(procs[name].stdout.readline().strip().rsplit(":", 1)[1])


def call(server, who, method, path, body=None, content_type="application/json"):
    conn = http.client.HTTPConnection("127.0.0.1", ports[server], timeout=10)
    headers = {"Content-Type": content_type, "Authorization": "Bearer " + tokens[who][0]}
    if isinstance(body, dict):
        body = json.dumps(body).encode()
    conn.request(method, path, body, headers)
    r = conn.getresponse()
    status, data = r.status, r.read()
    conn.close()
    return status, (json.loads(data) if data else None)


def propose(server):
    return call(server, "proposer", "POST", "/v1/evaluate", ASKED, "application/yaml")


def verdict(doc):
    return {k: doc.get(k) for k in ("decision", "reviewers", "reasons")} if doc else None


try:
    # A decides twice: the first batch reads which agreements have reviews (none), so the
    # second decision takes the skip. Both wait for the committee and the commissioner.
    for i in range(2):
        st, doc = propose("a")
        check(st == 200 and doc["decision"] == "needs_review", f"A, proposal {i + 1}: {st} {doc}")
    before = verdict(doc)
    st, listed = call("b", "reader", "GET", "/v1/decisions?decision=needs_review")
    did, digest = listed[0]["decision_id"], listed[0]["agreement_digest"]
    # Both bodies approve through B; B's own decision afterwards is allow.
    for who, body in (("dgc-chair", "data_governance_committee"), ("comm", "commissioner")):
        st, answer = call("b", who, "POST", "/v1/reviews", {
            "decision_id": did, "agreement_digest": digest, "body": body, "verdict": "approve",
            "note": ""})
        check(st in (200, 201), f"{body} approves through B: {st} {answer}")
    st, on_b = propose("b")
    check(st == 200 and on_b["decision"] == "allow", f"B counts the approvals: {st} {on_b}")
    # A has written nothing since: its view says the agreement has no reviews.
    st, on_a = propose("a")
    check(st == 200, f"A answers, not a refusal: {st} {on_a}")
    check(on_a is not None and verdict(on_a) == verdict(on_b),
          f"A decides as B does once the reviews exist: {verdict(on_a)} against {verdict(on_b)}")
    check(verdict(on_a) != before, "the reviews changed the decision (the check has teeth)")
    # It was A's second decision that answered: the first, counting no reviews, was refused.
    conn = http.client.HTTPConnection("127.0.0.1", ports["a"], timeout=10)
    conn.request("GET", "/metrics", headers={"Authorization": "Bearer " + tokens["reader"][0]})
    r = conn.getresponse()
    metrics = r.read().decode()
    conn.close()
    again = [l for l in metrics.splitlines() if l.startswith("steward_decisions_decided_again")]
    check(r.status == 200 and again == ["steward_decisions_decided_again_total 1"],
          f"A counts one decision taken again: {r.status} {again}")
    # Again on A, now that its view has caught up.
    st, again = propose("a")
    check(st == 200 and verdict(again) == verdict(on_b), f"A again: {st} {verdict(again)}")
    st, listed = call("a", "reader", "GET", "/v1/decisions?limit=100")
    allows = [d for d in listed if d.get("decision") == "allow"]
    check(len(allows) >= 3, f"every answer given is archived ({len(allows)} allow records)")
finally:
    for p in procs.values():
        p.terminate()
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
    v = subprocess.run([STEWARD, "archive", "verify", "--archive", pg_url], capture_output=True,
                       text=True)
    check(v.returncode == 0, f"the archive verifies: {v.stdout} {v.stderr}")
    subprocess.run(["psql", "-q", PG_ADMIN, "-c", f"DROP DATABASE {dbname} WITH (FORCE);"])
    shutil.rmtree(tmp, ignore_errors=True)

if check.failures:
    print(f"{len(check.failures)} check(s) failed")
    sys.exit(1)
print("ok: a review through one server counts at once on another")
