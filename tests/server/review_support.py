"""What the review tests share (test_reviews.py, test_ui.py): the agreement that waits for
review, and failure collection."""
import os


def asked_agreement(pack):
    """A compliant agreement with the approvals typed in, as a proposer would forge them; its
    term starts in the future, so approvals recorded today still come before any data flows."""
    text = open(os.path.join(pack, "examples/agreements/01-compliant-allow.yaml"), "rb").read()
    for old, new in ((b"start: 2026-03-01", b"start: 2099-03-01"),
                     (b"end: 2027-02-28", b"end: 2100-02-28"), (b"2027-05-29", b"2100-05-29")):
        text = text.replace(old, new)
    return text


class Checks:
    """Collects failed checks, printing each, so one run reports them all."""

    def __init__(self):
        self.failures = []

    def __call__(self, cond, what):
        if not cond:
            self.failures.append(what)
            print("FAIL", what)
