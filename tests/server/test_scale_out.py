#!/usr/bin/env python3
"""Two `steward serve` processes behind HAProxy on one PostgreSQL archive (issue 20), running
tools/package/haproxy.cfg itself with its ports replaced by free ones:

- clients decide through the balancer while one server is killed (SIGKILL) mid-load: every
  decision answered 200 is in the archive, the archive is one chain that verifies, and after
  the balancer notices (its health checks) every request is answered by the other server;
- a server whose archive cannot be read says so on /readyz (503), and the balancer answers 503
  rather than a decision.

  test_scale_out.py <steward binary> <source dir>
Needs STEWARD_TEST_POSTGRES_URL (tools/scripts/test.sh starts a cluster) and haproxy; exits 77
without them (a failure under CI=true, see tests/CMakeLists.txt).
"""
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

STEWARD, SRC = sys.argv[1], sys.argv[2]
PG_ADMIN = os.environ.get("STEWARD_TEST_POSTGRES_URL")
if not PG_ADMIN or not shutil.which("haproxy"):
    print("skipped: needs STEWARD_TEST_POSTGRES_URL and haproxy (bash tools/scripts/install-deps.sh)")
    sys.exit(77)
PACK = os.path.join(SRC, "policies/dcf-5-4")
BODIES = [open(os.path.join(SRC, f"bench/json/{n}.json"), "rb").read()
          for n in ("01-compliant-allow", "03-email-request-deny")]
failures = []


