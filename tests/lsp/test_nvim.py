#!/usr/bin/env python3
"""`steward lsp` with a real client: Debian's Neovim (0.7, its built-in LSP client), headless,
running nvim_client.lua on a copy of the DCF pack.

  test_nvim.py <steward binary> <source dir>
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

STEWARD, SRC = sys.argv[1], sys.argv[2]
tmp = tempfile.mkdtemp(prefix="steward_nvim_")
try:
    pack = os.path.join(tmp, "dcf-5-4")
    shutil.copytree(os.path.join(SRC, "policies/dcf-5-4"), pack)
    env = dict(os.environ, STEWARD=os.path.abspath(STEWARD), LSP_MODULE=os.path.join(pack, "sharing.policy"),
               LSP_AGREEMENT=os.path.join(pack, "examples/agreements/03-email-request-deny.yaml"),
               LSP_OUT=os.path.join(tmp, "results.json"), HOME=tmp, XDG_CONFIG_HOME=tmp,
               XDG_DATA_HOME=tmp, XDG_STATE_HOME=tmp)
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "nvim_client.lua")
    proc = subprocess.run(["nvim", "--headless", "--clean", "-n", "-c", "luafile " + script],
                          env=env, cwd=tmp, timeout=120, capture_output=True, text=True)
    results = json.load(open(env["LSP_OUT"]))
    failed = [r for r in results if not r["ok"]]
    for r in results:
        print("ok  " if r["ok"] else "FAIL", r["name"], "" if r["ok"] else r["detail"][:400])
    if failed or len(results) < 11:
        print(f"{len(failed)} failures of {len(results)}; nvim said: {proc.stderr[-500:]}")
        sys.exit(1)
    print("ok")
finally:
    shutil.rmtree(tmp, ignore_errors=True)
