#!/usr/bin/env python3
"""Tests of `steward serve` with a real HTTP client (Python's standard library) against a server on
a random loopback port. Every response is checked against the server's own OpenAPI document
(documented status codes; required fields and enums of the response schema).

  test_server.py <steward binary> <source dir>
"""
import hashlib
import json
import os
import sqlite3
import threading
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

STEWARD, SRC = sys.argv[1], sys.argv[2]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL", what)


class Server:
    def __init__(self, *args, archive=None):
        self.tmp = tempfile.mkdtemp(prefix="steward_serve_")
        self.archive = archive or f"sqlite:{self.tmp}/a.db"
        # The API with the approvals agreements state, as the case corpus writes them;
        # approvals from review records are test_reviews.py's.
        self.proc = subprocess.Popen([STEWARD, "serve", "--listen", "127.0.0.1:0", "-q",
                                      "--archive", self.archive, "--approvals-stated", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if "://" not in line:
            raise RuntimeError(f"server did not start: {line} {self.proc.stderr.read()}")
        self.base = line.strip().split(" on ")[-1]

    def request(self, method, path, body=None, headers=None, context=None):
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=10, context=context) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=10)
        shutil.rmtree(self.tmp, ignore_errors=True)


def conforms(spec, path, method, status, body):
    """The status is documented for the operation and the body has the schema's required fields."""
    op = spec["paths"][path][method]
    resp = op["responses"].get(str(status))
    if resp is None:
        return f"status {status} is not documented for {method.upper()} {path}"
    schema = resp.get("content", {}).get("application/json", {}).get("schema")
    if not schema:
        return None
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].split("/")[-1]]
    doc = json.loads(body)
    for key in schema.get("required", []):
        if key not in doc:
            return f"{method.upper()} {path} {status}: missing `{key}`"
    for key, prop in schema.get("properties", {}).items():
        if "enum" in prop and key in doc and doc[key] not in prop["enum"]:
            return f"{method.upper()} {path} {status}: `{key}` = {doc[key]!r} is not in {prop['enum']}"
    return None


def read(rel):
    with open(os.path.join(SRC, rel), "rb") as f:
        return f.read()


