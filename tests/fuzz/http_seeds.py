#!/usr/bin/env python3
"""Seed inputs for fuzz_http: raw HTTP/1.1 requests to every route, built from the repository's
example agreements. The first byte of each seed picks the server: 0 open, 1 token required.

  http_seeds.py <output dir>
"""
import glob
import json
import os
import sys

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
root = os.path.join(os.path.dirname(__file__), "..", "..")


def request(method, path, body=b"", content_type=None, token=False):
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    if token:
        head += "Authorization: Bearer fuzz-token\r\n"
    if content_type:
        head += f"Content-Type: {content_type}\r\n"
    if body or method == "POST":
        head += f"Content-Length: {len(body)}\r\n"
    head += "Connection: close\r\n\r\n"
    return head.encode() + body


seeds = []
yamls = sorted(glob.glob(os.path.join(root, "policies/dcf-5-4/examples/agreements/*.yaml")))[:6]
jsons = sorted(glob.glob(os.path.join(root, "bench/json/*.json")))[:6]
for path in yamls:
    seeds.append(request("POST", "/v1/evaluate", open(path, "rb").read(), "application/yaml"))
for path in jsons:
    seeds.append(request("POST", "/v1/evaluate", open(path, "rb").read(), "application/json", token=True))
batch = "[" + ",".join(open(p).read() for p in jsons[:3]) + "]"
seeds.append(request("POST", "/v1/evaluate/batch", batch.encode(), "application/json"))
# An agreement with the data files it will send (the JSON envelope of /v1/evaluate/data).
if yamls:
    envelope = {"agreement": open(yamls[0]).read(), "format": "yaml",
                "data": [{"name": "people.csv", "text": "county,ssn\nHartford,123-45-6789\n"},
                         {"name": "rows.jsonl", "text": "{\"age\": 93}\n", "format": "jsonl"}]}
    seeds.append(request("POST", "/v1/evaluate/data", json.dumps(envelope).encode(), "application/json"))
for path in ("/v1/policy", "/v1/decisions?decision=deny&limit=3", "/v1/decisions?agreement=DSA-EX-01",
             "/v1/decisions/d-1000000000000000000000001", "/healthz", "/readyz", "/metrics", "/openapi.json"):
    seeds.append(request("GET", path))
    seeds.append(request("GET", path, token=True))
# A review of the first decision the run archives (ids are `d-` and the sequence number).
review = {"decision_id": "d-1000000000000000001", "agreement_digest": "sha256:0",
          "body": "data_governance_committee", "verdict": "approve", "note": "ok"}
seeds.append(request("POST", "/v1/reviews", json.dumps(review).encode(), "application/json"))
seeds.append(request("POST", "/v1/reviews", json.dumps(review).encode(), "application/json", token=True))
# The staff pages: read-only pages, the sign-in form and a review form (the open server needs no
# sign-in; its form token is not in the seed, so the fuzzer meets the refusal first).
for path in ("/ui/", "/ui/search?decision=needs_review&clause=sharing.approval&from=2026-01-01",
             "/ui/queue/data_governance_committee", "/ui/decisions/d-1000000000000000001",
             "/ui/verify", "/ui/style.css", "/ui/signin"):
    seeds.append(request("GET", path))
seeds.append(request("POST", "/ui/signin", b"token=fuzz-token", "application/x-www-form-urlencoded",
                     token=True))
seeds.append(request("POST", "/ui/decisions/d-1000000000000000001/review",
                     b"csrf=0&body=data_governance_committee&verdict=approve&digest=sha256%3A0&note=ok",
                     "application/x-www-form-urlencoded"))
# Two requests on one kept-alive connection.
seeds.append(request("GET", "/healthz").replace(b"Connection: close\r\n", b"") + request("GET", "/v1/policy"))

for i, s in enumerate(seeds):
    token = b"Authorization: Bearer" in s
    with open(os.path.join(out, f"seed-{i:03d}"), "wb") as f:
        f.write((b"\x01" if token else b"\x00") + s)
print(f"{len(seeds)} seeds in {out}")
