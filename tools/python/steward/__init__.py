"""steward for Python: decide data sharing agreements against a policy pack.

A thin layer over the C API (libsteward.so, docs/c-api.md) through ctypes, which releases the
GIL during each call, so `Pack.evaluate_many` decides on several threads at once.

    import steward
    pack = steward.Pack.compile("policies/dcf-5-4")
    decision = pack.evaluate(open("agreement.yaml").read(), as_of="2026-03-01")
    print(decision.outcome, [r.clause for r in decision.reasons])

The library is found from STEWARD_LIBRARY (a path to libsteward.so), else next to this package,
else by the system's loader.
"""
from __future__ import annotations

import ctypes
import datetime
import json
import os
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional, Union

__all__ = ["Pack", "Decision", "Reason", "StewardError", "PackError", "InputError", "library_version"]

_OK, _INVALID, _INTERNAL = 0, 2, 4
_OUTCOMES = {0: "allow", 1: "deny", 3: "needs_review"}


class StewardError(Exception):
    """A refusal or failure of steward, with every error it reported (dicts: code, message,
    and where known file, line, column, path)."""

    def __init__(self, message: str, errors: list[dict]):
        super().__init__(message)
        self.errors = errors


class PackError(StewardError):
    """The pack or bundle does not compile or load; `errors` are its diagnostics."""


class InputError(StewardError):
    """The agreement was refused (never a decision); `errors` are its located input errors, or
    the evaluation error (`eval.budget`, `eval.range`)."""


class _Options(ctypes.Structure):
    _fields_ = [("size", ctypes.c_size_t), ("as_of", ctypes.c_char_p),
                ("format", ctypes.c_char_p), ("file", ctypes.c_char_p)]


def _load() -> ctypes.CDLL:
    # A library the caller names is the only one tried: its own error is the useful one.
    named = os.environ.get("STEWARD_LIBRARY", "")
    candidates = [named] if named else [os.path.join(os.path.dirname(__file__), "libsteward.so"),
                                        "libsteward.so.1"]
    last = None
    for c in candidates:
        if not c:
            continue
        try:
            lib = ctypes.CDLL(c)
            break
        except OSError as e:
            last = e
    else:
        raise OSError(f"libsteward.so not found (set STEWARD_LIBRARY): {last}")
    p, cp, sz = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t
    out = ctypes.POINTER(ctypes.c_void_p)
    lib.steward_version.restype = cp
    lib.steward_api_version.restype = ctypes.c_int
    lib.steward_pack_compile.argtypes = [cp, ctypes.POINTER(cp), ctypes.POINTER(p), out]
    lib.steward_pack_compile.restype = ctypes.c_int
    lib.steward_pack_load_bundle.argtypes = [cp, sz, ctypes.POINTER(cp), ctypes.POINTER(p), out]
    lib.steward_pack_load_bundle.restype = ctypes.c_int
    lib.steward_pack_free.argtypes = [p]
    for name in ("steward_pack_digest", "steward_pack_name", "steward_pack_version"):
        getattr(lib, name).argtypes = [p]
        getattr(lib, name).restype = cp
    lib.steward_evaluate.argtypes = [p, cp, sz, ctypes.POINTER(_Options),
                                     ctypes.POINTER(ctypes.c_int), out]
    lib.steward_evaluate.restype = ctypes.c_int
    lib.steward_evaluate_batch.argtypes = [p, ctypes.POINTER(cp), ctypes.POINTER(sz), sz,
                                           ctypes.POINTER(_Options), ctypes.c_int,
                                           ctypes.POINTER(ctypes.c_int), out]
    lib.steward_evaluate_batch.restype = ctypes.c_int
    lib.steward_scan.argtypes = [p, cp, sz, cp, cp, out]
    lib.steward_scan.restype = ctypes.c_int
    lib.steward_suppress.argtypes = [p, cp, sz, cp, out, out]
    lib.steward_suppress.restype = ctypes.c_int
    lib.steward_free.argtypes = [p]
    if lib.steward_api_version() != 1:
        raise OSError(f"libsteward.so speaks C API {lib.steward_api_version()}, this package 1")
    return lib