# --- the main server: open, archive on -------------------------------------------------------
s = Server("--policy", os.path.join(SRC, "policies/dcf-5-4"))
try:
    st, _, body = s.request("GET", "/openapi.json")
    spec = json.loads(body)
    check(st == 200 and spec["openapi"].startswith("3."), "openapi.json is an OpenAPI 3 document")
    st, _, body = s.request("GET", "/healthz")
    check(st == 200, "healthz")
    st, _, body = s.request("GET", "/readyz")
    check(st == 200 and json.loads(body)["policy"]["name"] == "dcf-5-4", "readyz names the pack")

    yaml_body = read("policies/dcf-5-4/examples/agreements/03-email-request-deny.yaml")
    st, headers, body = s.request("POST", "/v1/evaluate", yaml_body, {"Content-Type": "application/yaml"})
    check(st == 200 and json.loads(body)["decision"] == "deny", "evaluate YAML: deny")
    deny_decision = json.loads(body) if st == 200 else None
    check(conforms(spec, "/v1/evaluate", "post", st, body) is None, conforms(spec, "/v1/evaluate", "post", st, body) or "")
    decision_id = headers.get("Steward-Decision-Id", "")
    check(decision_id.startswith("d-"), "the decision id is in a header")

    json_body = read("bench/json/01-compliant-allow.json")
    st, _, body = s.request("POST", "/v1/evaluate", json_body, {"Content-Type": "application/json"})
    check(st == 200 and json.loads(body)["decision"] == "allow", "evaluate JSON: allow")

    bad = b'format: steward/agreement/v2\nid: X\nkind: data_sharin\ntitel: t\ndata: {level: client, deidentification: none}\n'
    st, _, body = s.request("POST", "/v1/evaluate", bad, {"Content-Type": "application/yaml"})
    errs = json.loads(body)
    check(st == 422 and errs["decision"] is None, "input errors answer 422 and no decision")
    check({(e["path"], e["line"]) for e in errs["errors"]} >= {("kind", 3), ("titel", 4)}, "422 lists every error with path and line")
    check(conforms(spec, "/v1/evaluate", "post", st, body) is None, "422 conforms to the OpenAPI document")
    # The evaluation date: ?as_of= names today unless the operator allows replays (below); it is
    # recorded in the decision; anything but a date is 400.
    today = time.strftime("%Y-%m-%d", time.gmtime())
    st, _, body = s.request("POST", "/v1/evaluate?as_of=2026-03-01", read("bench/json/01-compliant-allow.json"),
                            {"Content-Type": "application/json"})
    check(st == 403 and "decision" not in json.loads(body) and "--allow-as-of" in json.loads(body)["error"],
          f"a backdated request without --allow-as-of: 403, no decision ({st})")
    check(conforms(spec, "/v1/evaluate", "post", st, body) is None, "that 403 is documented")
    st, _, body = s.request("POST", "/v1/evaluate?as_of=" + today, read("bench/json/01-compliant-allow.json"),
                            {"Content-Type": "application/json"})
    check(st == 200 and json.loads(body)["as_of"] == today, f"?as_of= today is answered ({st})")
    st, _, body = s.request("POST", "/v1/evaluate", read("bench/json/01-compliant-allow.json"),
                            {"Content-Type": "application/json"})
    check(st == 200 and len(json.loads(body)["as_of"]) == 10, "without ?as_of= the decision says today")
    for bad in ("2026-02-30", "yesterday", "2026-03-01%0A"):
        st, _, body = s.request("POST", "/v1/evaluate?as_of=" + bad, read("bench/json/01-compliant-allow.json"),
                                {"Content-Type": "application/json"})
        check(st == 400 and "decision" not in json.loads(body), f"?as_of={bad}: 400, no decision ({st})")
    st, _, body = s.request("POST", "/v1/evaluate/batch?as_of=2026-03-02",
                            b"[" + read("bench/json/01-compliant-allow.json") + b"]", {"Content-Type": "application/json"})
    check(st == 403, f"a backdated batch without --allow-as-of: 403 ({st})")

    batch = json.dumps([json.loads(json_body), {"format": "steward/agreement/v2", "id": "B"}, json.loads(json_body)]).encode()
    st, _, body = s.request("POST", "/v1/evaluate/batch", batch, {"Content-Type": "application/json"})
    items = json.loads(body)
    check(st == 200 and len(items) == 3, "batch answers every item")
    check(items[0]["decision"] == "allow" and items[1]["decision"] is None and items[1]["errors"], "batch: a decision or errors per item, in order")
    st, _, _ = s.request("POST", "/v1/evaluate/batch", b'{"not": "an array"}', {"Content-Type": "application/json"})
    check(st == 400, "batch refuses a body that is not an array")
    for bad_batch in (b'[{"id": "A"}] trailing', b'[{"id": "A"},]', b'[{"id": "A"}', b'', b'[,]'):
        st, _, body = s.request("POST", "/v1/evaluate/batch", bad_batch, {"Content-Type": "application/json"})
        check(st == 400 and "JSON array" in json.loads(body)["error"], f"batch refuses {bad_batch!r} with 400")
    st, _, body = s.request("POST", "/v1/evaluate/batch", b"[]", {"Content-Type": "application/json"})
    check(st == 200 and json.loads(body) == [], "an empty batch answers an empty array")
    # Nesting as deep as the body limit allows: every item gets its error, the server stays up.
    deep = b"[" + b"[" * 400000 + b"]" * 400000 + b"," + b"{" * 1000 + b"}" * 1000 + b"]"
    st, _, body = s.request("POST", "/v1/evaluate/batch", deep, {"Content-Type": "application/json"})
    items = json.loads(body) if st == 200 else []
    check(st == 200 and len(items) == 2 and all(i["errors"][0]["code"] == "input.limit" for i in items),
          f"deeply nested batch items are input errors, not a crash ({st})")
    check(s.request("GET", "/healthz")[0] == 200, "the server is up after the deep batch")
    # Errors in batch items point into the body as sent; strings may hold brackets and quotes.
    spaced = b'[\n  {"format": "steward/agreement/v2", "id": "A ] \\" [", "kind": "x"},\n  {"id": "B"}\n]'
    st, _, body = s.request("POST", "/v1/evaluate/batch", spaced, {"Content-Type": "application/json"})
    items = json.loads(body)
    check(st == 200 and len(items) == 2, "batch items are split outside strings")
    kind_err = [e for e in items[0]["errors"] if e["path"] == "kind"]
    check(kind_err and kind_err[0]["line"] == 2, f"a batch item's error has its line in the body: {items[0]['errors'][:2]}")
    # A decision's evidence points into the item's own text, the agreement as archived: the
    # same positions as the text sent alone, wherever the item sits in the body.
    denied = read("bench/json/03-email-request-deny.json")
    st, _, alone = s.request("POST", "/v1/evaluate", denied, {"Content-Type": "application/json"})
    st2, _, body = s.request("POST", "/v1/evaluate/batch", b'[\n  {"id": "pad"},\n  ' + denied + b'\n]',
                             {"Content-Type": "application/json"})
    evidence = lambda d: [(e["path"], e["line"], e["column"]) for r in d["reasons"] for e in r["evidence"]]
    in_batch = json.loads(body)[1] if st2 == 200 else {}
    check(st == 200 and in_batch.get("decision") == "deny" and evidence(in_batch) == evidence(json.loads(alone))
          and evidence(in_batch), f"a batch item's evidence points into the item: {in_batch.get('reasons', '')!s:.300}")

    st, _, body = s.request("GET", "/v1/policy")
    pol = json.loads(body)
    check(st == 200 and len(pol["rules"]) == 82 and len(pol["clauses"]) == 19, "policy lists rules and clauses")

    st, _, body = s.request("GET", "/v1/decisions?decision=deny&limit=5")
    recs = json.loads(body)
    check(st == 200 and len(recs) == 3 and all(r["agreement_id"] == "DSA-EX-03" for r in recs),
          "decisions can be listed by outcome")
    st, _, body = s.request("GET", "/v1/decisions/" + decision_id)
    read_back = json.loads(body) if st == 200 else {}
    check(read_back.get("agreement") == yaml_body.decode(), "one decision reads back with its agreement")
    check(read_back.get("document") == deny_decision, "one decision reads back with the decision as answered")
    st, _, _ = s.request("GET", "/v1/decisions/d-000000000000000000000000")
    check(st == 404, "an unknown decision is 404")
    for bad_query in ("limit=-1", "limit=0", "limit=abc", "limit=100000", "decision=maybe"):
        st, _, body = s.request("GET", "/v1/decisions?" + bad_query)
        check(st == 400 and "error" in json.loads(body), f"/v1/decisions?{bad_query} is 400")
        check(conforms(spec, "/v1/decisions", "get", st, body) is None, f"400 for {bad_query} is documented")

    # Client bytes in the path: invalid UTF-8 once ended the process from the access logger.
    raw = socket.create_connection((s.base.split("//")[1].split(":")[0], int(s.base.rsplit(":", 1)[1])))
    raw.sendall(b"GET /%FF%FE/x?y=%C0 HTTP/1.1\r\nHost: " + s.base.split("//")[1].encode() +
                b"\r\nConnection: close\r\n\r\n")
    check(raw.recv(100).startswith(b"HTTP/1.1 404"), "a path that is not UTF-8 is a 404")
    raw.close()
    for i in range(20):
        s.request("GET", f"/random-{i}")
    check(s.request("GET", "/healthz")[0] == 200, "the server survives paths that are not UTF-8")
    st, _, body = s.request("GET", "/metrics")
    text = body.decode()
    check('steward_decisions_total{decision="deny"} 3' in text, "metrics count decisions by outcome")
    check("steward_request_duration_seconds_bucket" in text, "metrics have a latency histogram")
    check("random-" not in text and 'route="other"' in text, "unknown paths count under one route label")

    v = subprocess.run([STEWARD, "archive", "verify", "--archive", f"sqlite:{s.tmp}/a.db"], capture_output=True, text=True)
    check(v.returncode == 0 and "8 records, the chain is intact" in v.stdout, "every decision answered is in the archive: " + v.stdout)
    # An agreement with the data files it sends (as `eval --data`): the file is judged, recorded
    # by its digest, never echoed; a forged or unreadable observation is no decision.
    agreement = read("bench/json/01-compliant-allow.json").decode()
    clean = "study_id,race_ethnicity\n" + "".join(f"R{100000 + 7919 * i},white\n" for i in range(60))
    def with_data(files, agreement=agreement, **extra):
        body = dict(agreement=agreement, data=files, **extra)
        return s.request("POST", "/v1/evaluate/data", json.dumps(body).encode(), {"Content-Type": "application/json"})
    st, headers, body = with_data([{"name": "extract.csv", "text": clean}])
    d = json.loads(body)
    check(st == 200 and d["decision"] == "allow" and d["data"][0]["rows"] == 60
          and d["data"][0]["sha256"] == "sha256:" + hashlib.sha256(clean.encode()).hexdigest(),
          f"evaluate/data: allow, with the file's digest ({st} {body[:200]!r})")
    check(conforms(spec, "/v1/evaluate/data", "post", st, body) is None, "evaluate/data 200 is documented")
    ssn = clean.replace("R100000,", "123-45-6789,")
    st, _, body = with_data([{"name": "extract.csv", "text": ssn}])
    d = json.loads(body)
    check(st == 200 and d["decision"] == "deny"
          and {r["rule"] for r in d["reasons"]} >= {"identifier_in_safe_harbor_data"}
          and "123-45-6789" not in body.decode(), "evaluate/data: an SSN in Safe Harbor data is a deny that never shows it")
    forged = json.loads(agreement)
    forged["observed"] = {"files": [], "columns": [], "findings": []}
    st, _, body = with_data([{"name": "extract.csv", "text": clean}], agreement=json.dumps(forged))
    check(st == 422 and json.loads(body)["errors"][0]["code"] == "input.observed", f"evaluate/data: forged observations are 422 ({st})")
    st, _, body = with_data([{"name": "extract.csv", "text": 'study_id\n"R1\n'}])
    check(st == 422 and json.loads(body)["decision"] is None, f"evaluate/data: a broken CSV is 422, no decision ({st})")
    for bad_body in (b'[]', b'{"agreement": 1, "data": []}', b'{"agreement": "x", "data": []}',
                     b'{"agreement": "x", "data": [{"name": "a"}]}', b'{"agreement": "x", "data": [{"name": "a", "text": "b", "path": "/etc/passwd"}]}',
                     b'{"agreement": "x", "data": [[[[[[1]]]]]]}', b'not json'):
        st, _, body = s.request("POST", "/v1/evaluate/data", bad_body, {"Content-Type": "application/json"})
        check(st == 400 and "decision" not in json.loads(body), f"evaluate/data refuses {bad_body!r} with 400 ({st})")
    st, _, _ = s.request("POST", "/v1/evaluate/data", b'{}', {"Content-Type": "application/yaml"})
    check(st == 415, f"evaluate/data takes JSON only ({st})")

    # An archive that refuses the write: 503, and no decision leaves.
    db = sqlite3.connect(f"{s.tmp}/a.db")
    db.execute("CREATE TRIGGER refuse BEFORE INSERT ON decisions BEGIN SELECT RAISE(ABORT, 'disk full'); END;")
    db.commit()
    db.close()
    st, headers, body = s.request("POST", "/v1/evaluate", json_body, {"Content-Type": "application/json"})
    check(st == 503 and "disk full" in json.loads(body)["error"] and "decision" not in json.loads(body),
          "an archive write that fails answers 503 without the decision")
    check("Steward-Decision-Id" not in headers, "a refused write has no decision id")
    text = s.request("GET", "/metrics")[2].decode()
    check("steward_archive_errors_total 1" in text, "metrics count archive errors")

    # A decision document changed in the database: listings stay JSON, verify names the record.
    db = sqlite3.connect(f"{s.tmp}/a.db")
    db.execute("UPDATE decisions SET document = '{\"outcome\": \"allow\"' WHERE seq = 1")
    db.commit()
    db.close()
    st, _, body = s.request("GET", "/v1/decisions?limit=10")
    listed = json.loads(body) if st == 200 else []
    check(st == 200 and [r["document"] for r in listed if r["seq"] == 1] == [None],
          f"a decision document that is not JSON is listed as null ({st})")
    v = subprocess.run([STEWARD, "archive", "verify", "--archive", f"sqlite:{s.tmp}/a.db"], capture_output=True, text=True)
    check(v.returncode != 0 and "1" in v.stdout + v.stderr, "archive verify reports the changed record: " + v.stdout + v.stderr)
    # ... and one nested 200,000 deep: read back as null by the API and the CLI, without a crash.
    db = sqlite3.connect(f"{s.tmp}/a.db")
    db.execute("UPDATE decisions SET document = ? WHERE seq = 2", ("[" * 200000 + "]" * 200000,))
    deep_id = db.execute("SELECT decision_id FROM decisions WHERE seq = 2").fetchone()[0]
    db.commit()
    db.close()
    st, _, body = s.request("GET", "/v1/decisions/" + deep_id)
    check(st == 200 and json.loads(body)["document"] is None,
          f"a deeply nested stored document reads back as null through the API ({st})")
    for args in (["show", deep_id], ["list"]):
        r = subprocess.run([STEWARD, "archive", *args, "--archive", f"sqlite:{s.tmp}/a.db"], capture_output=True, text=True)
        check(r.returncode == 0, f"archive {args[0]} survives a deeply nested stored document ({r.returncode})")
    r = subprocess.run([STEWARD, "archive", "show", deep_id, "--archive", f"sqlite:{s.tmp}/a.db"], capture_output=True, text=True)
    check(r.returncode == 0 and json.loads(r.stdout)["document"] is None, "archive show writes it as null")
