#!/usr/bin/env python3
"""Counts test cases in meson's testlog.json: each TAP 'ok'/'not ok' line of a
GTest program is one case; a program without TAP output counts as one.
(meson's log does not record the protocol, so TAP is recognised by its lines.)
Optional extra arguments PASSED FAILED add results of checks run outside
meson (the valgrind runs of tools/valgrind)."""
import json
import re
import sys

passed = failed = 0
try:
    with open(sys.argv[1], encoding="utf-8") as f:
        for line in f:
            t = json.loads(line)
            out = t.get("stdout") or ""
            oks = len(re.findall(r"^ok \d+", out, re.M))
            bad = len(re.findall(r"^not ok \d+", out, re.M))
            if oks + bad == 0:
                if t["result"] in ("OK", "EXPECTEDFAIL", "SKIP"):
                    passed += 1
                else:
                    failed += 1
                continue
            passed += oks
            failed += bad
            if bad == 0 and t["result"] not in ("OK", "EXPECTEDFAIL", "SKIP"):
                failed += 1  # crashed or timed out after its last case
except (OSError, ValueError) as e:
    print(f"test-summary: {e}", file=sys.stderr)
    failed += 1
if len(sys.argv) == 4:
    passed += int(sys.argv[2])
    failed += int(sys.argv[3])
print(f"{passed} passed, {failed} failed")
