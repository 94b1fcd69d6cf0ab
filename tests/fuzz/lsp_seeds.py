#!/usr/bin/env python3
"""Seed inputs for fuzz_lsp: client sessions as an editor sends them, on the repository's DCF
pack (a module opened, broken, mended and formatted; an agreement opened and broken).

  lsp_seeds.py <source dir> <output dir>
"""
import json
import os
import sys

src, out = os.path.abspath(sys.argv[1]), sys.argv[2]
os.makedirs(out, exist_ok=True)
pack = os.path.join(src, "policies/dcf-5-4")
module = os.path.join(pack, "request.policy")
agreement = os.path.join(pack, "examples/agreements/03-email-request-deny.yaml")
mtext, atext = open(module).read(), open(agreement).read()


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
                        "contentChanges": [{"text": atext.replace("email", "[email")}]}},
                       {"method": "textDocument/didClose", "params": {"textDocument": doc(agreement)}}, *bye),
    "bare": frame(init, {"id": 3, "method": "textDocument/hover", "params": {}}, *bye),
}
for name, data in seeds.items():
    open(os.path.join(out, name), "wb").write(data)
print(f"{len(seeds)} seeds in {out}")
