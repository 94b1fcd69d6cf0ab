#!/usr/bin/env python3
"""The archive cannot be rewritten without `archive verify` noticing. Each attack of the
fail-closed review is replayed on a copy of a real archive, by someone who can write the SQLite
file and recompute every hash: what plain `verify` catches (records that disagree with
themselves, a deleted or emptied file), and what only the signed checkpoints catch (a chain
rewound or rewritten and rehashed). And a server whose archive file is removed or replaced
answers 503 instead of deciding into a file nobody will read.

  test_archive_tamper.py <steward binary> <source dir>
"""
import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

STEWARD, SRC = sys.argv[1], sys.argv[2]
failures = []
FIELDS = ["seq", "decision_id", "time", "agreement_id", "agreement_digest", "agreement", "pack_name",
          "pack_version", "pack_digest", "decision", "document", "caller", "prev_hash"]


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL", what)


def steward(*args):
    return subprocess.run([STEWARD, *args], capture_output=True, text=True)


def record_hash(row):
    """archive.cpp's canonical form: every field length-prefixed, then sha256."""
    out = b""
    for f in FIELDS:
        v = str(row[f]).encode()
        out += str(len(v)).encode() + b":" + v + b"\n"
    return "sha256:" + hashlib.sha256(out).hexdigest()


def rehash_from(db, start):
    """What an attacker with write access does after an edit: recompute the chain and head."""
    c = sqlite3.connect(db)
    c.row_factory = sqlite3.Row
    rows = [dict(r) for r in c.execute("SELECT * FROM decisions ORDER BY seq")]
    prev = "sha256:" + "0" * 64
    for r in rows:
        if r["seq"] >= start:
            r["prev_hash"] = prev
            # The decision id derives from the link: a thorough attacker recomputes it too.
            h = hashlib.sha256(f"{prev}|{r['seq']}|{r['time']}|{r['agreement_digest']}".encode()).hexdigest()
            r["decision_id"] = f"d-{r['seq']:010x}{h[:14]}"
            r["hash"] = record_hash(r)
            c.execute("UPDATE decisions SET prev_hash = ?, decision_id = ?, hash = ? WHERE seq = ?",
                      (r["prev_hash"], r["decision_id"], r["hash"], r["seq"]))
        prev = r["hash"]
    last = rows[-1] if rows else None
    c.execute("UPDATE chain_head SET seq = ?, hash = ? WHERE id = 1", (last["seq"], last["hash"]))
    c.commit()
    c.close()


def sql(db, *statements):
    c = sqlite3.connect(db)
    for s in statements:
        c.execute(*s) if isinstance(s, tuple) else c.execute(s)
    c.commit()
    c.close()


