#!/usr/bin/python3
"""Find an edgefw event (one ECS JSON object per line) in an agent's stdout.

  events.py FILE [--since N] [--timeout S] FIELD=VALUE ...

FIELD is a dotted ECS path (destination.port, observer.ingress.interface.name).
VALUE alternatives are separated by "|"; a list field (event.type) is compared
as its items joined with ","; a *.ip VALUE is canonicalised first (the event
must hold the RFC 5952 form: 2001:db8:0::10 matches "2001:db8::10" only);
FIELD=! means the field must be absent.
Only lines after the first N are read.  Waits up to --timeout seconds for a
match; prints it and exits 0, else prints the events it did see and exits 1.
"""
import argparse
import ipaddress
import json
import sys
import time

MISSING = object()


def get(obj, path):
    for k in path.split("."):
        if not isinstance(obj, dict) or k not in obj:
            return MISSING
        obj = obj[k]
    return obj


def same(field, got, want):
    if want == "!":
        return got is MISSING
    if got is MISSING:
        return False
    if isinstance(got, list):
        got = ",".join(str(x) for x in got)
    for alt in want.split("|"):
        if field.endswith(".ip"):
            try:  # the event must carry the canonical (RFC 5952) text form
                if str(got) == str(ipaddress.ip_address(alt)):
                    return True
            except ValueError:
                pass
        if str(got) == alt:
            return True
    return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--since", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=3.0)
    ap.add_argument("match", nargs="+")
    a = ap.parse_args()
    want = [m.split("=", 1) for m in a.match]
    end = time.monotonic() + a.timeout
    seen = []
    while True:
        try:
            with open(a.file) as f:
                lines = f.read().splitlines()[a.since:]
        except OSError:
            lines = []
        seen = []
        for line in lines:
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            seen.append(line)
            if all(same(k, get(ev, k), v) for k, v in want):
                print("event: " + line)
                return 0
        if time.monotonic() >= end:
            break
        time.sleep(0.1)
    print("no event with %s among %d new event(s)%s" %
          (" ".join(a.match), len(seen), ":" if seen else ""))
    for line in seen[-8:]:
        print("  seen: " + line)
    return 1


if __name__ == "__main__":
    sys.exit(main())
