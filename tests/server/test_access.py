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


def start(*args, stderr=subprocess.PIPE):
    """Starts a server on a free loopback port; returns (process, port) or (process, None)."""
    proc = subprocess.Popen([STEWARD, "serve", "--policy", PACK, "--no-archive", "-q", *args],
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
        ("# a comment\nBearer #\nreviewer " + good + "\n", 0o600, "tokens:2:8: error[serve.tokens]"),
        ("ci " + good + " # trailing comment\n", 0o600, "tokens:1:" + str(len("ci " + good) + 2) +
         ": error[serve.tokens]: a line is `name token`, found 5 fields"),
        ("ci short-token\n", 0o600, "tokens:1:4: error[serve.tokens]: the token for `ci` is 11 characters"),
        ("ci " + good + "\n", 0o644, "can be read by other users"),
        ("ci " + good + "\n", 0o620, "can be changed by other users"),
        ("ci " + good + "\nci " + "b" * 40 + "\n", 0o600, "tokens:2:1: error[serve.tokens]: the name `ci` is given twice"),
        ("ci " + good + "\nbot " + good + "\n", 0o600, "tokens:2:5: error[serve.tokens]: this token is given twice"),
        ("# only comments\n\n", 0o600, "holds no token"),
        ("ci tok\u00e9n" + good + "\n", 0o600, "tokens:1:4: error[serve.tokens]: a token may hold"),
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
        f.write("# tokens for the staging server\n\n  ci-pipeline\t" + good + "\n# reviewer " + "c" * 40 + "\n")
    os.chmod(path, 0o600)
    proc, port = start("--token-file", path, "--listen", "127.0.0.1:0")
    check(port is not None, "a commented token file starts")
    if port:
        for token, want in (("#", 401), ("c" * 40, 401), ("ci-pipeline", 401), (good, 200)):
            st, _ = request(port, "POST", "/v1/evaluate", BODY,
                            {"Authorization": "Bearer " + token, "Content-Type": "application/json"})
            check(st == want, f"Bearer {token[:12]}: {st}, expected {want}")
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