tmp = tempfile.mkdtemp(prefix="steward_tamper_")
try:
    key = os.path.join(tmp, "cp.pem")
    check(steward("keygen", key).returncode == 0, "keygen")
    db = os.path.join(tmp, "a.db")
    cps = os.path.join(tmp, "a.checkpoints")
    r = steward("eval", "-f", "jsonl", "-p", os.path.join(SRC, "policies/dcf-5-4"), "--archive", "sqlite:" + db,
                "--checkpoints", cps, "--checkpoint-key", key, "--checkpoint-every", "5",
                os.path.join(SRC, "policies/dcf-5-4/examples/agreements"))
    check(r.returncode == 1, f"the examples are decided and archived ({r.returncode}: {r.stderr})")
    lines = [json.loads(l) for l in open(cps)]
    check(len(lines) >= 2 and lines[-1]["seq"] == 33, f"checkpoints were written, the last at record 33: {lines[-1:]}")

    def verify(path, checkpoints=True, keys=(key + ".pub",)):
        args = ["archive", "verify", "--archive", "sqlite:" + path]
        if checkpoints:
            args += ["--checkpoints", cps]
            for k in keys:
                args += ["--trust-key", k]
        return steward(*args)

    v = verify(db)
    check(v.returncode == 0 and "33 records, the chain is intact" in v.stdout, "the untouched archive verifies: " + v.stdout + v.stderr)

    attacks = []

    def attack(name, edit, plain_catches):
        path = os.path.join(tmp, name + ".db")
        shutil.copy(db, path)
        edit(path)
        attacks.append((name, path, plain_catches))

    # Rewound: the last records deleted and the head moved back, hashes consistent.
    attack("rewound", lambda p: (sql(p, "DELETE FROM decisions WHERE seq > 29"), rehash_from(p, 30)), False)
    # Rewritten from record 10 on, every hash recomputed: a deny becomes an allow.
    def rewrite(p):
        c = sqlite3.connect(p)
        c.row_factory = sqlite3.Row
        row = dict(c.execute("SELECT * FROM decisions WHERE decision = 'deny' AND seq >= 10 ORDER BY seq LIMIT 1").fetchone())
        doc = json.loads(row["document"])
        doc["decision"], doc["reasons"] = "allow", []
        c.execute("UPDATE decisions SET decision = 'allow', document = ? WHERE seq = ?", (json.dumps(doc), row["seq"]))
        c.commit()
        c.close()
        rehash_from(p, row["seq"])
    attack("rewritten", rewrite, False)
    # Two rows' contents swapped.
    def swap(p):
        sql(p, "UPDATE decisions SET seq = -1 WHERE seq = 3", "UPDATE decisions SET seq = 3 WHERE seq = 4",
            "UPDATE decisions SET seq = 4 WHERE seq = -1")
    attack("swapped", swap, True)
    # The decision column changed while the stored document still says deny, chain recomputed.
    def column(p):
        sql(p, "UPDATE decisions SET decision = 'allow' WHERE seq = (SELECT min(seq) FROM decisions WHERE decision = 'deny')")
        rehash_from(p, 1)
    attack("decision-column", column, True)
    # The agreement text replaced, chain recomputed, digest left.
    def text(p):
        sql(p, "UPDATE decisions SET agreement = 'id: forged' WHERE seq = 7")
        rehash_from(p, 1)
    attack("agreement-text", text, True)
    # The agreement text and its digest replaced, chain recomputed: only the checkpoints know.
    def text_and_digest(p):
        forged = "id: forged\n"
        sql(p, ("UPDATE decisions SET agreement = ?, agreement_digest = ? WHERE seq = 7",
                (forged, "sha256:" + hashlib.sha256(forged.encode()).hexdigest())))
        rehash_from(p, 1)
    attack("agreement-and-digest", text_and_digest, False)

    for name, path, plain_catches in attacks:
        plain = verify(path, checkpoints=False)
        if plain_catches:
            check(plain.returncode == 1, f"{name}: plain verify finds it ({plain.returncode}): {plain.stdout}")
        else:
            check(plain.returncode == 0, f"{name}: (documented) plain verify cannot see a consistent rewrite")
        full = verify(path)
        check(full.returncode == 1 and "problem" in full.stdout,
              f"{name}: verify --checkpoints finds it ({full.returncode}): {full.stdout} {full.stderr}")

    # A careless operator: checkpoints asked for where there is no archive to vouch for.
    r = steward("eval", "-p", os.path.join(SRC, "policies/dcf-5-4"), "--checkpoints", cps, "--checkpoint-key", key,
                os.path.join(SRC, "policies/dcf-5-4/examples/agreements/01-compliant-allow.yaml"))
    check(r.returncode == 2 and "--checkpoints needs --archive" in r.stderr, "eval --checkpoints without --archive is refused")
    r = steward("serve", "-p", os.path.join(SRC, "policies/dcf-5-4"), "--no-archive", "--listen", "127.0.0.1:0",
                "--checkpoints", cps, "--checkpoint-key", key)
    check(r.returncode == 2 and "--checkpoints needs an archive" in r.stderr, "serve --no-archive --checkpoints is refused")

    # The checkpoints themselves: a forged line, another key, a file with none.
    other = os.path.join(tmp, "other.pem")
    steward("keygen", other)
    v = verify(db, keys=(other + ".pub",))
    check(v.returncode == 1 and "does not verify" in v.stdout, "checkpoints signed by another key are refused: " + v.stdout)
    forged = dict(lines[-1])
    forged["seq"] = 40
    with open(cps, "a") as f:
        f.write(json.dumps(forged) + "\n")
    v = verify(db)
    check(v.returncode == 1 and "signature" in v.stdout, "a checkpoint line edited by hand is refused: " + v.stdout)

    # Emptied, truncated or deleted: an error, and no new archive is created.
    for name, damage in (("emptied", lambda p: open(p, "w").close()),
                         ("truncated", lambda p: os.truncate(p, os.path.getsize(p) // 2)),
                         ("deleted", os.remove)):
        path = os.path.join(tmp, name + ".db")
        shutil.copy(db, path)
        for suffix in ("-wal", "-shm"):
            if os.path.exists(db + suffix):
                shutil.copy(db + suffix, path + suffix)
        damage(path)
        for suffix in ("-wal", "-shm"):
            if os.path.exists(path + suffix) and name != "truncated":
                os.remove(path + suffix)
        v = verify(path, checkpoints=False)
        check(v.returncode != 0 and "intact" not in v.stdout, f"{name} archive: verify fails ({v.returncode}: {v.stdout} {v.stderr})")
        if name == "deleted":
            check(not os.path.exists(path), "verify did not create the deleted archive")

    # --- a server notices its archive file removed or replaced ---------------------------------
    for how in ("removed", "replaced"):
        sdb = os.path.join(tmp, f"serve-{how}.db")
        proc = subprocess.Popen([STEWARD, "serve", "--policy", os.path.join(SRC, "policies/dcf-5-4"),
                                 "--listen", "127.0.0.1:0", "-q", "--archive", "sqlite:" + sdb],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        base = proc.stdout.readline().strip().split(" on ")[-1]
        body = open(os.path.join(SRC, "bench/json/01-compliant-allow.json"), "rb").read()

        def post():
            req = urllib.request.Request(base + "/v1/evaluate", data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(req, timeout=10) as r:
                    return r.status
            except urllib.error.HTTPError as e:
                return e.code
        check(post() == 200, f"{how}: the server decides at first")
        if how == "removed":
            os.remove(sdb)
        else:
            shutil.copy(db, sdb + ".new")
            os.replace(sdb + ".new", sdb)
        check(post() == 503, f"an archive file {how} under the server: 503, not a decision")
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
finally:
    shutil.rmtree(tmp, ignore_errors=True)

print(f"{len(failures)} failed" if failures else "0 failed")
sys.exit(1 if failures else 0)
