#!/usr/bin/env python3
"""`steward lsp` at the protocol level: a copy of the DCF pack opened as an editor would open
it; diagnostics as the author types (an error appears at its place with its code, and goes when
mended), formatting, an agreement's reasons at the lines they point at (and again when the
policy changes), input errors, and hostile framing. Prints how long a diagnostic refresh of the
DCF pack took after an edit.

  test_lsp.py <steward binary> <source dir>
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

STEWARD, SRC = sys.argv[1], sys.argv[2]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL", what)


tmp = tempfile.mkdtemp(prefix="steward lsp ")  # a space, so URIs are percent-encoded
pack = os.path.join(tmp, "dcf-5-4")
shutil.copytree(os.path.join(SRC, "policies/dcf-5-4"), pack)


def uri(path):
    return "file://" + urllib.parse.quote(path)


class Client:
    def __init__(self, args=()):
        self.proc = subprocess.Popen([STEWARD, "lsp", *args], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.next_id = 1
        self.diagnostics = {}

    def send(self, payload):
        body = json.dumps(payload).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def read(self):
        length = None
        while True:
            line = self.proc.stdout.readline()
            if not line:
                return None
            line = line.strip()
            if not line:
                break
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        msg = json.loads(self.proc.stdout.read(length))
        if msg.get("method") == "textDocument/publishDiagnostics":
            self.diagnostics[msg["params"]["uri"]] = msg["params"]["diagnostics"]
        return msg

    def send_burst(self, payloads):
        """Writes several messages at once, as a client does when the user types fast."""
        out = b""
        for payload in payloads:
            body = json.dumps(payload).encode()
            out += b"Content-Length: %d\r\n\r\n" % len(body) + body
        self.proc.stdin.write(out)
        self.proc.stdin.flush()

    def request(self, method, params):
        rid = self.next_id
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        while True:
            msg = self.read()
            if msg is None or msg.get("id") == rid:
                return msg

    def notify(self, method, params, wait_for=None):
        """Sends a notification; with wait_for, reads until that uri's diagnostics arrive."""
        self.send({"jsonrpc": "2.0", "method": method, "params": params})
        if wait_for is None:
            return None
        while True:
            msg = self.read()
            if msg is None:
                return None
            if msg.get("method") == "textDocument/publishDiagnostics" and msg["params"]["uri"] == wait_for:
                return msg["params"]["diagnostics"]


