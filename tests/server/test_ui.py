#!/usr/bin/env python3
"""The staff pages of `steward serve` (/ui/) over HTTP, as an attacker would try them: sign-in
and session cookies, who sees which forms, forms without a session, without the form token or
from another site, a reviewer acting for another body, markup in agreement ids and notes, the
search's bad inputs, and the queue gauges in /metrics. The browser test (tests/ui) drives the
same pages in Chromium.

  test_ui.py <steward binary> <source dir>
"""
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

from review_support import Checks, asked_agreement

STEWARD, SRC = sys.argv[1], sys.argv[2]
PACK = os.path.join(SRC, "policies/dcf-5-4")
ASKED = asked_agreement(PACK)
HOSTILE_ID = b'<script>alert(1)</script>"x'
check = Checks()
failures = check.failures


tmp = tempfile.mkdtemp(prefix="steward_ui_")
tokens = {"proposer": ("p" * 40, "propose"), "reader": ("r" * 40, "read"),
          "dgc-chair": ("d" * 40, "review:data_governance_committee"),
          "comm": ("m" * 40, "review:commissioner"), "admin": ("a" * 40, "admin")}
token_file = os.path.join(tmp, "tokens")
with open(token_file, "w") as f:
    for name, (tok, roles) in tokens.items():
        f.write(f"{name} {tok} {roles}\n")
