#!/usr/bin/env python3
"""Fault test of `steward serve`: SIGKILL in the middle of a load run. Afterwards the archive must
verify, and every decision a client received an answer for must be in it. Then a restarted
server continues the same chain. Runs on SQLite, and on PostgreSQL when STEWARD_TEST_POSTGRES_URL
names a server.

  fault_test.py <steward binary> <source dir>
"""
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

STEWARD, SRC = sys.argv[1], sys.argv[2]
failures = []


def check(cond, what):
    print("ok  " if cond else "FAIL", what)
    if not cond:
        failures.append(what)


def start(archive):
    proc = subprocess.Popen([STEWARD, "serve", "--policy", os.path.join(SRC, "policies/dcf-5-4"),
                             "--listen", "127.0.0.1:0", "-q", "--archive", archive],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if "://" not in line:
        raise RuntimeError(f"server did not start: {line} {proc.stderr.read()}")
    host, port = line.strip().split("://")[-1].rsplit(":", 1)
    return proc, host, int(port)


def load(host, port, bodies, answered, lock, stop):
    """One client on a kept-alive connection until the server dies or `stop` is set."""
    conn = http.client.HTTPConnection(host, port, timeout=10)
    i = 0
    while not stop.is_set():
        try:
            conn.request("POST", "/v1/evaluate", bodies[i % len(bodies)], {"Content-Type": "application/json"})
            r = conn.getresponse()
            r.read()
        except (OSError, http.client.HTTPException):
            return  # the server is gone
        if r.status == 200:
            with lock:
                answered.append(r.getheader("Steward-Decision-Id"))
        i += 1


def archived_ids(archive):
    out = subprocess.run([STEWARD, "archive", "export", "--archive", archive, "--format", "jsonl"],
                         capture_output=True, text=True, check=True).stdout
    return {json.loads(line)["decision_id"] for line in out.splitlines() if line}


def verify(archive):
    return subprocess.run([STEWARD, "archive", "verify", "--archive", archive], capture_output=True, text=True)


def run(name, archive):
    bodies = []
    for n in ("01-compliant-allow", "03-email-request-deny", "10-unknown-purpose-review"):
        with open(os.path.join(SRC, "bench/json", n + ".json"), "rb") as f:
            bodies.append(f.read())
    proc, host, port = start(archive)
    answered, lock, stop = [], threading.Lock(), threading.Event()
    clients = [threading.Thread(target=load, args=(host, port, bodies, answered, lock, stop)) for _ in range(16)]
    for c in clients:
        c.start()
    time.sleep(1.5)
    proc.send_signal(signal.SIGKILL)  # no chance to flush or close anything
    proc.wait()
    stop.set()
    for c in clients:
        c.join()
    check(len(answered) > 100, f"{name}: the load ran before the kill ({len(answered)} decisions answered)")
    v = verify(archive)
    check(v.returncode == 0 and "the chain is intact" in v.stdout, f"{name}: archive verify passes after SIGKILL: {v.stdout.strip()} {v.stderr.strip()}")
    missing = set(answered) - archived_ids(archive)
    check(not missing, f"{name}: every answered decision is in the archive ({len(missing)} missing)")

    proc, host, port = start(archive)
    try:
        conn = http.client.HTTPConnection(host, port, timeout=10)
        conn.request("POST", "/v1/evaluate", bodies[0], {"Content-Type": "application/json"})
        r = conn.getresponse()
        r.read()
        check(r.status == 200, f"{name}: a restarted server decides")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
    v = verify(archive)
    check(v.returncode == 0, f"{name}: the restarted server continues the same chain: {v.stdout.strip()}")


tmp = tempfile.mkdtemp(prefix="steward_fault_")
try:
    run("sqlite", f"sqlite:{tmp}/a.db")
finally:
    shutil.rmtree(tmp, ignore_errors=True)

pg_admin = os.environ.get("STEWARD_TEST_POSTGRES_URL")
if pg_admin:
    db = f"steward_fault_{os.getpid()}"
    subprocess.run(["psql", "-q", pg_admin, "-c", f"CREATE DATABASE {db};"], check=True)
    try:
        run("postgresql", pg_admin[:pg_admin.rfind("/") + 1] + db)
    finally:
        subprocess.run(["psql", "-q", pg_admin, "-c", f"DROP DATABASE IF EXISTS {db} WITH (FORCE);"])
elif os.environ.get("CI"):
    check(False, "CI must run the fault test on PostgreSQL too (STEWARD_TEST_POSTGRES_URL is not set)")

print(f"{'0 failed' if not failures else f'{len(failures)} failed'}")
sys.exit(1 if failures else 0)
