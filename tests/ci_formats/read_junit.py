#!/usr/bin/python3
"""Reads steward's JUnit XML with junitparser (a JUnit XML library) and checks its shape.

  read_junit.py <report.xml> <expected cases> <expected failures> [<expected errors>]
"""
import sys

from junitparser import Error, Failure, JUnitXml

xml = JUnitXml.fromfile(sys.argv[1])
cases = failures = errors = 0
for suite in xml:
    for case in suite:
        cases += 1
        for r in case.result:
            if isinstance(r, Failure):
                failures += 1
                assert r.message, f"failure without a message in {case.name}"
            elif isinstance(r, Error):
                errors += 1
print(f"junitparser read {cases} test cases, {failures} failures, {errors} errors")
want = [int(x) for x in sys.argv[2:]]
got = [cases, failures, errors][: len(want)]
sys.exit(0 if got == want else 1)