_lib = _load()


def library_version() -> str:
    return _lib.steward_version().decode()


def _take(ptr: ctypes.c_void_p) -> str:
    """The text of a string the library returned, released."""
    if not ptr.value:
        return ""
    try:
        return ctypes.string_at(ptr.value).decode("utf-8")
    finally:
        _lib.steward_free(ptr)


def _strings(items: Iterable[str]):
    values = [s.encode() for s in items]
    arr = (ctypes.c_char_p * (len(values) + 1))(*values, None)
    return arr


@dataclass(frozen=True)
class Reason:
    outcome: str
    clause: str
    rule: str
    message: str
    citation: str = ""
    reviewers: tuple = ()
    evidence: tuple = ()  # dicts: path, line, column


@dataclass(frozen=True)
class Decision:
    outcome: str  # allow | deny | needs_review
    agreement: str
    reasons: tuple
    reviewers: tuple
    as_of: str
    policy: dict
    document: dict = field(repr=False)  # the whole decision JSON, as `steward eval -f json`

    @staticmethod
    def _from(doc: dict) -> "Decision":
        reasons = tuple(Reason(r["outcome"], r["clause"], r["rule"], r["message"], r.get("citation", ""),
                               tuple(r.get("reviewers", [])), tuple(r.get("evidence", [])))
                        for r in doc.get("reasons", []))
        return Decision(doc["decision"], doc.get("agreement", ""), reasons, tuple(doc.get("reviewers", [])),
                        doc.get("as_of", ""), doc.get("policy", {}), doc)


class ScanReport:
    """What `steward scan` reports on one data file: its columns and row count, and each finding
    (column, category, how it was found, how many rows, the first row numbers). Never a value."""

    def __init__(self, document: dict):
        self.document = document
        self.file: str = document.get("file", "")
        self.columns: list = document.get("columns", [])
        self.rows: int = document.get("rows", 0)
        self.findings: list = document.get("findings", [])
        self.errors: list = document.get("errors", [])

    def __repr__(self) -> str:
        return f"ScanReport({self.file!r}: {self.rows} rows, {len(self.findings)} findings)"


class Suppressed:
    """A protected table: `table` in the form it was given (a DataFrame for a DataFrame, CSV
    text otherwise), with suppressed cells marked; `report` as `steward suppress --report`."""

    def __init__(self, table: Any, report: dict):
        self.table = table
        self.report = report
        self.primary: list = report.get("primary", [])
        self.secondary: list = report.get("secondary", [])


def _refused(status: int, where: str, errors: list) -> StewardError:
    """The exception for a call the library refused: InputError for refused input (every located
    error in `.errors`), StewardError when the library itself failed."""
    first = errors[0] if errors else {"message": "refused"}
    cls = InputError if status == _INVALID else StewardError
    return cls(f"{where}: {first.get('code', '')}: {first.get('message')}", errors)


def _data_text(data: Any, name: Optional[str], default: str) -> "tuple[bytes, str, bool]":
    """The bytes of a DataFrame (as CSV), a path, CSV text or bytes; the name to report them
    under; whether it was a DataFrame. Only an os.PathLike is read as a file: a str is always
    the data itself, so text from an untrusted caller can never make the library read a local
    file (a one-line "/etc/passwd" is a one-column table with no rows)."""
    if hasattr(data, "to_csv"):  # a pandas DataFrame, without importing pandas here
        return data.to_csv(index=False).encode("utf-8"), name or default, True
    if isinstance(data, os.PathLike):
        path = os.fspath(data)
        with open(path, "rb") as f:
            return f.read(), name or path, False
    if isinstance(data, str):
        return data.encode("utf-8"), name or default, False
    return bytes(data), name or default, False


