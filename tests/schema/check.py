#!/usr/bin/python3
"""The JSON Schema (policies/edgefw-policy.schema.json) and `edgefw validate`
agree: every shipped and example policy is valid for both; every file in
tests/schema/invalid/ is rejected by both.  Exit status 0 when they agree."""
import glob
import json
import os
import subprocess
import sys

import jsonschema

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EDGEFW = os.environ.get("EDGEFW", os.path.join(ROOT, "build", "edgefw"))
schema = json.load(open(os.path.join(ROOT, "policies", "edgefw-policy.schema.json")))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
fails = passes = 0


def edgefw_ok(path):
    r = subprocess.run([EDGEFW, "validate", "--quiet", path], capture_output=True, text=True)
    return r.returncode, r.stderr.strip()


def result(ok, what):
    global fails, passes
    print(("PASS  " if ok else "FAIL  ") + what)
    if ok:
        passes += 1
    else:
        fails += 1


valid = sorted(p for p in glob.glob(os.path.join(ROOT, "policies", "*.json"))
               if not p.endswith(".schema.json"))
valid += sorted(glob.glob(os.path.join(ROOT, "tests", "schema", "valid", "*.json")))
for path in valid:
    doc = json.load(open(path))
    errs = [e.message for e in validator.iter_errors(doc)]
    rc, msg = edgefw_ok(path)
    result(not errs and rc == 0,
           "valid for both: %s%s%s" % (os.path.relpath(path, ROOT),
                                       ("\n      schema: " + "; ".join(errs[:3])) if errs else "",
                                       ("\n      edgefw: " + msg) if rc else ""))
for path in sorted(glob.glob(os.path.join(ROOT, "tests", "schema", "invalid", "*.json"))):
    doc = json.load(open(path))
    errs = list(validator.iter_errors(doc))
    rc, msg = edgefw_ok(path)
    result(errs and rc == 1,
           "rejected by both: %s%s%s" % (os.path.basename(path),
                                         "" if errs else "\n      the schema accepts it",
                                         "" if rc == 1 else "\n      edgefw validate exits %d" % rc))
print("%d passed, %d failed" % (passes, fails))
sys.exit(1 if fails else 0)
