#!/usr/bin/env python3
"""Reloading a served pack (SIGHUP and --watch) never serves a pack the operator did not mean:
not one caught mid-edit, not one that lost rules or clauses, not one whose own tests fail. Every
outcome shows in /readyz and /metrics.

  test_reload.py <steward binary> <source dir>
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

STEWARD, SRC = sys.argv[1], sys.argv[2]
failures = []
DENY = open(os.path.join(SRC, "policies/dcf-5-4/examples/agreements/09-prohibited-purpose-deny.yaml"), "rb").read()
AT_10 = open(os.path.join(SRC, "policies/dcf-5-4/examples/agreements/13-aggregate-threshold-10-allow.yaml"), "rb").read()


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL", what)


class Server:
    def __init__(self, pack, *args):
        self.proc = subprocess.Popen([STEWARD, "serve", "--policy", pack, "--listen", "127.0.0.1:0", "-q",
                                      "--no-archive", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if "://" not in line:
            raise RuntimeError(f"server did not start: {line} {self.proc.stderr.read()}")
        self.base = line.strip().split(" on ")[-1]

    def get(self, path):
        with urllib.request.urlopen(self.base + path, timeout=10) as r:
            return r.read().decode()

    def ready(self):
        return json.loads(self.get("/readyz"))

    def decide(self, body):
        req = urllib.request.Request(self.base + "/v1/evaluate", data=body, method="POST",
                                     headers={"Content-Type": "application/yaml"})
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())["decision"]

    def metric(self, name):
        for line in self.get("/metrics").splitlines():
            if line.startswith(name + " "):
                return float(line.split()[-1])
        return None

    def wait_reload(self, count_before, seconds=10):
        """Waits until one more reload (loaded or refused) is recorded; returns /readyz."""
        for _ in range(seconds * 10):
            total = self.metric('steward_reloads_total{outcome="loaded"}') + \
                self.metric('steward_reloads_total{outcome="refused"}')
            if total > count_before:
                return self.ready()
            time.sleep(0.1)
        return self.ready()

    def reloads(self):
        return self.metric('steward_reloads_total{outcome="loaded"}') + \
            self.metric('steward_reloads_total{outcome="refused"}')

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=10)
        return self.proc.stderr.read()


def copy_pack(tmp, with_tests=True):
    dst = os.path.join(tmp, "p")
    shutil.copytree(os.path.join(SRC, "policies/dcf-5-4"), dst)
    if not with_tests:
        shutil.rmtree(os.path.join(dst, "tests"))
    return dst


def without_first_rule(text):
    start = text.index("rule analytics_supplant_judgment {")
    return text[:start] + text[text.index("\n}\n", start) + 3:]


def edit(path, old, new):
    text = open(path).read()
    assert old in text, (path, old)
    open(path, "w").write(text.replace(old, new))


tmp = tempfile.mkdtemp(prefix="steward_reload_")
try:
    # --- --watch and a module truncated mid-edit (4,607 ALLOWs once) -----------------------------
    pack = copy_pack(tmp)
    s = Server(pack, "--watch", "--watch-debounce-ms", "300")
    try:
        digest = s.ready()["policy"]["digest"]
        check(s.decide(DENY) == "deny", "the deny example is denied before any edit")
        n = s.reloads()
        time.sleep(0.05)
        open(os.path.join(pack, "sharing.policy"), "w").close()  # truncated to 0 bytes
        r = s.wait_reload(n)
        check(r["policy"]["digest"] == digest, "a pack that lost a module's rules is not served")
        check(r.get("reload", {}).get("outcome") == "refused" and "lost" in r["reload"].get("reason", ""),
              f"/readyz says the reload was refused and why: {r.get('reload')}")
        check(s.metric("steward_reload_refused") == 1, "/metrics shows the refusal")
        check(s.decide(DENY) == "deny", "the old pack keeps denying")
        # Restore the module, written slowly in pieces: only the finished file is compiled.
        original = open(os.path.join(SRC, "policies/dcf-5-4/sharing.policy")).read()
        n = s.reloads()
        with open(os.path.join(pack, "sharing.policy"), "w") as f:
            for i in range(0, len(original), len(original) // 4 + 1):
                f.write(original[i:i + len(original) // 4 + 1])
                f.flush()
                time.sleep(0.1)
        r = s.wait_reload(n)
        check(r["reload"]["outcome"] == "loaded" and r["policy"]["digest"] == digest,
              f"the restored pack is loaded again: {r.get('reload')}")
        check(s.reloads() == n + 1, f"one reload for one slow write ({s.reloads() - n})")
        check(s.metric("steward_reload_refused") == 0, "the refusal gauge clears")
        # An edit that makes the pack's own tests fail is refused.
        n = s.reloads()
        edit(os.path.join(pack, "pack.yaml"), "default: 10", "default: 11")
        r = s.wait_reload(n)
        check(r["reload"]["outcome"] == "refused" and "tests fail" in r["reload"]["reason"],
              f"a pack whose tests fail is refused: {r.get('reload')}")
        check(s.decide(AT_10) == "allow", "the old parameter keeps deciding")
    finally:
        log = s.stop()
        check('"event":"reload","ok":false' in log.replace(" ", ""), "refusals are logged")

    # --- SIGHUP: the same checks; a pack without tests takes a parameter change -----------------
    shutil.rmtree(pack)
    pack = copy_pack(tmp, with_tests=False)
    s = Server(pack)
    try:
        digest = s.ready()["policy"]["digest"]
        n = s.reloads()
        edit(os.path.join(pack, "pack.yaml"), "default: 10", "default: 11")
        s.proc.send_signal(signal.SIGHUP)
        r = s.wait_reload(n)
        check(r["reload"]["outcome"] == "loaded" and r["policy"]["digest"] != digest, "SIGHUP reloads an edited pack")
        check(s.decide(AT_10) == "deny", "the reloaded pack decides (min_cell_size 11)")
        digest = r["policy"]["digest"]
        n = s.reloads()
        with open(os.path.join(pack, "request.policy"), "a") as f:
            f.write("\nrule broken {\n")
        s.proc.send_signal(signal.SIGHUP)
        r = s.wait_reload(n)
        check(r["policy"]["digest"] == digest and r["reload"]["outcome"] == "refused",
              "a pack that does not compile is refused; the old one keeps serving")
        # Removing a clause and its rules: refused unless the operator said so.
        edit(os.path.join(pack, "request.policy"), "\nrule broken {\n", "")
        n = s.reloads()
        text = open(os.path.join(pack, "analytics.policy")).read()
        open(os.path.join(pack, "analytics.policy"), "w").write(without_first_rule(text))
        s.proc.send_signal(signal.SIGHUP)
        r = s.wait_reload(n)
        check(r["reload"]["outcome"] == "refused" and "rule" in r["reload"]["reason"],
              f"a reload that drops rules is refused: {r.get('reload')}")
        open(os.path.join(pack, "analytics.policy"), "w").write(text)
    finally:
        s.stop()
    s = Server(pack, "--reload-allow-removals")
    try:
        n = s.reloads()
        open(os.path.join(pack, "analytics.policy"), "w").write(without_first_rule(text))
        s.proc.send_signal(signal.SIGHUP)
        r = s.wait_reload(n)
        check(r["reload"]["outcome"] == "loaded", f"--reload-allow-removals lets it through: {r.get('reload')}")
    finally:
        s.stop()
finally:
    shutil.rmtree(tmp, ignore_errors=True)

print(f"{len(failures)} failed" if failures else "0 failed")
sys.exit(1 if failures else 0)