try:
    c = Client()
    init = c.request("initialize", {"processId": None, "rootUri": uri(tmp), "capabilities": {}})
    caps = init["result"]["capabilities"]
    check(caps["textDocumentSync"]["change"] == 1 and caps["documentFormattingProvider"],
          f"capabilities: {caps}")
    c.notify("initialized", {})

    # A module of the pack: no diagnostics as shipped.
    module = os.path.join(pack, "sharing.policy")
    text = open(module).read()
    diags = c.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri(module), "languageId": "steward", "version": 1, "text": text}}, wait_for=uri(module))
    check(diags == [], f"the shipped module has no diagnostics: {diags}")

    # Type an error: a rule that names a definition nobody declared.
    lines = text.split("\n")
    broken = "\n".join(lines + ["rule typo_rule {", "  when no_such_definition", "  deny \"x\"", "}", ""])
    start = time.perf_counter()
    diags = c.notify("textDocument/didChange", {"textDocument": {"uri": uri(module), "version": 2},
                                                "contentChanges": [{"text": broken}]}, wait_for=uri(module))
    refresh_ms = (time.perf_counter() - start) * 1000
    errors = [d for d in diags if d["severity"] == 1]
    check(errors and all(d["source"] == "steward" and d.get("code") for d in errors),
          f"the error appears with a code: {diags}")
    check(any(d["range"]["start"]["line"] >= len(lines) for d in errors),
          f"at the line typed: {[d['range'] for d in errors]}")
    print(f"diagnostic refresh after an edit of the DCF pack: {refresh_ms:.1f} ms")
    # After astral and accented characters on its line, the error starts where the name does,
    # counted in UTF-16 units (steward's columns count code points; the server converts them).
    typed = '  when "\U0001F642\u00e9" == "x" and no_such_definition'
    astral = "\n".join(lines + ["rule typo_rule {", typed, "  deny \"x\"", "}", ""])
    diags = c.notify("textDocument/didChange", {"textDocument": {"uri": uri(module), "version": 2},
                                                "contentChanges": [{"text": astral}]}, wait_for=uri(module))
    want = len(typed[:typed.index("no_such")].encode("utf-16-le")) // 2
    check(any(d["severity"] == 1 and d["range"]["start"] == {"line": len(lines) + 1, "character": want}
              for d in diags), f"the error at UTF-16 character {want}: {[d['range'] for d in diags]}")
    # Mended: the diagnostics go.
    diags = c.notify("textDocument/didChange", {"textDocument": {"uri": uri(module), "version": 3},
                                                "contentChanges": [{"text": text}]}, wait_for=uri(module))
    check(diags == [], f"mended, the diagnostics go: {diags}")

    # Edits that arrive together compile once: three changes in one write (two of them errors,
    # the last mended) publish the module once, for the last text, before the next answer.
    terms = os.path.join(pack, "terms.policy")
    ttext = open(terms).read()
    c.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri(terms), "languageId": "steward", "version": 1, "text": ttext}})
    # A request first: its answer comes after every publish before it (the pack's publishes of
    # terms.policy from the edits above included), so what follows counts the burst's alone.
    c.request("textDocument/documentSymbol", {"textDocument": {"uri": uri(terms)}})
    c.send_burst([{"jsonrpc": "2.0", "method": "textDocument/didChange",
                   "params": {"textDocument": {"uri": uri(terms), "version": v},
                              "contentChanges": [{"text": t}]}}
                  for v, t in ((2, ttext + "let broken = no_such_one\n"),
                               (3, ttext + "let broken = nor_this\n"), (4, ttext))])
    rid = c.next_id
    c.next_id += 1
    c.send({"jsonrpc": "2.0", "id": rid, "method": "textDocument/documentSymbol",
            "params": {"textDocument": {"uri": uri(terms)}}})
    published = []
    while True:
        msg = c.read()
        if msg is None or msg.get("id") == rid:
            break
        if msg.get("method") == "textDocument/publishDiagnostics" and msg["params"]["uri"] == uri(terms):
            published.append(msg["params"]["diagnostics"])
    check(published == [[]], f"a burst of three edits publishes once, for the last: {published}")
    check(msg is not None and any(x["name"] == "consent_scope" for x in msg["result"]),
          "the answer after the burst reads the last text")

    # Formatting: a badly laid out buffer gets one edit with the formatter's text; a formatted
    # one none; one that does not parse, an error and no edit.
    messy = text.replace("rule ", "rule    ", 1)
    c.notify("textDocument/didChange", {"textDocument": {"uri": uri(module), "version": 4},
                                        "contentChanges": [{"text": messy}]}, wait_for=uri(module))
    edits = c.request("textDocument/formatting", {"textDocument": {"uri": uri(module)},
                                                  "options": {"tabSize": 2, "insertSpaces": True}})
    check(len(edits["result"]) == 1 and edits["result"][0]["newText"] == text,
          f"formatting gives back the canonical text: {str(edits)[:200]}")
    c.notify("textDocument/didChange", {"textDocument": {"uri": uri(module), "version": 5},
                                        "contentChanges": [{"text": text}]}, wait_for=uri(module))
    edits = c.request("textDocument/formatting", {"textDocument": {"uri": uri(module)}, "options": {}})
    check(edits["result"] == [], "a formatted file needs no edit")

    # Names: symbols, definition, references, hover, rename.
    syms = c.request("textDocument/documentSymbol", {"textDocument": {"uri": uri(module)}})["result"]
    rules = [x["name"] for x in syms if x["kind"] == 12]
    check("consent_plan_needs_commissioner" in rules and not any(x["detail"] == "local" for x in syms),
          f"document symbols: {[x['name'] for x in syms][:8]}")
    use = next(i for i, l in enumerate(text.split("\n")) if l.startswith("  when: consent_scope and consent_plan"))
    col = text.split("\n")[use].index("consent_scope") + 3
    terms = os.path.join(pack, "terms.policy")
    tlines = open(terms).read().split("\n")
    let_line = next(i for i, l in enumerate(tlines) if l.startswith("let consent_scope"))
    d = c.request("textDocument/definition", {"textDocument": {"uri": uri(module)},
                                              "position": {"line": use, "character": col}})["result"]
    check(d and d["uri"] == uri(terms) and d["range"]["start"] == {"line": let_line, "character": 4},
          f"go to definition of consent_scope: {d}")
    refs = c.request("textDocument/references", {"textDocument": {"uri": uri(module)},
                                                 "position": {"line": use, "character": col},
                                                 "context": {"includeDeclaration": True}})["result"]
    check(len(refs) >= 5 and any(r["uri"] == uri(terms) for r in refs),
          f"references of consent_scope: {len(refs)}")
    h = c.request("textDocument/hover", {"textDocument": {"uri": uri(module)},
                                         "position": {"line": use, "character": col}})["result"]
    check(h and "definition `consent_scope`: bool" in h["contents"]["value"], f"hover on a definition: {h}")
    rev = next(i for i, l in enumerate(text.split("\n")) if "review(commissioner)" in l)
    rcol = text.split("\n")[rev].index("commissioner")
    h = c.request("textDocument/hover", {"textDocument": {"uri": uri(module)},
                                         "position": {"line": rev, "character": rcol}})["result"]
    check(h and "DCF Commissioner" in h["contents"]["value"], f"hover on a reviewer body: {h}")
    clause_line = next(i for i, l in enumerate(text.split("\n")) if l.startswith("  clause: sharing.legal-basis"))
    h = c.request("textDocument/hover", {"textDocument": {"uri": uri(module)},
                                         "position": {"line": clause_line, "character": 20}})["result"]
    check(h and "Legal Division" in h["contents"]["value"], f"hover on a clause id with a dash: {h}")
    edit = c.request("textDocument/rename", {"textDocument": {"uri": uri(module)},
                                             "position": {"line": use, "character": col},
                                             "newName": "consent_in_scope"})["result"]
    n_edits = sum(len(v) for v in edit["changes"].values())
    check(n_edits == len(refs) and all(e["newText"] == "consent_in_scope"
                                       for v in edit["changes"].values() for e in v),
          f"rename edits every place: {n_edits} of {len(refs)}")
    for bad, why in (("9lives", "not a name"), ("mandated", "already the name")):
        r = c.request("textDocument/rename", {"textDocument": {"uri": uri(module)},
                                              "position": {"line": use, "character": col}, "newName": bad})
        check("error" in r and why in r["error"]["message"], f"rename to {bad}: {r}")
    r = c.request("textDocument/rename", {"textDocument": {"uri": uri(module)},
                                          "position": {"line": rev, "character": rcol}, "newName": "boss"})
    check("error" in r and "token files" in r["error"]["message"], f"a reviewer body is not renamed: {r}")

    # Completion, in a half-written rule. First a version that compiles, with a definition that
    # holds a record, so that the last good pack knows its type.
    c.notify("textDocument/didChange", {"textDocument": {"uri": uri(module), "version": 9},
                                        "contentChanges": [{"text": text + "let basis_probe = legal_basis\n"}]},
             wait_for=uri(module))
    probe = ["let basis_probe = legal_basis", "rule probe {", "  clause: sh", "  outcome: review(comm", "  when: legal_basis.",
             "  when: cons", "  when: legal_basis.kind == \"court_",
             "  when: any(f in data.fields: f.", "  when: basis_probe.", "}"]
    c.notify("textDocument/didChange", {"textDocument": {"uri": uri(module), "version": 10},
                                        "contentChanges": [{"text": text + "\n".join(probe)}]},
             wait_for=uri(module))
    base = len(text.split("\n")) - 1

    def labels(row):
        r = c.request("textDocument/completion", {"textDocument": {"uri": uri(module)},
                                                  "position": {"line": base + row, "character": len(probe[row])}})
        return [i["label"] for i in r["result"]["items"]]

    got = labels(2)
    check("sharing.legal-basis" in got and "request.channel" in got, f"clause ids after `clause:`: {got[:5]}")
    got = labels(3)
    check(got == ["commissioner"], f"reviewer bodies inside review(: {got}")
    got = labels(4)
    check("kind" in got and "citation" in got and "consent_scope" not in got,
          f"the fields of legal_basis after the dot: {got}")
    got = labels(5)
    check("consent_scope" in got and "consent_plan" in got and all(g.startswith("cons") for g in got),
          f"names starting with the word typed: {got}")
    got = labels(6)
    check("court_order" in got, f"enum members inside a string: {got}")
    got = labels(7)
    check(sorted(got) == ["category", "justification", "name"],
          f"the fields of a quantifier's variable: {got}")
    got = labels(8)
    check("kind" in got and "citation" in got, f"the fields of a definition that holds a record: {got}")
    c.notify("textDocument/didChange", {"textDocument": {"uri": uri(module), "version": 11},
                                        "contentChanges": [{"text": text}]}, wait_for=uri(module))

    # An agreement: its reasons at the lines they point at.
    agreement = os.path.join(pack, "examples/agreements/03-email-request-deny.yaml")
    atext = open(agreement).read()
    diags = c.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri(agreement), "languageId": "yaml", "version": 1, "text": atext}}, wait_for=uri(agreement))
    summary = [d for d in diags if d.get("code") == "decision"]
    check(summary and "decides `deny`" in summary[0]["message"], f"the decision is shown: {summary}")
    denies = [d for d in diags if d["severity"] == 1]
    channel_line = next(i for i, l in enumerate(atext.split("\n")) if l.startswith("request_channel"))
    check(any(d["range"]["start"]["line"] == channel_line and "deny:" in d["message"] for d in denies),
          f"the deny is at the request_channel line {channel_line}: {[(d['range']['start'], d['message'][:60]) for d in denies]}")
    # Completion in the agreement: keys where the cursor's indentation is, values of enums.
    alines = atext.split("\n")

    def agreement_labels(insert_after, typed):
        at = next(i for i, l in enumerate(alines) if l.startswith(insert_after)) + 1
        t = "\n".join(alines[:at] + [typed] + alines[at:])
        c.notify("textDocument/didChange", {"textDocument": {"uri": uri(agreement), "version": 9},
                                            "contentChanges": [{"text": t}]}, wait_for=uri(agreement))
        r = c.request("textDocument/completion", {"textDocument": {"uri": uri(agreement)},
                                                  "position": {"line": at, "character": len(typed)}})
        return [i["label"] for i in r["result"]["items"]]

    got = agreement_labels("risk_mitigation:", "")
    check("consent" in got and "legal_basis" in got and "title" not in got and "id" not in got,
          f"top-level keys not yet given: {got}")
    got = agreement_labels("  level: client", "  ")
    check("fields" not in got and "level" not in got and "deidentification" not in got and got,
          f"keys of data not yet given: {got}")
    got = agreement_labels("      justification: \"Link", "      ")
    check(got == [], f"a list item with every key given: {got}")
    got = agreement_labels("      justification: \"Disagg", "    - na")
    check(got == ["name"], f"a new list item: {got}")
    got = agreement_labels("  subjects:", "  level: ag")
    check(got == ["aggregate"], f"enum members after a key: {got}")
    got = agreement_labels("  encryption_at_rest: true", "  encryption_in_transit: ")
    check(got == ["true", "false"], f"a bool after a key: {got}")

    # An input error in the agreement: at its line, with its code.
    bad = atext.replace("request_channel: email", "request_channel: [email")
    diags = c.notify("textDocument/didChange", {"textDocument": {"uri": uri(agreement), "version": 2},
                                                "contentChanges": [{"text": bad}]}, wait_for=uri(agreement))
    check(diags and all(d["severity"] == 1 for d in diags) and diags[0]["code"].startswith("input."),
          f"an input error: {diags}")
    c.notify("textDocument/didChange", {"textDocument": {"uri": uri(agreement), "version": 3},
                                        "contentChanges": [{"text": atext}]}, wait_for=uri(agreement))
    # A policy edit decides the open agreement again: a pack with errors decides nothing.
    c.notify("textDocument/didChange", {"textDocument": {"uri": uri(module), "version": 6},
                                        "contentChanges": [{"text": broken}]})
    diags = None
    while diags is None:
        msg = c.read()
        if msg.get("method") == "textDocument/publishDiagnostics" and msg["params"]["uri"] == uri(agreement):
            diags = msg["params"]["diagnostics"]
    check(len(diags) == 1 and diags[0]["code"] == "lsp.pack", f"the broken pack decides nothing: {diags}")
    c.notify("textDocument/didClose", {"textDocument": {"uri": uri(agreement)}}, wait_for=uri(agreement))

    # Requests it does not answer, and messages that are not JSON-RPC.
    r = c.request("textDocument/signatureHelp", {"textDocument": {"uri": uri(module)}, "position": {"line": 0, "character": 0}})
    check(r["error"]["code"] == -32601, f"an unknown request: {r}")
    c.proc.stdin.write(b"Content-Length: 9\r\n\r\nnot json!")
    c.proc.stdin.flush()
    r = c.read()
    check(r.get("error", {}).get("code") == -32700, f"not JSON: {r}")
    deep = b"[" * 200000 + b"]" * 200000
    c.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(deep) + deep)
    c.proc.stdin.flush()
    r = c.read()
    check(r.get("error", {}).get("code") == -32700, f"200,000 nested arrays: {str(r)[:100]}")
    r = c.request("textDocument/didOpen", {"textDocument": {"uri": 7}})
    check(r is not None and "error" in r, f"a request with wrong types is an error: {r}")
    # pack.yaml: a parameter's hover, definition and references; a module entry leads to its
    # file; completion of manifest keys and of the pack's unlisted modules.
    manifest = os.path.join(pack, "pack.yaml")
    mtext = open(manifest).read()
    open(os.path.join(pack, "extra.policy"), "w").write("")
    c.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri(manifest), "languageId": "yaml", "version": 1, "text": mtext}}, wait_for=uri(manifest))
    mlines = mtext.split("\n")
    prow = next(i for i, l in enumerate(mlines) if l.startswith("  min_cell_size:"))
    h = c.request("textDocument/hover", {"textDocument": {"uri": uri(manifest)},
                                         "position": {"line": prow, "character": 4}})["result"]
    check(h and "parameter `min_cell_size`: int = 10" in h["contents"]["value"],
          f"hover on a parameter in pack.yaml: {h}")
    data_text = open(os.path.join(pack, "data.policy")).read().split("\n")
    drow = next(i for i, l in enumerate(data_text) if "< min_cell_size" in l)
    d = c.request("textDocument/definition", {"textDocument": {"uri": uri(os.path.join(pack, "data.policy"))},
                                              "position": {"line": drow, "character": data_text[drow].index("min_cell_size") + 2}})["result"]
    check(d and d["uri"] == uri(manifest) and d["range"]["start"] == {"line": prow, "character": 2},
          f"a parameter's definition is its key in pack.yaml: {d}")
    refs = c.request("textDocument/references", {"textDocument": {"uri": uri(manifest)},
                                                 "position": {"line": prow, "character": 4},
                                                 "context": {"includeDeclaration": False}})["result"]
    check(refs and all(r["uri"] != uri(manifest) for r in refs),
          f"references of a parameter from pack.yaml: {len(refs or [])}")
    mrow = next(i for i, l in enumerate(mlines) if l.strip() == "- terms.policy")
    d = c.request("textDocument/definition", {"textDocument": {"uri": uri(manifest)},
                                              "position": {"line": mrow, "character": 5}})["result"]
    check(d and d["uri"] == uri(terms), f"a modules: entry leads to its file: {d}")
    probe = mtext.replace("modules:\n", "modules:\n  - ex\n", 1) + "arch\n"
    c.notify("textDocument/didChange", {"textDocument": {"uri": uri(manifest), "version": 2},
                                        "contentChanges": [{"text": probe}]}, wait_for=uri(manifest))
    plines = probe.split("\n")
    erow = next(i for i, l in enumerate(plines) if l == "  - ex")
    got = [i["label"] for i in c.request("textDocument/completion", {"textDocument": {"uri": uri(manifest)},
             "position": {"line": erow, "character": 6}})["result"]["items"]]
    check(got == ["extra.policy"], f"unlisted modules in a modules: item: {got}")
    got = [i["label"] for i in c.request("textDocument/completion", {"textDocument": {"uri": uri(manifest)},
             "position": {"line": len(plines) - 2, "character": 4}})["result"]["items"]]
    check(got == [], f"archive_text is given already, so nothing: {got}")
    got = [i["label"] for i in c.request("textDocument/completion", {"textDocument": {"uri": uri(manifest)},
             "position": {"line": len(plines) - 2, "character": 0}})["result"]["items"]]
    check("name" not in got and "description" not in got and got == [],
          f"every manifest key is given in the DCF pack: {got}")
    c.notify("textDocument/didChange", {"textDocument": {"uri": uri(manifest), "version": 3},
                                        "contentChanges": [{"text": mtext}]}, wait_for=uri(manifest))
    os.remove(os.path.join(pack, "extra.policy"))

    r = c.request("shutdown", None)
    check("result" in r, "shutdown")
    c.notify("exit", None)
    check(c.proc.wait(timeout=10) == 0, "exit after shutdown is status 0")

    # Framing: a message announcing more than 64 MiB ends the session; so does end of input.
    c = Client()
    c.proc.stdin.write(b"Content-Length: 99999999999\r\n\r\n{}")
    c.proc.stdin.close()
    check(c.proc.wait(timeout=10) == 1, "an oversized message ends the session")
finally:
    shutil.rmtree(tmp, ignore_errors=True)

if failures:
    print(f"{len(failures)} failures")
    sys.exit(1)
print("ok")
