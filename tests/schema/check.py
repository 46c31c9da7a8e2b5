#!/usr/bin/python3
"""The JSON Schema (policies/edgefw-policy.schema.json) and `edgefw validate`
agree: every shipped and example policy is valid for both; every file in
tests/schema/invalid/ is rejected by both; what `edgefw init` writes for
every topology is valid for both.  Then the golden outputs of `matrix` and
`diff` (tests/golden/cases), run through the binary.  Exit status 0 when all
hold."""
import glob
import json
import os
import subprocess
import sys
import tempfile

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


# `edgefw init` writes, for every topology, a policy valid for both
def init_args(topology, single):
    args = []
    for i in range(1 if single else 2):
        args += ["--node", "edge%d" % (i + 1), "--external", "eth1", "--internal", "eth0",
                 "--access", "203.0.113.%d,2001:db8:10::%d" % (10 * i + 10, 10 * i + 10),
                 "--internal-address", "198.18.0.%d" % (10 * i + 10)]
        if "single-ip" not in topology:
            args += ["--webconf", "203.0.113.%d" % (10 * i + 11), "--av", "203.0.113.%d" % (10 * i + 12)]
    return args + ["--peer", "admin_hosts=198.18.255.0/28"]


lst = subprocess.run([EDGEFW, "init", "--list"], capture_output=True, text=True)
topologies = [line.split()[0] for line in lst.stdout.splitlines()]
result(lst.returncode == 0 and len(topologies) == len(glob.glob(os.path.join(ROOT, "policies", "*.json"))) - 1,
       "init --list names every policy of policies/ (%d)" % len(topologies))
with tempfile.TemporaryDirectory() as tmp:
    for t in topologies:
        out = os.path.join(tmp, t + ".json")
        single = "single" in t
        r = subprocess.run([EDGEFW, "init", "--topology", t, "-o", out] + init_args(t, single),
                           capture_output=True, text=True)
        errs = [e.message for e in validator.iter_errors(json.load(open(out)))] if r.returncode == 0 else ["not written"]
        rc, msg = edgefw_ok(out) if r.returncode == 0 else (r.returncode, r.stderr.strip())
        result(r.returncode == 0 and not errs and rc == 0,
               "init --topology %s: valid for both%s%s" % (t, ("\n      schema: " + "; ".join(errs[:3])) if errs else "",
                                                          ("\n      edgefw: " + msg) if rc else ""))
    # refuses what does not fit, and never writes it
    out = os.path.join(tmp, "bad.json")
    r = subprocess.run([EDGEFW, "init", "--topology", "lync2013-single-edge-public", "-o", out] +
                       init_args("x", False), capture_output=True, text=True)
    result(r.returncode == 1 and "one --node, not 2" in r.stderr and not os.path.exists(out),
           "init refuses two nodes for a single Edge Server (exit %d)" % r.returncode)
    r = subprocess.run([EDGEFW, "init", "--topology", "nope"], capture_output=True, text=True)
    result(r.returncode == 2, "init --topology nope: usage error (exit %d)" % r.returncode)

# the golden outputs, through the binary this time
for line in open(os.path.join(ROOT, "tests", "golden", "cases")):
    words = line.split()
    if not words or words[0].startswith("#"):
        continue
    r = subprocess.run([EDGEFW] + words[1:], capture_output=True, text=True, cwd=ROOT)
    want = open(os.path.join(ROOT, "tests", "golden", words[0])).read()
    result(r.returncode == 0 and r.stdout == want,
           "edgefw %s = tests/golden/%s%s" % (" ".join(words[1:3]), words[0],
                                              "" if r.stdout == want else " (differs; exit %d)" % r.returncode))

print("%d passed, %d failed" % (passes, fails))
sys.exit(1 if fails else 0)
