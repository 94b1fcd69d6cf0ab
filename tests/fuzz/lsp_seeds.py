#!/usr/bin/env python3
"""Seed inputs for fuzz_lsp: client sessions as an editor sends them, on the test suite's small
`lending` pack (a module opened, broken, mended and formatted; an agreement opened and broken;
the manifest opened). Not the DCF pack: every edit compiles the pack, and a session on the DCF
pack took 0.39 s under the sanitizers against 49 ms on this one.

  lsp_seeds.py <source dir> <output dir>
"""
import json
import os
import sys

src, out = os.path.abspath(sys.argv[1]), sys.argv[2]
os.makedirs(out, exist_ok=True)
pack = os.path.join(src, "tests/packs/lending")
module = os.path.join(pack, "lending.policy")
manifest = os.path.join(pack, "pack.yaml")
# An agreement open in the editor (its text comes with didOpen; the file need not exist).
agreement = os.path.join(pack, "examples/fuzz-loan.yaml")
mtext, ptext = open(module).read(), open(manifest).read()
atext = ("id: L-1\nborrower: {name: Ada, role: student}\nitems: [{name: SICP, kind: book}]\n"
         "start: 2026-01-01\nend: 2026-01-15\n")


def frame(*messages):
    data = b""
    for i, m in enumerate(messages):
        m = dict({"jsonrpc": "2.0"}, **m)
        body = json.dumps(m).encode()
        data += b"Content-Length: %d\r\n\r\n" % len(body) + body
    return data


def doc(path, text=None):
    d = {"uri": "file://" + path, "version": 1}
    if text is not None:
        d["text"] = text
    return d


init = {"id": 1, "method": "initialize", "params": {"capabilities": {}}}
bye = [{"id": 9, "method": "shutdown"}, {"method": "exit"}]
seeds = {
    "module": frame(init, {"method": "textDocument/didOpen", "params": {"textDocument": doc(module, mtext)}},
                    {"method": "textDocument/didChange", "params": {"textDocument": doc(module),
                     "contentChanges": [{"text": mtext + "\nrule r {\n  when nope\n  deny \"x\"\n}\n"}]}},
                    {"id": 2, "method": "textDocument/formatting", "params": {"textDocument": doc(module)}},
                    *bye),
    "agreement": frame(init, {"method": "textDocument/didOpen", "params": {"textDocument": doc(agreement, atext)}},
                       {"method": "textDocument/didChange", "params": {"textDocument": doc(agreement),
                        "contentChanges": [{"text": atext.replace("book", "[book")}]}},
                       {"method": "textDocument/didClose", "params": {"textDocument": doc(agreement)}}, *bye),
    "bare": frame(init, {"id": 3, "method": "textDocument/hover", "params": {}}, *bye),
    "manifest": frame(init, {"method": "textDocument/didOpen", "params": {"textDocument": doc(manifest, ptext)}},
                      {"id": 4, "method": "textDocument/hover",
                       "params": {"textDocument": doc(manifest), "position": {"line": 5, "character": 4}}},
                      {"id": 5, "method": "textDocument/completion",
                       "params": {"textDocument": doc(module), "position": {"line": 3, "character": 2}}},
                      *bye),
}
for name, data in seeds.items():
    open(os.path.join(out, name), "wb").write(data)
print(f"{len(seeds)} seeds in {out}")