class Pack:
    """A compiled policy pack. Immutable; safe to share between threads."""

    def __init__(self, handle: int):
        self._handle = ctypes.c_void_p(handle)

    @staticmethod
    def _made(status: int, handle: ctypes.c_void_p, diags: ctypes.c_void_p, what: str) -> "Pack":
        errors = json.loads(_take(diags) or "[]")
        if status != _OK:
            first = next((e for e in errors if e.get("severity") == "error"), {"message": "failed"})
            raise PackError(f"{what}: {first.get('message')}", errors)
        pack = Pack(handle.value)
        pack.warnings = [e for e in errors if e.get("severity") == "warning"]
        return pack

    @staticmethod
    def compile(path: Union[str, os.PathLike], params: Optional[dict] = None) -> "Pack":
        """Compiles the pack in directory `path`; `params` overrides its parameters."""
        handle, diags = ctypes.c_void_p(), ctypes.c_void_p()
        arr = _strings(f"{k}={v}" for k, v in (params or {}).items())
        status = _lib.steward_pack_compile(os.fspath(path).encode(), arr, ctypes.byref(handle),
                                           ctypes.byref(diags))
        return Pack._made(status, handle, diags, os.fspath(path))

    @staticmethod
    def load_bundle(path: Union[str, os.PathLike], trust_keys: Iterable[Union[str, os.PathLike]]) -> "Pack":
        """Loads a signed bundle, verified against the public key files in `trust_keys`."""
        text = open(path, "rb").read()
        keys = _strings(open(k).read() for k in trust_keys)
        handle, diags = ctypes.c_void_p(), ctypes.c_void_p()
        status = _lib.steward_pack_load_bundle(text, len(text), keys, ctypes.byref(handle),
                                               ctypes.byref(diags))
        return Pack._made(status, handle, diags, os.fspath(path))

    def close(self) -> None:
        if self._handle:
            _lib.steward_pack_free(self._handle)
            self._handle = ctypes.c_void_p()

    def __del__(self):
        try:
            self.close()
        except Exception:  # interpreter shutdown
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def digest(self) -> str:
        return _lib.steward_pack_digest(self._handle).decode()

    @property
    def name(self) -> str:
        return _lib.steward_pack_name(self._handle).decode()

    @property
    def version(self) -> str:
        return _lib.steward_pack_version(self._handle).decode()

    def evaluate(self, agreement: Union[str, bytes, dict], as_of: Union[None, str, datetime.date] = None,
                 file: Optional[str] = None) -> Decision:
        """Decides one agreement: YAML or JSON text, or a dict (sent as JSON). Raises InputError
        with every located error when the agreement is refused; never returns a decision then."""
        if not self._handle:
            raise ValueError("the pack is closed")
        text = self._encode(agreement)
        fmt = b"json" if isinstance(agreement, dict) else None
        if isinstance(as_of, datetime.date):
            as_of = as_of.isoformat()
        options = _Options(ctypes.sizeof(_Options), as_of.encode() if as_of else None, fmt,
                           (file or "agreement").encode())
        outcome, out = ctypes.c_int(), ctypes.c_void_p()
        status = _lib.steward_evaluate(self._handle, text, len(text), ctypes.byref(options),
                                       ctypes.byref(outcome), ctypes.byref(out))
        doc = _take(out)
        if status == _OK:
            return Decision._from(json.loads(doc))
        parsed: Any = json.loads(doc) if doc else {}
        errors = parsed.get("errors", parsed) if isinstance(parsed, dict) else parsed
        raise _refused(status, file or "agreement", errors)

    def evaluate_many(self, agreements: Iterable[Union[str, bytes, dict]], as_of=None,
                      threads: int = 0, batch: int = 256) -> list:
        """Decides every agreement, in order, on `threads` threads of the library's own (default:
        one a CPU), `batch` agreements to a call: the GIL is released for each whole batch, and
        its decisions come back as one JSON array. Each item is a Decision or the InputError
        that refused it."""
        if not self._handle:
            raise ValueError("the pack is closed")
        if isinstance(as_of, datetime.date):
            as_of = as_of.isoformat()
        options = _Options(ctypes.sizeof(_Options), as_of.encode() if as_of else None, None, None)
        items = list(agreements)
        out_items: list = []
        for start in range(0, len(items), max(1, batch)):
            chunk = [self._encode(a) for a in items[start:start + max(1, batch)]]
            n = len(chunk)
            texts = (ctypes.c_char_p * n)(*chunk)
            lengths = (ctypes.c_size_t * n)(*[len(t) for t in chunk])
            outcomes = (ctypes.c_int * n)()
            out = ctypes.c_void_p()
            status = _lib.steward_evaluate_batch(self._handle, texts, lengths, n,
                                                 ctypes.byref(options), threads, outcomes,
                                                 ctypes.byref(out))
            doc = _take(out)
            if status not in (_OK, _INVALID):
                errors = json.loads(doc) if doc else []
                first = errors[0] if errors else {"message": "failed"}
                raise StewardError(f"batch: {first.get('message')}", errors)
            for k, parsed in enumerate(json.loads(doc)):
                if outcomes[k] >= 0:
                    out_items.append(Decision._from(parsed))
                else:
                    out_items.append(_refused(_INVALID, f"agreement {start + k}",
                                              parsed.get("errors", [])))
        return out_items

    def scan(self, data: Any, name: Optional[str] = None, format: Optional[str] = None) -> ScanReport:
        """Scans data for the identifiers the pack's scan plan names: a pandas DataFrame, a CSV,
        TSV or JSON Lines file's path (an os.PathLike such as pathlib.Path), or its text (a str
        or bytes, never opened as a path). Raises InputError (with `.report`) when the
        data cannot be read whole; the findings until then are in the report."""
        if not self._handle:
            raise ValueError("the pack is closed")
        text, name, _ = _data_text(data, name, "data.csv")
        out = ctypes.c_void_p()
        status = _lib.steward_scan(self._handle, text, len(text), name.encode(),
                                   format.encode() if format else None, ctypes.byref(out))
        doc = json.loads(_take(out) or "{}")
        if status == _OK:
            return ScanReport(doc)
        error = _refused(status, name, doc.get("errors", doc) if isinstance(doc, dict) else doc)
        error.report = ScanReport(doc) if isinstance(doc, dict) else None
        raise error

    def suppress(self, table: Any, name: Optional[str] = None) -> Suppressed:
        """Protects a table of counts by the pack's rules (`steward suppress`): a pandas
        DataFrame, a CSV file's path (an os.PathLike), or CSV text (a str is never a path).
        Returns the protected table in the same form (every column as text, so that suppressed
        cells keep their marker) and the report."""
        if not self._handle:
            raise ValueError("the pack is closed")
        text, name, frame = _data_text(table, name, "table.csv")
        out_table, out_report = ctypes.c_void_p(), ctypes.c_void_p()
        status = _lib.steward_suppress(self._handle, text, len(text), name.encode(),
                                       ctypes.byref(out_table), ctypes.byref(out_report))
        csv_text, report = _take(out_table), json.loads(_take(out_report) or "[]")
        if status != _OK:
            raise _refused(status, name, report if isinstance(report, list) else [report])
        if frame:
            import io
            import pandas  # the caller gave a DataFrame, so pandas is there
            return Suppressed(pandas.read_csv(io.StringIO(csv_text), dtype=str,
                                              keep_default_na=False), report)
        return Suppressed(csv_text, report)

    @staticmethod
    def _encode(agreement: Union[str, bytes, dict]) -> bytes:
        if isinstance(agreement, dict):
            return json.dumps(agreement).encode()
        if isinstance(agreement, str):
            return agreement.encode("utf-8")
        return bytes(agreement)