finally:
    s.stop()

# --- many evaluations at once: each answer is its own request's, and archived as answered -------
# The archive's writer thread answers requests in batches (docs/archive.md): an answer that went
# to another connection, or left before its record, would show here.
s = Server("--policy", os.path.join(SRC, "policies/dcf-5-4"))
try:
    names = ("01-compliant-allow", "03-email-request-deny", "10-unknown-purpose-review",
             "16-safe-harbor-identifiers-deny", "23-internal-analysis-allow")
    bodies = [read(f"bench/json/{n}.json") for n in names]
    alone = []
    for b in bodies:
        st, _, body = s.request("POST", "/v1/evaluate", b, {"Content-Type": "application/json"})
        alone.append(json.loads(body) if st == 200 else None)
    check(all(alone) and len({a["agreement"] for a in alone}) == len(names),
          "five agreements decided one at a time")
    results, lock = [], threading.Lock()

    def client(k):
        for i in range(40):
            n = (k * 7 + i * 3) % len(bodies)
            st, headers, body = s.request("POST", "/v1/evaluate", bodies[n], {"Content-Type": "application/json"})
            with lock:
                results.append((n, st, headers.get("Steward-Decision-Id"), body))

    threads = [threading.Thread(target=client, args=(k,)) for k in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(len(results) == 480 and all(st == 200 for _, st, _, _ in results),
          f"480 concurrent evaluations all answered ({len(results)})")
    wrong, unarchived, ids = 0, 0, set()
    for n, st, decision_id, body in results:
        got = json.loads(body)
        if (got["agreement"], got["decision"], got["reasons"]) != (alone[n]["agreement"], alone[n]["decision"], alone[n]["reasons"]):
            wrong += 1
        ids.add(decision_id)
        rst, _, rbody = s.request("GET", "/v1/decisions/" + decision_id)
        rec = json.loads(rbody) if rst == 200 else {}
        if rec.get("document") != got or rec.get("agreement") != bodies[n].decode():
            unarchived += 1
    check(wrong == 0, f"every concurrent answer is its own agreement's decision ({wrong} were not)")
    check(unarchived == 0, f"every concurrent answer is archived as answered ({unarchived} were not)")
    check(len(ids) == 480, f"each answer names its own record ({len(ids)} distinct ids)")
    v = subprocess.run([STEWARD, "archive", "verify", "--archive", f"sqlite:{s.tmp}/a.db"], capture_output=True, text=True)
    check(v.returncode == 0 and "485 records, the chain is intact" in v.stdout, "one chain: " + v.stdout + v.stderr)
finally:
    s.stop()

# --- replaying decisions on another day: --allow-as-of ------------------------------------------
s = Server("--policy", os.path.join(SRC, "policies/dcf-5-4"), "--allow-as-of")
try:
    body_json = read("bench/json/01-compliant-allow.json")
    st, _, body = s.request("POST", "/v1/evaluate?as_of=2026-03-01", body_json, {"Content-Type": "application/json"})
    check(st == 200 and json.loads(body)["as_of"] == "2026-03-01", f"--allow-as-of: ?as_of= is the decision's date ({st})")
    check(conforms(spec, "/v1/evaluate", "post", st, body) is None, "a dated decision conforms")
    st, _, body = s.request("POST", "/v1/evaluate/batch?as_of=2026-03-02", b"[" + body_json + b"]",
                            {"Content-Type": "application/json"})
    check(st == 200 and json.loads(body)[0]["as_of"] == "2026-03-02", f"a batch is decided on its ?as_of= ({st})")
    st, _, body = s.request("GET", "/v1/decisions?limit=1")
    check(st == 200 and json.loads(body)[0]["document"]["as_of"] == "2026-03-02",
          "the archived record carries the date it was decided on")
finally:
    s.stop()

# --- tokens and the body limit ---------------------------------------------------------------
tokdir = tempfile.mkdtemp()
with open(os.path.join(tokdir, "tokens"), "w") as f:
    f.write("ci-pipeline s3cret-token-one-0123456789abcdef0123 propose\n"
            "reviewer another-token-two-0123456789abcdef read,review:commissioner\n")
os.chmod(os.path.join(tokdir, "tokens"), 0o600)
s = Server("--policy", os.path.join(SRC, "policies/dcf-5-4"), "--token-file", os.path.join(tokdir, "tokens"),
           "--max-body", "4000")
try:
    body = read("bench/json/01-compliant-allow.json")
    st, _, _ = s.request("POST", "/v1/evaluate", body)
    check(st == 401, "no token: 401")
    st, _, _ = s.request("POST", "/v1/evaluate", body, {"Authorization": "Bearer s3cret-token-one-0123456789abcdef012X"})
    check(st == 401, "wrong token: 401")
    st, _, _ = s.request("POST", "/v1/evaluate", body, {"Authorization": "Bearer s3cret-token-one-0123456789abcdef0123",
                                                     "Content-Type": "application/json"})
    check(st == 200, "valid token: 200")
    st, _, rb = s.request("GET", "/v1/decisions", None, {"Authorization": "Bearer another-token-two-0123456789abcdef"})
    check(st == 200 and json.loads(rb)[0]["caller"] == "ci-pipeline", "the archive records the caller's token name")
    st, _, _ = s.request("POST", "/v1/evaluate", b"x" * 5000, {"Authorization": "Bearer s3cret-token-one-0123456789abcdef0123"})
    check(st == 413, "a body over the limit: 413")
    st, _, _ = s.request("GET", "/healthz")
    check(st == 200, "health needs no token")
finally:
    s.stop()
    shutil.rmtree(tokdir)

# Reloading (SIGHUP, --watch) is tested in test_reload.py.

# --- TLS ---------------------------------------------------------------------------------------
if shutil.which("openssl"):
    import ssl
    certdir = tempfile.mkdtemp()
    cert, key = os.path.join(certdir, "c.pem"), os.path.join(certdir, "k.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    s = Server("--policy", os.path.join(SRC, "policies/dcf-5-4"), "--tls-cert", cert, "--tls-key", key)
    try:
        check(s.base.startswith("https://"), "TLS: the server says https")
        ctx = ssl.create_default_context(cafile=cert)
        st, _, body = s.request("POST", "/v1/evaluate", read("bench/json/01-compliant-allow.json"),
                                {"Content-Type": "application/json"}, context=ctx)
        check(st == 200 and json.loads(body)["decision"] == "allow", "TLS: evaluate over HTTPS")
    finally:
        s.stop()
        shutil.rmtree(certdir)

# --- two servers on one PostgreSQL archive ------------------------------------------------------
pg_admin = os.environ.get("STEWARD_TEST_POSTGRES_URL")
if pg_admin:
    dbname = f"steward_serve_{os.getpid()}"
    subprocess.run(["psql", "-q", pg_admin, "-c", f"CREATE DATABASE {dbname};"], check=True)
    pg_url = pg_admin[:pg_admin.rfind("/") + 1] + dbname
    servers = [Server("--policy", os.path.join(SRC, "policies/dcf-5-4"), archive=pg_url) for _ in range(2)]
    try:
        bodies = [read(f"bench/json/{n}.json") for n in ("01-compliant-allow", "03-email-request-deny")]
        answered, lock = [], threading.Lock()

        def client(k):
            for i in range(30):
                srv = servers[(k + i) % 2]
                st, headers, _ = srv.request("POST", "/v1/evaluate", bodies[i % 2], {"Content-Type": "application/json"})
                if st == 200:
                    with lock:
                        answered.append(headers["Steward-Decision-Id"])

        threads = [threading.Thread(target=client, args=(k,)) for k in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        check(len(answered) == 180, f"two servers on one PostgreSQL archive answer every request ({len(answered)})")
        v = subprocess.run([STEWARD, "archive", "verify", "--archive", pg_url], capture_output=True, text=True)
        check(v.returncode == 0 and "180 records, the chain is intact" in v.stdout,
              "two servers keep one verifiable chain: " + v.stdout + v.stderr)
        st, _, body = servers[1].request("GET", "/v1/decisions/" + answered[0])
        check(st == 200 and json.loads(body)["decision_id"] == answered[0], "each server reads the other's decisions")
        st, _, body = servers[0].request("GET", "/v1/decisions?limit=500")
        check(st == 200 and {r["decision_id"] for r in json.loads(body)} == set(answered),
              "the shared archive holds exactly the decisions answered")
        # The archive goes away: the servers refuse to decide rather than decide unrecorded.
        subprocess.run(["psql", "-q", pg_admin, "-c",
                        f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{dbname}';"],
                       check=True, capture_output=True)
        subprocess.run(["psql", "-q", pg_admin, "-c", f"ALTER DATABASE {dbname} WITH ALLOW_CONNECTIONS false;"], check=True)
        st, _, body = servers[0].request("POST", "/v1/evaluate", bodies[0], {"Content-Type": "application/json"})
        check(st == 503 and "decision" not in json.loads(body), f"an unreachable PostgreSQL archive answers 503 ({st})")
        st, headers, body = servers[1].request("GET", "/v1/decisions?limit=5")
        check(st == 500 and json.loads(body)["error"] and not any(k.lower() == "exception_what" for k in headers),
              f"an archive that cannot be read answers a JSON 500 without internals ({st})")
        check(conforms(spec, "/v1/decisions", "get", st, body) is None, "that 500 is documented")
        subprocess.run(["psql", "-q", pg_admin, "-c", f"ALTER DATABASE {dbname} WITH ALLOW_CONNECTIONS true;"], check=True)
        st, _, body = servers[0].request("POST", "/v1/evaluate", bodies[0], {"Content-Type": "application/json"})
        check(st == 200, f"the server reconnects when the archive is back ({st})")
    finally:
        for srv in servers:
            srv.stop()
        subprocess.run(["psql", "-q", pg_admin, "-c", f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE);"])
elif os.environ.get("CI"):
    check(False, "CI must run the PostgreSQL archive tests (STEWARD_TEST_POSTGRES_URL is not set)")

print(f"{'0 failed' if not failures else f'{len(failures)} failed'}")
sys.exit(1 if failures else 0)