def check(cond, what):
    print("ok  " if cond else "FAIL", what)
    if not cond:
        failures.append(what)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port, method, path, body=None, timeout=10):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers={"Content-Type": "application/json"} if body else {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def wait_for(cond, seconds, what):
    end = time.time() + seconds
    while time.time() < end:
        try:
            if cond():
                return True
        except OSError:
            pass
        time.sleep(0.1)
    check(False, what)
    return False


dbname = f"steward_scale_{os.getpid()}"
subprocess.run(["psql", "-q", PG_ADMIN, "-c", f"CREATE DATABASE {dbname};"], check=True)
pg_url = PG_ADMIN[:PG_ADMIN.rfind("/") + 1] + dbname
work = tempfile.mkdtemp()
procs = {}
try:
    front, port_a, port_b = free_port(), free_port(), free_port()
    for name, port in (("a", port_a), ("b", port_b)):
        procs[name] = subprocess.Popen(
            [STEWARD, "serve", "--policy", PACK, "--listen", f"127.0.0.1:{port}", "--archive", pg_url, "-q",
             "--server-name", "127.0.0.1"],
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, f"{name}.log"), "w"))
    # The sample configuration as it is, on this test's ports.
    with open(os.path.join(SRC, "tools/package/haproxy.cfg")) as f:
        cfg = f.read()
    cfg = cfg.replace("127.0.0.1:8750", f"127.0.0.1:{front}")
    cfg = cfg.replace("127.0.0.1:8751", f"127.0.0.1:{port_a}").replace("127.0.0.1:8752", f"127.0.0.1:{port_b}")
    check(re.search(r"^\s*retry-on conn-failure\s*$", cfg, re.M) is not None,
          "the sample retries only requests a server never received")
    check("--server-name" in cfg, "the sample says each server needs the balancer's name")
    cfg_path = os.path.join(work, "haproxy.cfg")
    with open(cfg_path, "w") as f:
        f.write(cfg)
    v = subprocess.run(["haproxy", "-c", "-f", cfg_path], capture_output=True, text=True)
    check(v.returncode == 0, "haproxy accepts the sample configuration: " + v.stdout + v.stderr)
    procs["haproxy"] = subprocess.Popen(["haproxy", "-db", "-f", cfg_path],
                                        stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "haproxy.log"), "w"))
    for port in (port_a, port_b):
        wait_for(lambda p=port: request(p, "GET", "/readyz")[0] == 200, 20, f"server on {port} ready")
    # Both servers in rotation: the balancer answers, and (after its first checks) spreads.
    wait_for(lambda: request(front, "GET", "/readyz")[0] == 200, 20, "the balancer answers")
    time.sleep(1.0)

    results, lock = [], threading.Lock()
    start = time.time()
    stop_at = start + 6.0
    kill_at = start + 2.0

    def client(k):
        i = 0
        while time.time() < stop_at:
            t = time.time()
            try:
                st, headers, body = request(front, "POST", "/v1/evaluate", BODIES[(k + i) % 2])
                did = headers.get("steward-decision-id") if st == 200 else None
                outcome = json.loads(body).get("decision") if st == 200 else None
            except (OSError, http.client.HTTPException):
                st, did, outcome = "conn", None, None
            with lock:
                results.append((t, time.time(), st, did, outcome))
            i += 1

    threads = [threading.Thread(target=client, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    time.sleep(max(0.0, kill_at - time.time()))
    procs["a"].send_signal(signal.SIGKILL)
    killed = time.time()
    procs["a"].wait()
    for t in threads:
        t.join()

    answered = [r for r in results if r[2] == 200]
    failed = [r for r in results if r[2] != 200]
    late = [r for r in failed if r[0] > killed + 1.5]
    print(f"note: {len(results)} requests, {len(answered)} answered, {len(failed)} not "
          f"({sorted(set(str(r[2]) for r in failed))}), killed at {killed - start:.2f} s")
    check(len(answered) > 100 and all(r[3] for r in answered), "decisions were answered, each with its id")
    check(all(r[4] in ("allow", "deny", "needs_review") for r in answered), "every answer is a decision")
    check(not late, f"1.5 s after the kill every request is answered by the other server ({len(late)} not)")
    check(all(r[2] in (502, 503, 504, "conn") for r in failed), "what was not answered failed as the balancer's error")
    # No acknowledged decision is lost: each is in the archive, which is one verifiable chain.
    ids = subprocess.run(["psql", "-qAt", pg_url, "-c", "SELECT decision_id FROM decisions;"],
                         capture_output=True, text=True, check=True).stdout.split()
    check(set(r[3] for r in answered) <= set(ids), "every decision answered is in the shared archive")
    v = subprocess.run([STEWARD, "archive", "verify", "--archive", pg_url], capture_output=True, text=True)
    check(v.returncode == 0 and f"{len(ids)} records, the chain is intact" in v.stdout,
          "one chain that verifies: " + v.stdout + v.stderr)
    if answered:
        st, _, _ = request(port_b, "GET", "/v1/decisions/" + answered[0][3])
        check(st == 200, "the surviving server shows a decision the killed one gave")

    # The archive goes away: the survivor is not ready, and the balancer gives no decision.
    subprocess.run(["psql", "-q", PG_ADMIN, "-c", f"ALTER DATABASE {dbname} WITH ALLOW_CONNECTIONS false;"], check=True)
    subprocess.run(["psql", "-q", PG_ADMIN, "-c",
                    f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{dbname}';"],
                   check=True, capture_output=True)
    wait_for(lambda: request(port_b, "GET", "/readyz")[0] == 503, 10,
             "a server whose archive cannot be read answers 503 on /readyz")
    time.sleep(1.0)  # two failed checks, 300 ms apart
    st, _, body = request(front, "POST", "/v1/evaluate", BODIES[0])
    check(st == 503 and b'"decision"' not in body, f"with no server ready the balancer answers 503 ({st})")
finally:
    for p in procs.values():
        if p.poll() is None:
            p.kill()
            p.wait()
    subprocess.run(["psql", "-q", PG_ADMIN, "-c", f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE);"],
                   capture_output=True)
    if failures:
        for name in ("a.log", "b.log", "haproxy.log"):
            path = os.path.join(work, name)
            if os.path.exists(path):
                print(f"--- {name}\n" + open(path).read()[-3000:])
    shutil.rmtree(work, ignore_errors=True)

if failures:
    print(f"{len(failures)} failed")
    sys.exit(1)
print("scale-out: all checks passed")
