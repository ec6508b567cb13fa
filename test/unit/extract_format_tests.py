#!/usr/bin/python3
"""Extract the string cases of the JSON Schema Test Suite's optional/format
tests into a TSV for test_format.c.

    extract_format_tests.py SUITE_TESTS_DIR DRAFT... > formats.tsv

Each line: name <TAB> format <TAB> expected (1 valid, 0 invalid) <TAB> the
string's UTF-8 bytes in hex.  Non-string data (the "ignores integers" cases)
is the validator's business, not the checker's, and is left out; so are
strings holding a lone surrogate, which no jsonb value can contain.  The
name is draft/file#case.test: stable across runs, used by the
known-failures list.
"""
import json
import os
import sys


def main():
    root = sys.argv[1]
    out = sys.stdout
    for draft in sys.argv[2:]:
        d = os.path.join(root, draft, "optional", "format")
        for fn in sorted(os.listdir(d)):
            if not fn.endswith(".json"):
                continue
            with open(os.path.join(d, fn), encoding="utf-8") as f:
                cases = json.load(f)
            for ci, case in enumerate(cases):
                fmt = case["schema"].get("format")
                if fmt is None:
                    continue
                for ti, test in enumerate(case["tests"]):
                    data = test["data"]
                    if not isinstance(data, str):
                        continue
                    try:
                        raw = data.encode("utf-8")
                    except UnicodeEncodeError:
                        continue
                    name = "%s/%s#%d.%d" % (draft, fn[:-5], ci, ti)
                    out.write("%s\t%s\t%d\t%s\n" % (name, fmt, 1 if test["valid"] else 0,
                                                    raw.hex()))


if __name__ == "__main__":
    main()
