#!/usr/bin/env bash
# Throughput and peak memory of `steward scan` on a large CSV (issue 17's target: 200 MB/s in
# bounded memory). Writes build-bench/scan.csv of SCAN_MB megabytes (default 1024): codes,
# counts, amounts, quoted notes with commas, years, ZIP3 prefixes and full dates; then scans it
# three times with the Release binary and prints seconds, MB/s and peak resident size.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${STEWARD:-build-bench/tools/steward}
[ -x "$bin" ] || cmake --build build-bench -j 2 --target steward > /dev/null
mb=${SCAN_MB:-1024}
file=build-bench/scan.csv
python3 - "$file" "$mb" <<'PY'
import random, sys
random.seed(17)
path, mb = sys.argv[1], int(sys.argv[2])
rows = []
for i in range(20000):
    note = random.choice(['placement stable', 'services ongoing', '"closed, no findings"'])
    rows.append(f"C{i},{random.choice(['in_home', 'foster_care', 'kinship'])},{random.randint(0, 40)},"
                f"{random.randint(0, 60) * 50},{note},{random.randint(1990, 2024)},"
                f"{random.choice(['061', '062', '064'])},"
                f"{random.randint(1990, 2024)}-{random.randint(1, 12):02d}-{random.randint(1, 28):02d}\n")
block = ''.join(rows)
with open(path, 'w') as f:
    f.write("case_id,service_type,count,amount,note,report_year,zip3,dob\n")
    while f.tell() < mb * 1_000_000:
        f.write(block)
PY
size=$(stat -c %s "$file")
cat "$file" > /dev/null  # into the page cache: the figure is the scanner's, not the disk's
for run in 1 2 3; do
  out=$( { /usr/bin/time -f "%e %M" "$bin" scan -p policies/dcf-5-4 "$file" > /dev/null; } 2>&1 | tail -1 || true)
  read -r secs kb <<< "$out"
  python3 -c "import sys; s, kb, b = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]); print(f'scan {b/1e6:.0f} MB: {s:.2f} s, {b/1e6/s:.0f} MB/s, peak {kb/1024:.0f} MiB')" "$secs" "$kb" "$size"
done
[ -n "${SCAN_KEEP:-}" ] || rm -f "$file"
