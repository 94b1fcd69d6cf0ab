#!/usr/bin/env python3
"""Who can reach `steward serve`, and what stops it: the token file, the listen policy, the Host
check, the content types a browser cannot forge cross-site, and a log that cannot be written.
Each case is an attack from the fail-closed review that once worked.

  test_access.py <steward binary> <source dir>
"""
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

STEWARD, SRC = sys.argv[1], sys.argv[2]
PACK = os.path.join(SRC, "policies/dcf-5-4")
BODY = open(os.path.join(SRC, "bench/json/01-compliant-allow.json"), "rb").read()
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL", what)


def start(*args, stderr=subprocess.PIPE, pack=PACK, archive=None):
    """Starts a server on a free loopback port; returns (process, port) or (process, None)."""
    where = ["--archive", archive] if archive else ["--no-archive"]
    proc = subprocess.Popen([STEWARD, "serve", "--policy", pack, *where, "-q", *args],
                            stdout=subprocess.PIPE, stderr=stderr, text=True)
    line = proc.stdout.readline()
    if "://" not in line:
        proc.wait(timeout=10)
        return proc, None
    return proc, int(line.strip().rsplit(":", 1)[1])


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=10)


def request(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    h = {"Host": f"127.0.0.1:{port}"}
    h.update(headers or {})
    conn.request(method, path, body, h)
    r = conn.getresponse()
    out = (r.status, r.read())
    conn.close()
    return out


tmp = tempfile.mkdtemp(prefix="steward_access_")
try:
    # --- the token file ------------------------------------------------------------------------
    good = "a" * 40
    cases = [
        # (file text, mode, expected error text)
        ("# a comment\nBearer #\nreviewer " + good + " read\n", 0o600,
         "tokens:2:9: error[serve.tokens]: a line is `name token roles`"),
        # A line without roles grants nothing: refused, not read as a token with every role.
        ("ci " + good + "\n", 0o600, "tokens:1:44: error[serve.tokens]: a line is `name token roles`"),
        ("ci " + good + " propose # trailing comment\n", 0o600, "tokens:1:" + str(len("ci " + good + " propose") + 2) +
         ": error[serve.tokens]: a line is `name token roles`"),
        ("ci short-token propose\n", 0o600, "tokens:1:4: error[serve.tokens]: the token for `ci` is 11 characters"),
        ("ci " + good + " propose\n", 0o644, "can be read by other users"),
        ("ci " + good + " propose\n", 0o620, "can be changed by other users"),
        ("ci " + good + " propose\nci " + "b" * 40 + " read\n", 0o600, "tokens:2:1: error[serve.tokens]: the name `ci` is given twice"),
        ("ci " + good + " propose\nbot " + good + " read\n", 0o600, "tokens:2:5: error[serve.tokens]: this token is given twice"),
        ("# only comments\n\n", 0o600, "holds no token"),
        ("ci tok\u00e9n" + good + " propose\n", 0o600, "tokens:1:4: error[serve.tokens]: a token may hold"),
        ("ci " + good + " propose,root\n", 0o600, "tokens:1:53: error[serve.tokens]: unknown role `root`"),
        ("ci " + good + " review:ombudsman\n", 0o600,
         "tokens:1:52: error[serve.tokens]: `ombudsman` is not a reviewer body of the pack"),
    ]
    for text, mode, expected in cases:
        path = os.path.join(tmp, "tokens")
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, mode)
        proc, port = start("--token-file", path, "--listen", "127.0.0.1:0")
        err = proc.stderr.read()
        check(port is None and proc.returncode == 2, f"token file {text!r} mode {mode:o} is refused at start")
        check(expected in err, f"token file {text!r}: expected `{expected}` in: {err.strip()}")

    # A valid file with comments: only the listed tokens work (`Bearer #` once did).
    path = os.path.join(tmp, "tokens")
    with open(path, "w") as f:
        f.write("# tokens for the staging server\n\n  ci-pipeline\t" + good + "\tpropose\n# reviewer " + "c" * 40 + " read\n")
    os.chmod(path, 0o600)
    proc, port = start("--token-file", path, "--listen", "127.0.0.1:0")
    check(port is not None, "a commented token file starts")
    if port:
        for token, want in (("#", 401), ("c" * 40, 401), ("ci-pipeline", 401), (good, 200)):
            st, _ = request(port, "POST", "/v1/evaluate", BODY,
                            {"Authorization": "Bearer " + token, "Content-Type": "application/json"})
            check(st == want, f"Bearer {token[:12]}: {st}, expected {want}")
        stop(proc)

    # --- roles: every route with every role and with none ---------------------------------------
    tokens = {"proposer": ("p" * 40, "propose"), "reader": ("r" * 40, "read"),
              "dgc": ("d" * 40, "review:data_governance_committee"), "admin": ("m" * 40, "admin"),
              "both": ("b" * 40, "propose,read")}
    with open(path, "w") as f:
        for name, (tok, roles) in tokens.items():
            f.write(f"{name} {tok} {roles}\n")
    os.chmod(path, 0o600)
    proc, port = start("--token-file", path, "--listen", "127.0.0.1:0", archive=f"sqlite:{tmp}/roles.db")
    check(port is not None, "a server with role tokens starts")
    if port:
        def call(who, method, route, body=None):
            h = {"Content-Type": "application/json"}
            if who:
                h["Authorization"] = "Bearer " + tokens[who][0]
            return request(port, method, route, body, h)
        st, body = call("proposer", "POST", "/v1/evaluate", BODY)
        check(st == 200, f"the proposer evaluates ({st})")
        st, body = call("both", "GET", "/v1/decisions")
        listed = json.loads(body) if st == 200 else []
        decision_id = listed[0].get("decision_id", listed[0].get("id", "none")) if listed else "none"
        envelope = json.dumps({"agreement": BODY.decode(), "format": "json",
                               "data": [{"name": "a.csv", "text": "x\n1\n"}]}).encode()
        routes = [("POST", "/v1/evaluate", BODY), ("POST", "/v1/evaluate/batch", b"[" + BODY + b"]"),
                  ("POST", "/v1/evaluate/data", envelope), ("GET", "/v1/decisions", None),
                  ("GET", "/v1/decisions/" + decision_id, None), ("GET", "/v1/policy", None),
                  ("GET", "/healthz", None), ("GET", "/readyz", None), ("GET", "/metrics", None),
                  ("GET", "/openapi.json", None), ("POST", "/v1/admin/reload", b""),
                  ("POST", "/v1/reviews", json.dumps({
                      "decision_id": decision_id, "agreement_digest": "sha256:0",
                      "body": "data_governance_committee", "verdict": "approve"}).encode())]
        # Expected status by route, for: no token, proposer, reader, dgc, admin, both.
        want = {
            "/v1/evaluate": (401, 200, 403, 403, 403, 200),
            "/v1/evaluate/batch": (401, 200, 403, 403, 403, 200),
            "/v1/evaluate/data": (401, 200, 403, 403, 403, 200),
            "/v1/decisions": (401, 403, 200, 200, 403, 200),
            "/v1/decisions/" + decision_id: (401, 403, 200, 200, 403, 200),
            "/v1/policy": (401, 200, 200, 200, 200, 200),
            "/healthz": (200,) * 6, "/readyz": (200,) * 6, "/metrics": (200,) * 6, "/openapi.json": (200,) * 6,
            "/v1/admin/reload": (401, 403, 403, 403, 202, 403),
            # The committee's reviewer passes the role check; the decision (an allow) asked for
            # no review, so the review itself is refused.
            "/v1/reviews": (401, 403, 403, 422, 403, 403),
        }
        whos = [None, "proposer", "reader", "dgc", "admin", "both"]
        for method, route, body in routes:
            for who, expected in zip(whos, want[route]):
                st, answer = call(who, method, route, body)
                check(st == expected, f"{method} {route} as {who}: {st}, expected {expected}")
                if st == 403:
                    check(b"needs the `" in answer, f"a 403 names the role it needed: {answer[:120]!r}")
        # The admin's reload is a reload like SIGHUP's: its outcome shows in /readyz.
        reloaded = False
        for _ in range(100):  # the reload runs the pack's own tests first
            st, body = call(None, "GET", "/readyz")
            if st == 200 and json.loads(body).get("reload", {}).get("outcome") == "loaded":
                reloaded = True
                break
            time.sleep(0.2)
        check(reloaded, "POST /v1/admin/reload by an admin reloads the pack (/readyz says so)")
        # Agreement text: the DCF pack says `archive_text: readers` (5-4: "accessible to DCF staff
        # at all levels"); a reviewer sees it too.
        for who in ("reader", "dgc"):
            st, answer = call(who, "GET", "/v1/decisions/" + decision_id)
            check(st == 200 and "agreement" in json.loads(answer), f"{who} sees the agreement text")
        stop(proc)
        err = proc.stderr.read()
        check('"event":"forbidden"' in err and '"caller":"reader"' in err, "refused calls are logged")
    # A pack that keeps the text for reviewers: a reader gets reasons and metadata only.
    private = os.path.join(tmp, "private-pack")
    shutil.copytree(PACK, private)
    manifest = os.path.join(private, "pack.yaml")
    text = open(manifest).read().replace("archive_text: readers", "archive_text: reviewers")
    open(manifest, "w").write(text)
    proc, port = start("--token-file", path, "--listen", "127.0.0.1:0", pack=private,
                       archive=f"sqlite:{tmp}/private.db")
    check(port is not None, "a server with `archive_text: reviewers` starts")
    if port:
        request(port, "POST", "/v1/evaluate", BODY,
                {"Authorization": "Bearer " + tokens["proposer"][0], "Content-Type": "application/json"})
        st, body = request(port, "GET", "/v1/decisions", None, {"Authorization": "Bearer " + tokens["reader"][0]})
        listed = json.loads(body) if st == 200 else []
        did = listed[0]["decision_id"] if listed else "none"
        for who, shown in (("reader", False), ("dgc", True), ("both", False)):
            st, answer = request(port, "GET", "/v1/decisions/" + did, None,
                                 {"Authorization": "Bearer " + tokens[who][0]})
            got = json.loads(answer) if st == 200 else {}
            check(st == 200 and ("agreement" in got) == shown and "document" in got,
                  f"{who}: agreement text {'shown' if shown else 'withheld'}, reasons kept ({st})")
        stop(proc)

    # --- listening where others can reach ------------------------------------------------------
    proc, port = start("--listen", "0.0.0.0:0")
    err = proc.stderr.read()
    check(port is None and proc.returncode == 2 and "error[serve.insecure]" in err,
          "a non-loopback listen without tokens is refused: " + err)
    proc, port = start("--listen", "0.0.0.0:0", "--insecure")
    check(port is not None, "--insecure lets an operator do it anyway")
    if port:
        stop(proc)
        check("warning[serve.insecure]" in proc.stderr.read(), "and it is warned about")
    proc, port = start("--listen", "0.0.0.0:0", "--token-file", path)
    check(port is not None, "a non-loopback listen with tokens starts")
    if port:
        stop(proc)
    proc, port = start("--listen", "127.0.0.1:0")
    check(port is not None, "loopback without tokens starts")
    if port:
        # --- Host: DNS rebinding ---------------------------------------------------------------
        for host, want in ((f"127.0.0.1:{port}", 200), (f"localhost:{port}", 200),
                           (f"evil.example:{port}", 421), ("127.0.0.1:1", 421),
                           (f"attacker.127.0.0.1.nip.io:{port}", 421)):
            st, _ = request(port, "GET", "/readyz", None, {"Host": host})
            check(st == want, f"Host {host}: {st}, expected {want}")
        # --- content types: a cross-site form can send only text/plain or form encodings -------
        for ctype, want in (("text/plain", 415), ("application/x-www-form-urlencoded", 415),
                            ("multipart/form-data; boundary=x", 415), (None, 415),
                            ("application/json", 200), ("application/json; charset=utf-8", 200),
                            ("application/yaml", 200), ("text/yaml", 200)):
            headers = {"Content-Type": ctype} if ctype else {}
            st, _ = request(port, "POST", "/v1/evaluate", BODY, headers)
            check(st == want, f"Content-Type {ctype}: {st}, expected {want}")
        st, _ = request(port, "POST", "/v1/evaluate/batch", b"[" + BODY + b"]", {"Content-Type": "text/plain"})
        check(st == 415, f"a text/plain batch: {st}")
        # JSON means JSON: a comment is a syntax error, not YAML.
        st, body = request(port, "POST", "/v1/evaluate", b"{\"format\": \"steward/agreement/v2\", # x\n}",
                           {"Content-Type": "application/json"})
        check(st == 422 and b"not valid JSON" in body, f"a commented JSON body is a JSON syntax error ({st})")
        # Request dimensions the review found unbounded.
        import socket
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            raw.sendall(f"POST /v1/evaluate HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
                        "Transfer-Encoding: chunked\r\n\r\n".encode() + b"100000\r\n" + b"x" * 65536)
            head = raw.recv(200)
        check(head.startswith(b"HTTP/1.1 411"), f"a chunked body is refused before it is read: {head[:40]}")
        st, body = request(port, "GET", "/openapi.json", None, {"Range": "bytes=0-,0-,0-,0-"})
        check(st == 416 and len(body) < 1000, f"a Range request is refused, not amplified ({st}, {len(body)} bytes)")
        st, body = request(port, "POST", "/v1/evaluate/batch", b"[" + b",".join([b"{}"] * 1001) + b"]",
                           {"Content-Type": "application/json"})
        check(st == 413 and len(body) < 200, f"a batch of 1,001 items is refused ({st}, {len(body)} bytes)")
        st, _ = request(port, "POST", "/v1/evaluate/batch", b"[" + b",".join([b"{}"] * 1000) + b"]",
                        {"Content-Type": "application/json"})
        check(st == 200, f"a batch of 1,000 is answered ({st})")
        stop(proc)
        check("warning[serve.no-auth]" in proc.stderr.read(), "loopback without tokens is warned about")

    # --- a log that cannot be written does not stop decisions -----------------------------------
    with open("/dev/full", "w") as full:
        proc = subprocess.Popen([STEWARD, "serve", "--policy", PACK, "--no-archive", "--listen", "127.0.0.1:0"],
                                stdout=subprocess.PIPE, stderr=full, text=True)
        line = proc.stdout.readline()
        port = int(line.strip().rsplit(":", 1)[1]) if "://" in line else None
        check(port is not None, "serve starts with stderr on /dev/full")
        if port:
            ok = 0
            for _ in range(20):
                st, _ = request(port, "POST", "/v1/evaluate", BODY, {"Content-Type": "application/json"})
                ok += st == 200
            request(port, "GET", "/%FF")
            check(ok == 20 and proc.poll() is None, f"decisions go on when the access log fails ({ok}/20)")
            proc.send_signal(signal.SIGHUP)  # a reload logs too
            time.sleep(1)
            check(proc.poll() is None, "a reload whose log line fails does not end the server")
            stop(proc)
finally:
    shutil.rmtree(tmp, ignore_errors=True)

print(f"{len(failures)} failed" if failures else "0 failed")
sys.exit(1 if failures else 0)
