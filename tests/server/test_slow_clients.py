#!/usr/bin/env python3
"""Slow, idle and oversized clients against `steward serve` (issue 14): with 1,000 slow or idle
connections open, a well-formed request is answered within one second; every request dimension
is bounded; the deadlines close what does not finish.

  test_slow_clients.py <steward binary> <source dir>
"""
import http.client
import json
import os
import re
import resource
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

STEWARD, SRC = sys.argv[1], sys.argv[2]
PACK = os.path.join(SRC, "policies/dcf-5-4")
with open(os.path.join(SRC, "bench/json/01-compliant-allow.json"), "rb") as f:
    AGREEMENT = f.read()
failures = []


def check(cond, what):
    print("ok  " if cond else "FAIL", what)
    if not cond:
        failures.append(what)


# Each connection is a descriptor on both ends.
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 8192)), hard))
NOFILE = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
IDLE = min(1000, NOFILE // 2 - 200)
if IDLE < 1000:
    print(f"note: the descriptor limit ({NOFILE}) allows {IDLE} idle connections, not 1,000")


class Server:
    def __init__(self, *args):
        self.proc = subprocess.Popen([STEWARD, "serve", "--listen", "127.0.0.1:0", "-q", "--no-archive",
                                      "--policy", PACK, *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if "://" not in line:
            raise RuntimeError(f"server did not start: {line} {self.proc.stderr.read()}")
        self.base = line.strip().split(" on ")[-1]
        self.port = int(self.base.rsplit(":", 1)[1])

    def rss_kb(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def metric(self, name):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        c.request("GET", "/metrics")
        text = c.getresponse().read().decode()
        c.close()
        for line in text.splitlines():
            if line.startswith(name + " "):
                return float(line.split()[-1])
        return None

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            check(False, "the server stops within 15 s of SIGTERM with slow clients connected")


def probe(port, context=None):
    """One evaluate on a fresh connection: (status, seconds)."""
    t = time.monotonic()
    try:
        if context:
            c = http.client.HTTPSConnection("127.0.0.1", port, timeout=5, context=context)
        else:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        c.request("POST", "/v1/evaluate", AGREEMENT, {"Content-Type": "application/json"})
        r = c.getresponse()
        r.read()
        c.close()
        return r.status, time.monotonic() - t
    except OSError as e:
        return str(e), time.monotonic() - t


def connect(port, source="127.0.0.1"):
    s = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(source, 0))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")  # reset at close
    return s


def closed_within(sock, seconds):
    """Whether the server closes `sock` within `seconds` (reading and discarding any answer)."""
    sock.settimeout(0.1)
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        try:
            if sock.recv(65536) == b"":
                return True
        except socket.timeout:
            continue
        except OSError:
            return True
    return False


def raw(port, data, read_all=True):
    """Sends `data` on a fresh connection; returns what the server answers before closing."""
    s = connect(port)
    try:
        s.sendall(data)
    except OSError:
        pass
    s.settimeout(5)
    out = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
            if not read_all:
                break
    except OSError:
        pass
    s.close()
    return out


class Trickle:
    """Keeps sockets busy by sending one byte each every `period` seconds."""

    def __init__(self, socks, byte=b"X", period=0.3):
        self.socks, self.byte, self.period = socks, byte, period
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop.wait(self.period):
            for s in self.socks:
                try:
                    s.send(self.byte)
                except OSError:
                    pass

    def close(self):
        self.stop.set()
        self.thread.join()
        for s in self.socks:
            s.close()


def trickled_until_closed(sock, byte):
    """Sends `byte` every 0.2 s until the server closes `sock` (at most 4 s): (closed, seconds)."""
    t = time.monotonic()
    trickle = Trickle([sock], byte, period=0.2)
    gone = closed_within(sock, 4)
    took = time.monotonic() - t
    trickle.stop.set()
    trickle.thread.join()
    return gone, took


def probes_answer(port, what, n=7, context=None):
    results = [probe(port, context) for _ in range(n)]
    slow = [r for r in results if r[0] != 200 or r[1] >= 1.0]
    check(not slow, f"{what}: {n} well-formed requests each answered 200 within 1 s "
                    f"(worst {max(r[1] for r in results):.3f} s; {slow[:3]})")


# --- 1,000 idle, 200 slowloris and 100 slow bodies open at once ------------------------------
s = Server("--max-connections-per-client", "5000")
try:
    idle = [connect(s.port) for _ in range(IDLE)]
    loris = [connect(s.port) for _ in range(200)]
    for c in loris:
        c.sendall(b"POST /v1/evaluate HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
    bodies = [connect(s.port) for _ in range(100)]
    for c in bodies:
        c.sendall(b"POST /v1/evaluate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 100000\r\n\r\n{")
    trickles = [Trickle(loris, b"a"), Trickle(bodies, b" ")]
    time.sleep(0.3)
    opened = s.metric("steward_connections_open")
    check(opened is not None and opened >= IDLE + 300,
          f"the server holds {IDLE} idle, 200 slowloris and 100 slow-body connections ({opened})")
    probes_answer(s.port, f"with {IDLE + 300} slow or idle connections open")
    for t in trickles:
        t.close()
    for c in idle:
        c.close()
finally:
    s.stop()

# --- the default per-address limit: the oldest waiting connections make room -----------------
s = Server()
try:
    idle = [connect(s.port) for _ in range(IDLE)]
    time.sleep(0.3)
    probes_answer(s.port, f"{IDLE} idle connections from the prober's own address")
    opened, evicted = s.metric("steward_connections_open"), s.metric(
        'steward_connections_closed_total{reason="evicted"}')
    check(opened is not None and opened <= 256 + 8, f"at most 256 connections per address stay open ({opened})")
    check(evicted is not None and evicted >= IDLE - 256, f"the oldest idle ones were closed to make room ({evicted})")
    check(closed_within(idle[0], 2), "the oldest idle connection was closed")
    for c in idle:
        c.close()
finally:
    s.stop()

# --- limits are per address: one address's flood closes only its own connections ----------------
s = Server("--max-connections-per-client", "50")
try:
    neighbour = [connect(s.port, "127.0.0.3") for _ in range(40)]
    flood = [connect(s.port, "127.0.0.2") for _ in range(300)]
    time.sleep(0.3)
    probes_answer(s.port, "beside 300 connections from another address")
    check(not any(closed_within(c, 0.01) for c in neighbour),
          "a flood from 127.0.0.2 closes none of 127.0.0.3's 40 connections")
    check(closed_within(flood[0], 2) and not closed_within(flood[-1], 0.01),
          "it closes its own oldest, not its newest")
    for c in neighbour + flood:
        c.close()
finally:
    s.stop()

s = Server("--max-connections", "100")
try:
    flood = [connect(s.port, "127.0.0.2") for _ in range(200)]
    time.sleep(0.3)
    opened = s.metric("steward_connections_open")
    check(opened is not None and opened <= 101, f"--max-connections 100 holds ({opened} open)")
    probes_answer(s.port, "with --max-connections reached by another address")
    for c in flood:
        c.close()
finally:
    s.stop()

# --- deadlines ----------------------------------------------------------------------------------
s = Server("--header-timeout-ms", "1000", "--idle-timeout-ms", "500", "--body-timeout-ms", "1000")
try:
    loris = connect(s.port)
    loris.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    gone, took = trickled_until_closed(loris, b"X-A: b\r\n")
    check(gone and 0.5 <= took < 3, f"a header trickled in forever is cut off at --header-timeout-ms ({took:.2f} s)")
    loris.close()

    body = connect(s.port)
    body.sendall(b"POST /v1/evaluate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 1000\r\n\r\n{")
    gone, took = trickled_until_closed(body, b" ")
    check(gone and 0.5 <= took < 3, f"a body trickled in forever is cut off at --body-timeout-ms ({took:.2f} s)")
    body.close()

    kept = connect(s.port)
    kept.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    kept.settimeout(5)
    first = kept.recv(65536)
    t = time.monotonic()
    gone = closed_within(kept, 4)
    took = time.monotonic() - t
    check(first.startswith(b"HTTP/1.1 200") and gone and 0.3 <= took < 2.5,
          f"a kept-alive connection without a new request is closed at --idle-timeout-ms ({took:.2f} s)")
    kept.close()

    silent = connect(s.port)
    check(closed_within(silent, 3), "a connection that never sends a byte is closed at --header-timeout-ms")
    silent.close()
finally:
    s.stop()

# --- every request dimension is bounded ---------------------------------------------------------
s = Server("--max-body", "4000")
try:
    rss = s.rss_kb()
    answer = raw(s.port, b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-A: b\r\n" * 3000 + b"\r\n")
    check(answer.startswith(b"HTTP/1.1 431"), f"24 KB of headers: 431 ({answer[:40]!r})")

    # Two million headers (30 MB) cost no more than the header limit.
    big = connect(s.port)
    big.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    sent = 0
    try:
        chunk = b"X-A: b\r\n" * 8192
        while sent < 30_000_000:
            big.sendall(chunk)
            sent += len(chunk)
    except OSError:
        pass
    big.close()
    grown = s.rss_kb() - rss
    check(sent < 30_000_000 and grown < 50_000,
          f"two million headers are cut off at the limit (sent {sent} bytes, RSS grew {grown} KB)")

    answer = raw(s.port, b"POST /v1/evaluate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 1000000000000\r\n\r\n")
    check(answer.startswith(b"HTTP/1.1 413"), f"Content-Length past --max-body: 413 before any body ({answer[:40]!r})")
    answer = raw(s.port, b"POST /v1/evaluate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                         b"Transfer-Encoding: chunked\r\n\r\n" + b"1000\r\n" + b" " * 4096 + b"\r\n")
    check(answer.startswith(b"HTTP/1.1 411"), f"a chunked body: 411 ({answer[:40]!r})")
    answer = raw(s.port, b"GET /openapi.json HTTP/1.1\r\nHost: 127.0.0.1\r\nRange: bytes=0-1,0-1,0-1\r\n\r\n", False)
    check(answer.startswith(b"HTTP/1.1 416"), f"a Range header: 416 ({answer[:40]!r})")
    answer = raw(s.port, b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    check(answer.startswith(b"HTTP/1.1 431"), f"a 20 KB request target: 431 ({answer[:40]!r})")
    answer = raw(s.port, b"POST /v1/evaluate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 2\r\nContent-Length: 40\r\n\r\n{}GET /v1/policy HTTP/1.1\r\n\r\n")
    check(answer.startswith(b"HTTP/1.1 400") and answer.count(b"Server: steward") == 1,
          f"two Content-Lengths (request smuggling): 400 and the connection ends ({answer[:40]!r})")
    answer = raw(s.port, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\0" * 100)
    check(answer.startswith(b"HTTP/1.1 400"), f"bytes that are not HTTP: 400 ({answer[:40]!r})")

    # Expect: 100-continue, as curl sends it for bodies over 1 KiB.
    c = connect(s.port)
    c.sendall(b"POST /v1/evaluate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
              + f"Content-Length: {len(AGREEMENT)}\r\nExpect: 100-continue\r\n\r\n".encode())
    c.settimeout(5)
    interim = c.recv(65536)
    c.sendall(AGREEMENT)
    final = c.recv(65536)
    check(interim.startswith(b"HTTP/1.1 100") and final.startswith(b"HTTP/1.1 200"),
          f"Expect: 100-continue gets 100, then the decision ({interim[:20]!r}, {final[:20]!r})")
    c.close()

    # Two pipelined requests are answered in order on the same connection.
    answer = raw(s.port, b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                         b"GET /nope HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    check(answer.count(b"HTTP/1.1 ") == 2 and answer.index(b"200 OK") < answer.index(b"404"),
          "pipelined requests are answered in order")

    # A client that sends many requests and never reads the answers holds one connection only.
    greedy = connect(s.port)
    try:
        greedy.sendall(b"GET /openapi.json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" * 2000)
    except OSError:
        pass
    probes_answer(s.port, "beside a client that never reads its answers")
    greedy.close()
    check(s.rss_kb() - rss < 100_000, f"the server's memory stays bounded ({s.rss_kb() - rss} KB more)")
finally:
    s.stop()

# --- Memory for bodies: bounded in total and per address, not connections x --max-body ----------
def probe_from(port, source, body=AGREEMENT, headers=None):
    """One evaluate from `source` (a loopback address): (status, Retry-After)."""
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5, source_address=(source, 0))
        c.request("POST", "/v1/evaluate", body, headers or {"Content-Type": "application/json"})
        r = c.getresponse()
        r.read()
        c.close()
        return r.status, r.getheader("Retry-After")
    except OSError as e:
        return str(e), None


def slow_body(port, source, length, sent):
    """A connection from `source` that declares `length` body bytes and sends `sent` of them."""
    c = connect(port, source)
    c.sendall(b"POST /v1/evaluate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
              + f"Content-Length: {length}\r\n\r\n".encode())
    try:
        c.sendall(b" " * sent)
    except OSError:
        pass
    return c


s = Server("--max-body", "65536", "--max-body-per-client", "262144", "--max-body-total", "524288",
           "--max-connections-per-client", "5000")
try:
    one = [slow_body(s.port, "127.0.0.1", 65536, 100) for _ in range(4)]
    time.sleep(0.3)
    check(s.metric("steward_request_body_bytes") == 4 * 65536,
          f"four slow bodies of 64 KiB hold 256 KiB ({s.metric('steward_request_body_bytes')})")
    status, retry = probe_from(s.port, "127.0.0.1")
    check(status == 503 and retry == "1",
          f"a body past one address's share is 503 with Retry-After ({status}, {retry})")
    check(probe_from(s.port, "127.0.0.2")[0] == 200, "another address still gets its answer")
    two = [slow_body(s.port, "127.0.0.2", 65536, 100) for _ in range(4)]
    time.sleep(0.3)
    status, _ = probe_from(s.port, "127.0.0.3")
    check(status == 503, f"a body past the server's total is 503 ({status})")
    refused = s.metric("steward_request_bodies_refused_total")
    check(refused is not None and refused >= 2, f"refused bodies are counted ({refused})")
    probe_get = http.client.HTTPConnection("127.0.0.1", s.port, timeout=5)
    probe_get.request("GET", "/healthz")
    check(probe_get.getresponse().status == 200, "requests without a body are still answered")
    probe_get.close()
    for c in one + two:
        c.close()
    until = time.monotonic() + 5
    while time.monotonic() < until and s.metric("steward_request_body_bytes") != 0:
        time.sleep(0.1)
    check(s.metric("steward_request_body_bytes") == 0, "closed connections give their bodies back")
    check(probe_from(s.port, "127.0.0.1")[0] == 200, "and the first address is answered again")

    # Bodies larger than a connection's read reserve (8 KiB) and smaller ones, pipelined on one
    # kept-alive connection: each is answered, in order, with the same decision.
    def post(body, close=False):
        return (b"POST /v1/evaluate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + f"Content-Length: {len(body)}\r\n".encode()
                + (b"Connection: close\r\n" if close else b"") + b"\r\n" + body)
    big = AGREEMENT + b" " * 20000
    answer = raw(s.port, post(big) + post(AGREEMENT) + post(big) + post(AGREEMENT, close=True))
    outcomes = re.findall(rb'"decision": ?"(\w+)"', answer)
    check(answer.count(b"HTTP/1.1 200") == 4 and len(outcomes) == 4 and len(set(outcomes)) == 1,
          f"large and small bodies pipelined on one connection: four answers ({outcomes}, {answer[:120]!r})")
finally:
    s.stop()

# Nearly whole bodies that stall: without a bound, 100 of them held 90 MB.
s = Server("--max-body-per-client", "2097152", "--max-body-total", "8388608",
           "--max-connections-per-client", "5000")
try:
    rss = s.rss_kb()
    stalled = [slow_body(s.port, f"127.0.0.{10 + i % 10}", 1_000_000, 900_000) for i in range(100)]
    time.sleep(0.5)
    grew = s.rss_kb() - rss
    check(grew < 40_000, f"100 stalled bodies of 900 KB cost the server {grew} KB (bound: 8 MiB of bodies)")
    refused = s.metric("steward_request_bodies_refused_total")
    check(refused is not None and refused >= 90, f"past the bound they are refused ({refused})")
    probes_answer(s.port, "beside 100 stalled bodies")
    for c in stalled:
        c.close()
finally:
    s.stop()

# --- TLS: connections that never finish a handshake -----------------------------------------
if shutil.which("openssl"):
    certdir = tempfile.mkdtemp()
    cert, key = os.path.join(certdir, "c.pem"), os.path.join(certdir, "k.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    s = Server("--tls-cert", cert, "--tls-key", key, "--max-connections-per-client", "5000")
    try:
        ctx = ssl.create_default_context(cafile=cert)
        stalled = [connect(s.port) for _ in range(300)]
        for c in stalled[:150]:
            c.sendall(b"\x16\x03\x01")  # the start of a ClientHello, never finished
        probes_answer(s.port, "over TLS beside 300 stalled handshakes", context=ctx)
        for c in stalled:
            c.close()
    finally:
        s.stop()
        shutil.rmtree(certdir)

print(f"{'0 failed' if not failures else f'{len(failures)} failed'}")
sys.exit(1 if failures else 0)
