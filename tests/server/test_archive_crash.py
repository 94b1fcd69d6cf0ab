#!/usr/bin/env python3
"""PostgreSQL crashes (its WAL buffers lost) while `steward serve` archives decisions under
load, then starts again. A decision is answered only once the commit holding its record is
durable (docs/archive.md), so:

- every decision answered 200 before, during or after the crash is in the archive, and the
  archive is one chain that verifies;
- while the database is down the server gives no decision, and once it is back it decides again.

  test_archive_crash.py <steward binary> <source dir>
Starts a cluster of its own (tools/scripts/pg-cluster.sh): crashing the shared one would break
the tests running beside it. Exits 77 without PostgreSQL's server (a failure under CI=true).
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

from review_support import Checks

STEWARD, SRC = sys.argv[1], sys.argv[2]
CLUSTER = os.path.join(SRC, "tools/scripts/pg-cluster.sh")
PACK = os.path.join(SRC, "policies/dcf-5-4")
BODIES = [open(os.path.join(SRC, f"bench/json/{n}.json"), "rb").read()
          for n in ("01-compliant-allow", "03-email-request-deny")]
check = Checks()


def psql(url, sql):
    return subprocess.run(["psql", "-qAt", url, "-c", sql], capture_output=True, text=True, check=True).stdout


def wal_writer(pg_dir):
    """The pid of the WAL writer of the cluster in `pg_dir`, a child of its postmaster."""
    cluster = open(os.path.join(pg_dir, "cluster")).read().strip()
    with open(os.path.join(cluster, "data", "postmaster.pid")) as f:
        postmaster = f.readline().strip()
    pids = subprocess.run(["pgrep", "-P", postmaster, "-f", "walwriter"],
                          capture_output=True, text=True).stdout.split()
    return int(pids[0]) if pids else None


work = tempfile.mkdtemp()
pg_dir = os.path.join(work, "pg")
started = subprocess.run(["bash", CLUSTER, "start", pg_dir], capture_output=True, text=True)
if started.returncode != 0:
    shutil.rmtree(work, ignore_errors=True)
    if started.returncode == 2:
        print("skipped: needs PostgreSQL's server (bash tools/scripts/install-deps.sh)")
        sys.exit(77)
    print("FAIL a PostgreSQL cluster of the test's own: " + started.stderr)
    sys.exit(1)
admin = started.stdout.strip()
# The crash takes only the WAL still in PostgreSQL's buffers: what it wrote to the kernel
# survives a crash of its processes, and its WAL writer writes WAL out within milliseconds. So the WAL writer is stopped (SIGSTOP) for the load, and buffers large enough
# to hold it all are set: every commit then stays in them until someone flushes, and an answer
# given before its flush is found however the crash falls (with the WAL writer running, only
# the few commits in its last page: 3 or 4 in half the runs). It found a writer that committed
# lazily and flushed with `SELECT txid_current()` on another session, which flushes nothing
# (docs/performance.md, "The commit's flush beside the next batch").
psql(admin, "ALTER SYSTEM SET wal_buffers = '128MB';")
subprocess.run(["bash", CLUSTER, "crash", pg_dir], check=True)
subprocess.run(["bash", CLUSTER, "restart", pg_dir], check=True)
psql(admin, "CREATE DATABASE crash;")
url = admin[:admin.rfind("/") + 1] + "crash"
server, writer = None, None
try:
    server = subprocess.Popen([STEWARD, "serve", "--policy", PACK, "--listen", "127.0.0.1:0", "-q",
                               "--archive", url],
                              stdout=subprocess.PIPE, stderr=open(os.path.join(work, "server.log"), "w"), text=True)
    line = server.stdout.readline()
    port = int(line.rsplit(":", 1)[1].strip().rstrip("/"))

    results, lock = [], threading.Lock()
    stop = threading.Event()

    def client(k):
        conn, i = None, 0
        while not stop.is_set():
            t = time.time()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                conn.request("POST", "/v1/evaluate", body=BODIES[(k + i) % 2],
                             headers={"Content-Type": "application/json"})
                r = conn.getresponse()
                body = r.read()
                did = r.getheader("steward-decision-id") if r.status == 200 else None
                outcome = json.loads(body).get("decision") if r.status == 200 else None
                st = r.status
            except (OSError, http.client.HTTPException):
                st, did, outcome = "conn", None, None
                if conn is not None:
                    conn.close()
                conn = None
            with lock:
                results.append((t, time.time(), st, did, outcome))
            if st != 200:
                time.sleep(0.01)  # a server without its archive answers at once
            i += 1

    threads = [threading.Thread(target=client, args=(k,)) for k in range(16)]
    for t in threads:
        t.start()
    writer = wal_writer(pg_dir)
    check(writer is not None, "the cluster's WAL writer is found")
    if writer:
        os.kill(writer, signal.SIGSTOP)
    time.sleep(2.0)
    crashed = time.time()
    # Killing a child is a crash to the postmaster: it drops the shared WAL buffers at once.
    if writer:
        os.kill(writer, signal.SIGKILL)
        writer = None  # its pid may be another process's from here
    # Not checked: the postmaster may be restarting from that crash already; stopped it is.
    subprocess.run(["bash", CLUSTER, "crash", pg_dir], capture_output=True)
    time.sleep(1.0)
    down_until = time.time()
    subprocess.run(["bash", CLUSTER, "restart", pg_dir], check=True)
    back = time.time()
    time.sleep(3.0)
    stop.set()
    for t in threads:
        t.join()

    answered = [r for r in results if r[2] == 200]
    before = [r for r in answered if r[1] < crashed]
    while_down = [r for r in results if r[0] > crashed + 0.2 and r[1] < down_until]
    after = [r for r in answered if r[0] > back + 1.0]
    print(f"note: {len(results)} requests, {len(before)} answered before the crash, "
          f"{len(after)} after the restart; statuses {sorted(set(str(r[2]) for r in results))}")
    check(len(before) > 100, "decisions were answered before the crash")
    check(all(r[3] and r[4] in ("allow", "deny", "needs_review") for r in answered),
          "every answer is a decision with its id")
    check(while_down and not any(r[2] == 200 for r in while_down),
          "no decision is given while the database is down")
    check(len(after) > 20, "decisions are answered again once the database is back")
    # The claim under test: nothing answered was in the WAL the crash took.
    try:
        ids = set(psql(url, "SELECT decision_id FROM decisions;").split())
    except subprocess.CalledProcessError as e:
        ids = set()
        check(False, "the archive's tables are there after the crash: " + e.stderr.strip())
    missing = [r[3] for r in answered if r[3] not in ids]
    check(not missing, f"every decision answered is in the archive after the crash ({len(missing)} missing)")
    v = subprocess.run([STEWARD, "archive", "verify", "--archive", url], capture_output=True, text=True)
    check(v.returncode == 0 and "the chain is intact" in v.stdout,
          "the archive is one chain that verifies: " + v.stdout + v.stderr)
    print(f"note: {len(ids)} records stored, {len(answered)} answered")
finally:
    if writer:
        try:
            os.kill(writer, signal.SIGKILL)  # a stopped WAL writer would hold up the cluster's stop
        except ProcessLookupError:
            pass
    if server is not None and server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    subprocess.run(["bash", CLUSTER, "stop", pg_dir], capture_output=True)
    if check.failures:
        path = os.path.join(work, "server.log")
        if os.path.exists(path):
            print("--- server.log\n" + open(path).read()[-3000:])
    shutil.rmtree(work, ignore_errors=True)

if check.failures:
    print(f"{len(check.failures)} failed")
    sys.exit(1)
print("archive crash: all checks passed")
