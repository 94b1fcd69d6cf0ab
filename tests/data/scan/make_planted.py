#!/usr/bin/env python3
"""Writes planted.csv: every identifier kind the DCF pack's scan plan knows, each under its
plain column name and under a disguised one, beside clean columns of the same types. The scan
test (tests/unit/scan_test.cpp) expects exactly the findings listed in planted.expected, so the
figures in docs/disclosure.md (recall, false alarms) are the test's own. Fixed seed."""
import csv, random, sys

random.seed(5_4)
ROWS = 120


def ssn():
    while True:
        a, g, s = random.randint(1, 899), random.randint(1, 99), random.randint(1, 9999)
        if a != 666:
            return f"{a:03d}-{g:02d}-{s:04d}"


def vin():
    w = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]
    vals = dict(zip("ABCDEFGHJKLMNPRSTUVWXYZ", [1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9, 2, 3, 4, 5, 6, 7, 8, 9]))
    chars = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
    while True:
        v = [random.choice(chars) for _ in range(17)]
        v[0] = "1"
        v[1] = "H"
        total = sum((int(c) if c.isdigit() else vals[c]) * w[i] for i, c in enumerate(v) if i != 8)
        check = total % 11
        v[8] = "X" if check == 10 else str(check)
        return "".join(v)


def phone():
    return f"({random.randint(2, 9)}{random.randint(0, 9)}{random.randint(0, 9)}) {random.randint(2, 9)}{random.randint(10, 99)}-{random.randint(0, 9999):04d}"


def date():
    return f"{random.randint(1990, 2024)}-{random.randint(1, 12):02d}-{random.randint(1, 28):02d}"


cols = {
    # plain names (found by name, and by value where values have a shape)
    "ssn": lambda i: ssn(),
    "phone": lambda i: phone(),
    "email": lambda i: f"user{i}@example.org",
    "website": lambda i: f"https://example.org/p/{i}",
    "ip_address": lambda i: f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}",
    "vin": lambda i: vin(),
    "dob": lambda i: date(),
    "zip": lambda i: f"{random.choice(range(6001, 6999, 31)):05d}",
    "age": lambda i: str(random.choice([4, 9, 15, 93]) if i % 10 == 0 else random.randint(0, 17)),
    "zip3": lambda i: random.choice(["036", "061", "063", "064"]),
    "case_number": lambda i: f"C{100000 + i * 7}",
    "mother_first_name": lambda i: random.choice(["Ana", "Bea", "Cy", "Di"]),
    "home_address": lambda i: f"{i * 7 + 3} Main St",
    # disguised names (found by value only)
    "ref_a": lambda i: ssn().replace("-", ""),
    "contact_b": lambda i: phone(),
    "note_c": lambda i: f"reached at user{i}@example.org on follow-up" if i % 3 == 0 else "no contact",
    "site_d": lambda i: f"www.example{i}.org",
    "host_e": lambda i: f"192.168.{random.randint(0, 255)}.{random.randint(1, 254)}",
    "unit_f": lambda i: vin(),
    "evt_g": lambda i: f"{random.randint(1, 12)}/{random.randint(1, 28)}/{random.randint(1990, 2024)}",
    "area_h": lambda i: f"{random.choice(range(6001, 6999, 31)):05d}",
    "k": lambda i: "".join(random.choice("ABCDEFGHJKMNPQRSTUVWXYZ23456789") for _ in range(8)),
    # clean columns of the same types
    "amount": lambda i: str(random.randint(0, 60) * 50),
    "report_year": lambda i: str(random.randint(1990, 2024)),
    "period": lambda i: f"{random.randint(2019, 2024)}-{random.randint(1, 12):02d}",
    "service_type": lambda i: random.choice(["in_home", "foster_care", "kinship", "residential"]),
    "phone_count": lambda i: str(random.randint(0, 3)),
    "score": lambda i: f"{random.random():.4f}",
    "region3": lambda i: random.choice(["060", "061", "062", "064"]),
    "version": lambda i: f"{random.randint(1, 3)}.{random.randint(0, 9)}.{random.randint(0, 9)}",
    "summary": lambda i: random.choice(["placement stable", "services ongoing", "closed, no findings"]),
    "count": lambda i: str(random.randint(0, 40)),
}

w = csv.writer(sys.stdout, lineterminator="\r\n")
w.writerow(cols.keys())
for i in range(1, ROWS + 1):
    w.writerow([f(i) for f in cols.values()])