os.chmod(token_file, 0o600)
proc = subprocess.Popen([STEWARD, "serve", "--policy", PACK, "--archive", "sqlite:" + os.path.join(tmp, "a.db"),
                         "-q", "--token-file", token_file, "--listen", "127.0.0.1:0"],
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
port = int(proc.stdout.readline().strip().rsplit(":", 1)[1])
HOST = f"127.0.0.1:{port}"


def request(method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    h = {"Host": HOST}
    h.update(headers or {})
    conn.request(method, path, body, h)
    r = conn.getresponse()
    out = (r.status, r.read().decode("utf-8", "replace"), r)
    conn.close()
    return out


def api(who, method, path, body=None, content_type="application/json"):
    st, text, _ = request(method, path, body, {"Authorization": "Bearer " + tokens[who][0],
                                               "Content-Type": content_type})
    return st, (json.loads(text) if text else None)


class Browser:
    """One user's cookie jar, as a browser keeps it."""

    def __init__(self):
        self.cookie = ""

    def get(self, path):
        st, text, r = request("GET", path, None, {"Cookie": self.cookie} if self.cookie else {})
        return st, text, r

    def post(self, path, fields, extra=None):
        h = {"Content-Type": "application/x-www-form-urlencoded"}
        if self.cookie:
            h["Cookie"] = self.cookie
        h.update(extra or {})
        return request("POST", path, urllib.parse.urlencode(fields).encode(), h)

    def sign_in(self, who):
        st, text, r = self.post("/ui/signin", {"token": tokens[who][0]})
        set_cookie = r.getheader("Set-Cookie") or ""
        if st == 303:
            self.cookie = set_cookie.split(";")[0]
        return st, text, set_cookie


def csrf_of(page):
    m = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    return m.group(1) if m else ""


try:
    # Pages and forms without a session: to the sign-in page, nothing processed.
    st, _, r = request("GET", "/ui/")
    check(st == 303 and r.getheader("Location") == "/ui/signin", f"no session: {st}")
    st, text, r = request("GET", "/ui/signin")
    check(st == 200 and 'type="password"' in text and "<script" not in text, "the sign-in page")
    check("default-src 'none'" in (r.getheader("Content-Security-Policy") or ""), "pages carry a CSP")
    check(r.getheader("X-Frame-Options") == "DENY" and r.getheader("Cache-Control") == "no-store",
          "pages are not framed or cached")
    st, _, _ = request("GET", "/ui/style.css")
    check(st == 200, "the stylesheet needs no session")

    # Sign-in: a wrong token, a token that cannot read, a reader; the cookie's flags.
    b = Browser()
    st, text, _ = b.post("/ui/signin", {"token": "x" * 40})
    check(st == 401 and "not valid" in text and not b.cookie, f"a wrong token: {st}")
    for who in ("proposer", "admin"):
        st, text, cookie = Browser().sign_in(who)
        check(st == 403 and "read" in text and not cookie, f"{who} cannot sign in to read: {st}")
    reader = Browser()
    st, _, cookie = reader.sign_in("reader")
    check(st == 303 and all(f in cookie for f in ("HttpOnly", "SameSite=Strict", "Path=/ui")),
          f"the session cookie: {cookie}")
    st, _, _ = request("POST", "/ui/signin", urllib.parse.urlencode({"token": tokens["reader"][0]}),
                       {"Content-Type": "application/x-www-form-urlencoded", "Origin": "https://evil.example"})
    check(st == 403, f"a sign-in form from another site: {st}")
    st, _, _ = reader.get("/ui/")
    check(st == 200, "the reader's home page")
    st, _, _ = Browser().get("/ui/")
    check(st == 303, "another browser without the cookie has no session")
    forged = Browser()
    forged.cookie = "steward_ui=" + "0" * 64
    check(forged.get("/ui/")[0] == 303, "a made-up session id is no session")

    # A proposal with markup in its id, and the one the lifecycle reviews.
    hostile = ASKED.replace(b"id: DSA-EX-01", b"id: '" + HOSTILE_ID.replace(b"'", b"''") + b"'")
    st, doc = api("proposer", "POST", "/v1/evaluate", hostile, "application/yaml")
    check(st in (200, 422), f"the hostile id is decided or refused, never a crash: {st} {doc}")
    st, doc = api("proposer", "POST", "/v1/evaluate", ASKED, "application/yaml")
    check(st == 200 and doc["decision"] == "needs_review", f"the proposal needs review: {st}")
    st, listed = api("reader", "GET", "/v1/decisions?agreement=DSA-EX-01")
    did = listed[0]["decision_id"]

    # Markup from agreements never reaches a page unescaped.
    st, page, _ = reader.get("/ui/search?decision=needs_review")
    check(st == 200 and did in page, "the search finds the proposal")
    check("<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;&quot;x" in page,
          "an agreement id is shown escaped, never as markup")

    # The reader sees the decision, its reasons and text, and no form.
    st, page, _ = reader.get("/ui/decisions/" + did)
    check(st == 200 and "Needs review" in page and 'id="L1"' in page, f"the reader's decision page: {st}")
    check('action="/ui/decisions/' not in page, "no review form for a reader")
    st, text, _ = reader.post(f"/ui/decisions/{did}/review",
                              {"csrf": csrf_of(page), "body": "data_governance_committee",
                               "verdict": "approve", "digest": listed[0]["agreement_digest"]})
    check(st == 403, f"a reader posting a review with a valid form token: {st}")

    # The committee's chair: one form, for the committee only.
    dgc = Browser()
    dgc.sign_in("dgc-chair")
    st, page, _ = dgc.get("/ui/queue/data_governance_committee")
    check(st == 200 and did in page, "the committee's queue holds the proposal")
    st, page, _ = dgc.get("/ui/decisions/" + did)
    check(page.count(f'action="/ui/decisions/{did}/review"') == 1 and
          'value="data_governance_committee"' in page, "one form, for the committee")
    token = csrf_of(page)
    digest = re.search(r'name="digest" value="([^"]+)"', page).group(1)
    good = {"csrf": token, "body": "data_governance_committee", "verdict": "approve",
            "digest": digest, "note": '<img src=x onerror="alert(1)">ok'}
    # Without the form token, with another session's, from another site, for another body.
    for what, fields, extra in (
            ("no form token", {k: v for k, v in good.items() if k != "csrf"}, None),
            ("the reader's form token", dict(good, csrf=csrf_of(reader.get("/ui/")[1])), None),
            ("another site's form", good, {"Origin": "https://evil.example"}),
            ("a cross-site fetch", good, {"Sec-Fetch-Site": "cross-site"}),
            ("another body", dict(good, body="commissioner"), None)):
        st, _, _ = dgc.post(f"/ui/decisions/{did}/review", fields, extra)
        check(st == 403, f"{what}: {st}")
    st, text, _ = request("POST", f"/ui/decisions/{did}/review", urllib.parse.urlencode(good),
                          {"Content-Type": "application/x-www-form-urlencoded"})
    check(st == 303, f"a form without a session goes to sign-in: {st}")
    st, reviews = api("reader", "GET", "/v1/decisions?decision=review")
    check(reviews == [], f"nothing refused was recorded: {reviews}")
    # A refused review (other text) keeps the form and says why.
    st, page, _ = dgc.post(f"/ui/decisions/{did}/review", dict(good, digest="sha256:" + "0" * 64))
    check(st == 422 and "was not recorded" in page and "onerror" in page and '<img' not in page,
          f"a refused review is explained, the note kept and escaped: {st}")
    # The review.
    st, _, r = dgc.post(f"/ui/decisions/{did}/review", good)
    location = r.getheader("Location") or ""
    check(st == 303 and location.startswith("/ui/decisions/d-") and location.endswith("?done=review"),
          f"the review is recorded and the decision derived again: {st} {location}")
    st, page, _ = dgc.get(location)
    check("Your review was recorded." in page and "&lt;img src=x" in page and "<img" not in page,
          "the new decision shows the review, its note escaped")
    check(f'action="/ui/decisions/' not in page or 'value="data_governance_committee"' in page,
          "the committee may replace its verdict, nobody else's")
    st, page, _ = dgc.get("/ui/queue/data_governance_committee")
    check(did not in page and "DSA-EX-01" not in page and "&lt;script&gt;" in page,
          "the reviewed proposal left the committee's queue; the other one waits")
    st, page, _ = dgc.get("/ui/queue/commissioner")
    check(st == 200 and "You read this queue" in page, "the commissioner's queue is read-only for the committee")

    # Search: by reviewer, clause, days; bad input is a 400 with the form kept.
    st, page, _ = reader.get("/ui/search?reviewer=dgc-chair")
    check(st == 200 and "approve" in page, "the search finds the chair's review")
    st, page, _ = reader.get("/ui/search?clause=sharing.approval&decision=needs_review")
    check(st == 200 and "DSA-EX-01" in page, "the search by clause")
    # The row lists the clauses its decision's reasons cite (read from the archived document).
    check(re.search(r'DSA-EX-01</a></th><td>[^<]*</td><td>[^<]*sharing\.approval[^<]*</td>', page)
          is not None, "the row shows the clauses of its reasons")
    st, page, _ = reader.get("/ui/search?clause=request.channel&decision=needs_review")
    check(st == 200 and "No record matches" in page, "a clause no reason cites finds nothing")
    for bad in ("from=2026-13-01", "decision=maybe", "before=x", "reviewer=dgc-chair&decision=allow",
                "agreement=" + "a" * 300):
        st, page, _ = reader.get("/ui/search?" + bad)
        check(st == 400 and 'role="alert"' in page, f"a bad search {bad[:30]}: {st}")
    st, _, _ = reader.get("/ui/queue/nobody")
    check(st == 404, "a queue for a body the pack does not name")
    st, _, _ = reader.get("/ui/decisions/../../etc/passwd")
    check(st == 404, "a decision id that is a path")

    # The queue gauges.
    st, metrics, _ = request("GET", "/metrics")
    check('steward_review_queue_length{body="commissioner"} 2' in metrics and
          'steward_review_queue_length{body="data_governance_committee"} 1' in metrics and
          'steward_review_queue_length{body="cphs"} 0' in metrics and
          'steward_review_queue_oldest_seconds{body="commissioner"}' in metrics,
          "queue lengths and ages in /metrics")
    check('route="/ui/"' in metrics, "the pages count under one route")

    # The whole chain verifies, from the page.
    st, page, _ = reader.get("/ui/verify")
    check(st == 200 and "the chain verifies" in page, f"the verify page: {st}")

    # A review record forged into the database whose decision id carries a header: not a redirect.
    import sqlite3
    db = sqlite3.connect(os.path.join(tmp, "a.db"))
    doc = json.dumps({"decision": "review", "agreement": "X", "review": {
        "decision_id": "d-1\r\nSet-Cookie: pwned=1", "body": "cphs", "verdict": "approve",
        "note": "", "reviewer": "x"}})
    db.execute("INSERT INTO decisions VALUES (100000, 'r-forged', '2026-01-01T00:00:00Z', 'X', "
               "'sha256:0', '', 'p', 'v', 'd', 'review', ?, 'x', 'h', 'h')", (doc,))
    db.commit()
    db.close()
    st, _, r = reader.get("/ui/decisions/r-forged")
    check(st == 404 and r.getheader("Set-Cookie") is None and r.getheader("Location") is None,
          f"a forged review's decision id never reaches a header: {st}")
    # Every page by who asks: no session, a reader, a reviewer.
    pages = ["/ui/", "/ui/search", "/ui/queue/commissioner", "/ui/decisions/" + did]
    for who, browser, expected in (("nobody", Browser(), 303), ("reader", reader, 200), ("dgc-chair", dgc, 200)):
        for path in pages:
            st, _, _ = browser.get(path)
            check(st == expected, f"GET {path} as {who}: {st}, expected {expected}")
    # Signing out needs the form token too.
    st, _, _ = reader.post("/ui/signout", {"csrf": "0" * 64})
    check(st == 403 and reader.get("/ui/")[0] == 200, f"a sign-out without the form token: {st}")
    # Signing out ends the session on the server, not only in the browser.
    kept = reader.cookie
    st, page, _ = reader.get("/ui/")
    st, _, r = reader.post("/ui/signout", {"csrf": csrf_of(page)})
    check(st == 303 and "Max-Age=0" in (r.getheader("Set-Cookie") or ""), "sign-out clears the cookie")
    stale = Browser()
    stale.cookie = kept
    check(stale.get("/ui/")[0] == 303, "the old cookie no longer opens a page")
finally:
    proc.terminate()
    proc.wait(timeout=10)
    shutil.rmtree(tmp, ignore_errors=True)

if failures:
    print(f"{len(failures)} failures")
    sys.exit(1)
print("ok")
