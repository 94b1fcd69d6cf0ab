"""The Python package over the C API: compile, decide, refuse, batch on threads, bundles.
Run by ctest as `python3 -m pytest tests/python` with STEWARD_LIBRARY set."""
import datetime
import glob
import io
import json
import os
import subprocess

import pytest
import yaml

import steward

SRC = os.environ.get("STEWARD_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
PACK = os.path.join(SRC, "policies", "dcf-5-4")
EXAMPLES = os.path.join(PACK, "examples", "agreements")


@pytest.fixture(scope="module")
def pack():
    with steward.Pack.compile(PACK) as p:
        yield p


def example(name):
    return open(os.path.join(EXAMPLES, name)).read()


def test_compile_gives_a_pack(pack):
    assert pack.name == "dcf-5-4"
    assert pack.digest.startswith("sha256:")
    assert steward.library_version()


def test_allowed_and_denied_examples(pack):
    d = pack.evaluate(example("01-compliant-allow.yaml"), as_of="2026-03-01")
    assert d.outcome == "allow" and d.reasons == ()
    d = pack.evaluate(example("14-aggregate-threshold-9-deny.yaml"), as_of=datetime.date(2026, 3, 1))
    assert d.outcome == "deny"
    assert [r.clause for r in d.reasons] == ["data.suppression"]
    assert d.reasons[0].evidence[0]["path"] == "data.suppression.threshold"
    assert d.as_of == "2026-03-01"


def test_every_example_matches_its_expected_decision(pack):
    # The same expectations the CLI's case corpus checks, through the library.
    for path in sorted(glob.glob(os.path.join(EXAMPLES, "*.yaml"))):
        want = os.path.basename(path).rsplit("-", 1)[-1].split(".")[0]
        want = {"review": "needs_review"}.get(want, want)
        assert pack.evaluate(open(path).read(), as_of="2026-03-01").outcome == want, path


def test_a_dict_is_sent_as_json(pack):
    doc = yaml.safe_load(example("14-aggregate-threshold-9-deny.yaml"))
    doc = json.loads(json.dumps(doc, default=str))
    assert pack.evaluate(doc, as_of="2026-03-01").outcome == "deny"


def test_refused_agreements_raise_with_every_error(pack):
    with pytest.raises(steward.InputError) as e:
        pack.evaluate("id: x\n", file="x.yaml")
    codes = {x["code"] for x in e.value.errors}
    assert "input.missing-key" in codes and len(e.value.errors) >= 3
    assert all(x.get("line") for x in e.value.errors)
    with pytest.raises(steward.InputError):
        pack.evaluate(b"id: \xff\n")
    with pytest.raises(steward.InputError) as e:
        pack.evaluate(example("01-compliant-allow.yaml"), as_of="2026-02-30")
    assert "as_of" in str(e.value)


def test_a_pack_that_does_not_compile(tmp_path):
    (tmp_path / "pack.yaml").write_text("name: x\nversion: \"1\"\nmodules: [p.policy]\n")
    (tmp_path / "p.policy").write_text("document D { id: strin }\n")
    with pytest.raises(steward.PackError) as e:
        steward.Pack.compile(tmp_path)
    assert any(x["code"].startswith("check.") and x.get("line") == 1 for x in e.value.errors)


def test_parameters_override(pack):
    strict = steward.Pack.compile(PACK, params={"min_cell_size": 11})
    text = example("13-aggregate-threshold-10-allow.yaml")
    assert pack.evaluate(text, as_of="2026-03-01").outcome == "allow"
    assert strict.evaluate(text, as_of="2026-03-01").outcome == "deny"
    with pytest.raises(steward.PackError):
        steward.Pack.compile(PACK, params={"min_cell_size": "lots"})


def test_batch_on_threads_keeps_order(pack):
    texts = [example(os.path.basename(p)) for p in sorted(glob.glob(os.path.join(EXAMPLES, "*.yaml")))]
    items = texts * 20 + ["id: broken\n"]
    got = pack.evaluate_many(items, as_of="2026-03-01", threads=4)
    assert len(got) == len(items)
    one = [pack.evaluate(t, as_of="2026-03-01").outcome for t in texts]
    assert [d.outcome for d in got[:len(texts)]] == one
    assert isinstance(got[-1], steward.InputError)


def test_batch_is_one_call_and_matches_single_decisions(pack):
    texts = [example(os.path.basename(p)) for p in sorted(glob.glob(os.path.join(EXAMPLES, "*.yaml")))]
    items = texts + [{"not": "an agreement"}, b"id: [\n"] + texts
    got = pack.evaluate_many(items, as_of="2026-03-01", threads=2, batch=7)
    assert len(got) == len(items)
    for item, d in zip(texts, got[:len(texts)]):
        one = pack.evaluate(item, as_of="2026-03-01")
        assert (d.outcome, [r.rule for r in d.reasons]) == (one.outcome, [r.rule for r in one.reasons])
    assert isinstance(got[len(texts)], steward.InputError) and got[len(texts)].errors
    assert isinstance(got[len(texts) + 1], steward.InputError)
    assert [d.outcome for d in got[-len(texts):]] == [d.outcome for d in got[:len(texts)]]
    assert pack.evaluate_many([]) == []


def test_bundles_load_only_with_their_key(tmp_path):
    steward_bin = os.environ.get("STEWARD_BIN")
    if not steward_bin:
        pytest.skip("STEWARD_BIN not set")
    key = tmp_path / "k.pem"
    subprocess.run([steward_bin, "keygen", str(key)], check=True, capture_output=True)
    bundle = tmp_path / "dcf.bundle"
    subprocess.run([steward_bin, "build", PACK, "--sign-key", str(key), "-o", str(bundle)],
                   check=True, capture_output=True)
    loaded = steward.Pack.load_bundle(bundle, [str(key) + ".pub"])
    assert loaded.digest == steward.Pack.compile(PACK).digest
    other = tmp_path / "other.pem"
    subprocess.run([steward_bin, "keygen", str(other)], check=True, capture_output=True)
    with pytest.raises(steward.PackError):
        steward.Pack.load_bundle(bundle, [str(other) + ".pub"])


def test_a_closed_pack_refuses():
    p = steward.Pack.compile(PACK)
    p.close()
    with pytest.raises(ValueError):
        p.evaluate("id: x\n")


def _pandas():
    # Under CI=true pandas must be there (install-deps.sh installs it): no silent skip.
    if os.environ.get("CI") == "true":
        import pandas
        return pandas
    return pytest.importorskip("pandas")


COUNTS = ("region,gender,count\nA,male,3\nA,female,17\nB,male,14\nB,female,19\n"
          "C,male,12\nC,female,10\n")


def test_scan_text_path_and_dataframe(pack, tmp_path):
    data = "case_number,ssn,note\nC100007,141-57-9111,ok\nC100014,432-52-2178,ok\n"
    from_text = pack.scan(data, name="extract.csv")
    assert from_text.rows == 2 and from_text.columns == ["case_number", "ssn", "note"]
    assert any(f["column"] == "ssn" for f in from_text.findings)
    assert "141-57-9111" not in json.dumps(from_text.document)
    path = tmp_path / "extract.csv"
    path.write_text(data)
    assert pack.scan(path).findings == from_text.findings
    # A str is the data, never a path: text from an untrusted caller must not make the library
    # read a local file and report its first line as column names.
    named = pack.scan(str(path))
    assert named.rows == 0 and named.columns == [str(path)] and not named.findings
    secret = tmp_path / "secret.csv"
    secret.write_text("hidden_header_a,hidden_header_b\nx,y\n")
    assert "hidden_header" not in json.dumps(pack.scan(str(secret)).document)
    with pytest.raises(steward.InputError) as refused:
        pack.suppress(str(secret))
    assert "hidden_header" not in str(refused.value) + json.dumps(refused.value.errors)
    pandas = _pandas()
    frame = pandas.DataFrame({"case_number": ["C100007", "C100014"],
                              "ssn": ["141-57-9111", "432-52-2178"], "note": ["ok", "ok"]})
    assert pack.scan(frame).findings == from_text.findings
    with pytest.raises(steward.InputError) as refused:
        pack.scan("a,b\n1,2,3\n", format="csv")
    assert refused.value.errors[0]["line"] == 2 and refused.value.report is not None


def test_suppress_text_and_dataframe(pack):
    out = pack.suppress(COUNTS)
    assert "A,male,*" in out.table and "A,male,3" not in out.table
    assert out.primary and out.secondary and out.report["audit"]
    pandas = _pandas()
    frame = pandas.read_csv(io.StringIO(COUNTS))
    protected = pack.suppress(frame)
    assert isinstance(protected.table, pandas.DataFrame)
    row = protected.table[(protected.table.region == "A") & (protected.table.gender == "male")]
    assert list(row["count"]) == ["*"]
    assert protected.primary == out.primary
    with pytest.raises(steward.InputError) as refused:
        pack.suppress("region,count\nA,many\n")
    assert refused.value.errors[0]["line"] == 2
