#!/usr/bin/python3
"""Helpers for the observability checks of the edgefw end-to-end tests.

  obs.py get FILE PATH...
      print the values at dotted PATHs of a JSON document (one per line;
      "null" when absent).
  obs.py stalled SOCKET --ready FILE --go FILE --stop FILE --out FILE [--lifetime S]
      an `edgefw events` subscriber that never reads: connects, sends
      {"follow": true, "backlog": 0}, touches --ready, sleeps until --go
      exists, then reads (every line to --out as it comes) until --stop exists.
  obs.py readers AGENT_EVENTS SINCE READER... [--stderr]
      AGENT_EVENTS is the agent's stdout, SINCE how many of its lines predate
      the readers.  Each READER file (`edgefw events --follow --json` output)
      must hold exactly the event lines the agent wrote after SINCE, in order.
  obs.py account AGENT_EVENTS SINCE SUB [--stderr FILE] [--lost]
      a subscriber's lines plus the counts N of its
      {"edgefw":{"subscriber_lost_events":N}} notices (in SUB, or in FILE as
      `edgefw events` prints them) add up to every line the agent published
      after SINCE; --lost: and some N > 0.
  obs.py burst AGENT_EVENTS SINCE DST DPORT SPORTS READER...
      the drop events for DST:DPORT from source ports SPORTS (A-B): one for
      each port, the same lines in the agent's output and in every READER.
  obs.py drops AGENT_EVENTS TAG EXPECTED --stats STATS_JSON
      every drop event of the agent against the drops the suite provoked
      (EXPECTED: lines "TAG DIR IFACE REASON PROTO SRC SPORT DST DPORT FLAGS
      COUNT", COUNT packets sent on that flow): each event must match one
      on direction, interface, reason, transport, source and destination
      address and port, and TCP flags; no flow may have more events than
      packets; the events missing in all must equal what the data path
      counted as not delivered (events_suppressed + events_lost in
      STATS_JSON, the agent's whole life), so that every provoked packet
      gave its event or is accounted for.
  obs.py sent-events AGENT_EVENTS SINCE SENT --dir D --iface NIC --reason R
                     --before STATS_JSON --after STATS_JSON [--no-suppression]
      the drop events the agent published after line SINCE for the flows in
      SENT (nettool --sent): exactly the packets sent minus the data path's
      events_suppressed growth between the two readings (0 with
      --no-suppression), none lost in the ring (events_lost 0), none twice.
  obs.py stats-delta BEFORE AFTER [--rule NAME=N] [--rule-bytes NAME=N]
                     [--count HOOK/VERDICT/REASON=N] [--same-rule NAME]
      compare two `edgefw stats --json` outputs: the growth of a rule's
      packets/bytes or of a verdict counter must be exactly N.
  obs.py prom FILE [--before STATS_JSON --stats STATS_JSON] [--rule NAME]...
                  [--value NAME VALUE]...
      parse a metrics file with prometheus_client's text parser: HELP and
      TYPE for every family, edgefw_packets_total labelled hook/verdict/reason;
      every rule and verdict counter between two `edgefw stats --json`
      readings taken before and after the file was written (the same value
      when nothing moved), rule NAME exactly equal and > 0; the generation
      equal; a single-sample metric NAME equal to VALUE.
  obs.py promwatch FILE --seconds S
      read FILE as fast as possible for S seconds: every read must parse and
      be complete (all families, the last line whole); the file must have been
      replaced (a new inode) at least twice meanwhile.
"""
import argparse
import json
import os
import socket
import sys
import time

# ---------------------------------------------------------------- small tools


def jpath(obj, path):
    for k in path.split("."):
        if isinstance(obj, list):
            try:
                obj = obj[int(k)]
            except (ValueError, IndexError):
                return None
        elif isinstance(obj, dict) and k in obj:
            obj = obj[k]
        else:
            return None
    return obj


def get(a):
    try:
        doc = json.load(open(a.file))
    except (OSError, ValueError) as e:
        print("%s: %s" % (a.file, e), file=sys.stderr)
        return 1
    for p in a.paths:
        v = jpath(doc, p)
        print("null" if v is None else v if isinstance(v, str) else json.dumps(v))
    return 0


def lines_of(path, since=0):
    with open(path) as f:
        return f.read().splitlines()[since:]


def kind(line):
    try:
        return jpath(json.loads(line), "event.kind")
    except ValueError:
        return None

# ---------------------------------------------------------------- subscribers


def stalled(a):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(a.socket)
    s.sendall(b'{"follow": true, "backlog": 0}\n')
    open(a.ready, "w").close()
    end = time.monotonic() + a.lifetime
    while not os.path.exists(a.go):
        if time.monotonic() > end:
            return 1
        time.sleep(0.05)
    out = open(a.out, "w", buffering=1)
    s.setblocking(False)
    buf = b""
    got = 0
    while not os.path.exists(a.stop) and time.monotonic() < end:
        try:
            d = s.recv(65536)
        except BlockingIOError:
            time.sleep(0.02)
            continue
        if not d:
            break
        got += len(d)
        buf += d
        *whole, buf = buf.split(b"\n")
        for line in whole:
            out.write(line.decode(errors="replace") + "\n")
    print("stalled subscriber read %d bytes once released" % got)
    return 0


def notices_in(path):
    """Counts of {"edgefw":{"subscriber_lost_events":N}} lines in a file
    (`edgefw events` prints them on stderr, prefixed with "edgefw events: ")."""
    out = []
    try:
        lines = lines_of(path)
    except OSError:
        return out
    for l in lines:
        l = l.split("edgefw events: ", 1)[-1]
        try:
            o = json.loads(l)
        except ValueError:
            continue
        n = jpath(o, "edgefw.subscriber_lost_events")
        if n is not None and kind(l) is None:
            out.append(n)
    return out


def readers(a):
    events = [l for l in lines_of(a.agent, a.since) if kind(l) == "event"]
    ok = True
    print("the agent wrote %d events after line %d" % (len(events), a.since))
    for r in a.readers:
        got = lines_of(r)
        lost = notices_in(r + ".err") if a.stderr else []
        if got == events:
            print("%s: all %d events, in order" % (r, len(got)))
            continue
        ok = False
        have, want = set(got), set(events)
        missing = [l for l in events if l not in have]
        extra = [l for l in got if l not in want]
        print("%s: %d events, %d of the agent's missing, %d the agent did not write%s; told it lost %s" %
              (r, len(got), len(missing), len(extra), "" if missing or extra else " (order differs)",
               sum(lost) if lost else "nothing"))
        for l in (missing + extra)[:2]:
            print("  e.g. " + l[:200])
    return 0 if ok else 1


def account(a):
    """received + announced lost == published, for a subscriber that
    connected before line SINCE of the agent's output"""
    published = len(lines_of(a.agent, a.since))
    got = [l for l in lines_of(a.sub) if l.strip()]
    notices = notices_in(a.sub) + (notices_in(a.stderr) if a.stderr else [])
    received = len([l for l in got if kind(l) is not None])
    lost = sum(notices)
    print("%s: %d lines received, told it lost %d (notices %s): %d + %d = %d, the agent published %d" %
          (a.sub, received, lost, notices[:10], received, lost, received + lost, published))
    ok = received + lost == published
    if a.lost and lost <= 0:
        print("no subscriber_lost_events notice with N > 0")
        ok = False
    return 0 if ok else 1


def burst(a):
    lo, hi = (int(x) for x in a.sports.split("-"))
    want = set(range(lo, hi + 1))

    def pick(path, since=0):
        out = {}
        for l in lines_of(path, since):
            try:
                o = json.loads(l)
            except ValueError:
                continue
            if jpath(o, "event.action") != "drop" or jpath(o, "destination.port") != a.dport:
                continue
            if jpath(o, "destination.ip") != a.dst or jpath(o, "source.port") not in want:
                continue
            out.setdefault(jpath(o, "source.port"), []).append(l)
        return out

    agent = pick(a.agent, a.since)
    ok = set(agent) == want
    print("agent: drop events for %d of %d source ports (%d events)" %
          (len(agent), len(want), sum(len(v) for v in agent.values())))
    for r in a.readers:
        got = pick(r)
        same = got == agent
        ok &= same
        print("%s: %d source ports, %d events, %s" % (r, len(got), sum(len(v) for v in got.values()),
                                                     "identical to the agent's" if same else "DIFFERENT"))
    return 0 if ok else 1

# ---------------------------------------------------------------- provoked drops

FLAG_BITS = {"FIN": "F", "SYN": "S", "RST": "R", "PSH": "P", "ACK": "A", "URG": "U", "ECE": "E", "CWR": "C"}


def canon_ip(a):
    import ipaddress
    try:
        return str(ipaddress.ip_address(a))
    except ValueError:
        return a


def canon_flags(f):
    return "".join(c for c in "FSRPAUEC" if c in f) or "-"


def sent_key(d, ifn, reason, proto, src, sport, dst, dport, flags):
    return (d, ifn, reason, proto, canon_ip(src), None if sport == "-" else int(sport),
            canon_ip(dst), None if dport == "-" else int(dport), canon_flags(flags))


def event_key(e):
    d = jpath(e, "network.direction")
    flags = jpath(e, "edgefw.tcp_flags")
    return (d, jpath(e, "observer.%s.interface.name" % d), jpath(e, "event.reason"),
            jpath(e, "network.transport"), canon_ip(jpath(e, "source.ip") or "-"), jpath(e, "source.port"),
            canon_ip(jpath(e, "destination.ip") or "-"), jpath(e, "destination.port"),
            canon_flags("".join(FLAG_BITS.get(f, "?") for f in flags)) if flags is not None else "-")


def show_key(k):
    d, ifn, reason, proto, src, sport, dst, dport, flags = k

    def ep(a, p):
        if p is None:
            return a
        return "[%s]:%d" % (a, p) if ":" in a else "%s:%d" % (a, p)
    return "%s %s %s %s -> %s%s %s" % (d, ifn, proto, ep(src, sport), ep(dst, dport),
                                      "" if flags == "-" else " [%s]" % flags, reason)


def drop_events(path, since=0):
    for l in lines_of(path, since):
        try:
            e = json.loads(l)
        except ValueError:
            continue
        if jpath(e, "event.action") == "drop":
            yield e


def counters_of(path):
    doc = json.load(open(path))
    return jpath(doc, "counters") or {}


def drops(a):
    want = {}
    for line in open(a.expected):
        f = line.split()
        if len(f) != 11:
            continue
        if f[0] == a.tag:
            k = sent_key(*f[1:10])
            want[k] = want.get(k, 0) + int(f[10])
    seen, unexpected, n = {}, [], 0
    for e in drop_events(a.agent):
        n += 1
        k = event_key(e)
        if k in want:
            seen[k] = seen.get(k, 0) + 1
        else:
            unexpected.append(k)
    c = counters_of(a.stats)
    supp, lost = c.get("events_suppressed", 0), c.get("events_lost", 0)
    sent = sum(want.values())
    over = sorted((k for k in want if seen.get(k, 0) > want[k]), key=show_key)
    short = {k: want[k] - seen.get(k, 0) for k in want if seen.get(k, 0) < want[k]}
    missing = sum(short.values())
    print("%d drop events: %d match one of the %d flows the suite sent %d packets on to be dropped, %d do not" %
          (n, n - len(unexpected), len(want), sent, len(unexpected)))
    odd = {}
    for k in unexpected:  # one line per flow, in the order first seen
        odd[k] = odd.get(k, 0) + 1
    for k in list(odd)[:10]:
        print("unexpected: %s (%d event%s)" % (show_key(k), odd[k], "" if odd[k] == 1 else "s"))
    if len(odd) > 10:
        print("  ... and %d more flows" % (len(odd) - 10))
    for k in over[:8]:
        print("more events than packets: %s: %d packets sent, %d events" % (show_key(k), want[k], seen[k]))
    print("%d provoked packets gave no event; the data path counted %d events suppressed (event limit)"
          " and %d lost (ring buffer)" % (missing, supp, lost))
    ok = not unexpected and not over
    if missing != supp + lost:
        ok = False
        print("%d missing events are not what the data path says it did not deliver (%d):" % (missing, supp + lost))
        for k in sorted(short, key=show_key)[:8]:
            print("missing: %s: %d packets sent, %d events" % (show_key(k), want[k], seen.get(k, 0)))
        if len(short) > 8:
            print("  ... and %d more flows" % (len(short) - 8))
    return 0 if ok else 1


def sent_events(a):
    want = {}
    for line in open(a.sent):
        f = line.split()
        if len(f) == 7:
            k = sent_key(a.dir, a.iface, a.reason, *f[:6])
            want[k] = want.get(k, 0) + int(f[6])
    sent = sum(want.values())
    c0, c1 = counters_of(a.before), counters_of(a.after)
    supp = c1.get("events_suppressed", 0) - c0.get("events_suppressed", 0)
    lost, lost_d = c1.get("events_lost", 0), c1.get("events_lost", 0) - c0.get("events_lost", 0)
    esent = c1.get("events_sent", 0) - c0.get("events_sent", 0)
    end = time.monotonic() + a.timeout
    while True:  # the agent may still be writing: wait (bounded) for the count
        seen = {}
        for e in drop_events(a.agent, a.since):
            k = event_key(e)
            if k in want:
                seen[k] = seen.get(k, 0) + 1
        got = sum(seen.values())
        if got >= sent - supp or time.monotonic() >= end:
            break
        time.sleep(0.2)
    over = [k for k in seen if seen[k] > want[k]]
    print("sent %d datagrams on %d flows; the agent published %d drop events for them; the data path"
          " sent %d events meanwhile, suppressed %d (event limit), lost %d in the ring (%d in all)" %
          (sent, len(want), got, esent, supp, lost_d, lost))
    ok = True
    if got != sent - supp:
        print("published %d, expected %d sent - %d suppressed = %d   <-- WRONG" % (got, sent, supp, sent - supp))
        ok = False
    if a.no_suppression and supp:
        print("%d events suppressed: this flood is paced under the event limits   <-- WRONG" % supp)
        ok = False
    if lost:
        print("events_lost %d: the ring buffer lost events   <-- WRONG" % lost)
        ok = False
    for k in over[:5]:
        print("more events than packets: %s: %d sent, %d events" % (show_key(k), want[k], seen[k]))
        ok = False
    return 0 if ok else 1

# ---------------------------------------------------------------- stats


def stats_index(doc):
    rules = {r["name"]: r for r in doc.get("rules", [])}
    counts = {"%s/%s/%s" % (v["hook"], v["verdict"], v["reason"]): v["packets"] for v in doc.get("verdicts", [])}
    return rules, counts


def stats_delta(a):
    b, c = json.load(open(a.before)), json.load(open(a.after))
    rb, cb = stats_index(b)
    ra, ca = stats_index(c)
    ok = True

    def one(label, got, want):
        nonlocal ok
        good = got == want
        ok &= good
        print("%-60s grew by %d, expected %d%s" % (label, got, want, "" if good else "   <-- WRONG"))

    for spec in a.rule:
        name, n = spec.rsplit("=", 1)
        if name not in ra:
            print("no rule %s in the stats" % name)
            ok = False
            continue
        one("rule %s packets" % name, ra[name]["packets"] - rb.get(name, {"packets": 0})["packets"], int(n))
    for spec in a.rule_bytes:
        name, n = spec.rsplit("=", 1)
        one("rule %s bytes" % name, ra[name]["bytes"] - rb.get(name, {"bytes": 0})["bytes"], int(n))
    for spec in a.count:
        key, n = spec.rsplit("=", 1)
        one("packets %s" % key, ca.get(key, 0) - cb.get(key, 0), int(n))
    for name in a.same_rule:
        one("rule %s packets (%d -> %d)" % (name, rb[name]["packets"], ra[name]["packets"]),
            ra[name]["packets"] - rb[name]["packets"], 0)
    print("generation %s -> %s" % (b.get("generation"), c.get("generation")))
    return 0 if ok else 1

# ---------------------------------------------------------------- Prometheus


def parse_prom(text):
    from prometheus_client.parser import text_string_to_metric_families
    return list(text_string_to_metric_families(text))


def prom(a):
    text = open(a.file).read()
    fams = parse_prom(text)
    ok = True
    byname = {f.name: f for f in fams}
    print("%d metric families, %d samples" % (len(fams), sum(len(f.samples) for f in fams)))
    # HELP and TYPE lines, for every family, before its samples
    helps = {l.split()[2] for l in text.splitlines() if l.startswith("# HELP ")}
    types = {l.split()[2]: l.split()[3] for l in text.splitlines() if l.startswith("# TYPE ")}
    for f in fams:
        exposed = f.name + "_total" if f.type == "counter" and f.name + "_total" in types else f.name
        if exposed not in helps or exposed not in types:
            print("family %s: no HELP or TYPE line" % exposed)
            ok = False
        if not f.documentation:
            print("family %s: empty HELP" % exposed)
            ok = False
        if f.type == "unknown":
            print("family %s: type unknown" % exposed)
            ok = False
    pk = byname.get("edgefw_packets")
    if not pk or pk.type != "counter":
        print("no counter edgefw_packets_total")
        return 1
    for s in pk.samples:
        if set(s.labels) != {"hook", "verdict", "reason"}:
            print("edgefw_packets_total sample with labels %s" % s.labels)
            ok = False
    print("edgefw_packets_total: %d series, labels hook/verdict/reason" % len(pk.samples))
    rp = byname.get("edgefw_rule_packets")
    if not rp or rp.type != "counter":
        print("no counter edgefw_rule_packets_total")
        return 1
    prom_rules = {s.labels["rule"]: s.value for s in rp.samples if s.name == "edgefw_rule_packets_total"}
    if a.stats:
        # counters only grow: read before (--before) and after the metrics
        # file was written, each series must lie between the two readings
        # (and equal both when nothing moved meanwhile)
        st = json.load(open(a.stats))
        rules, counts = stats_index(st)
        rules0, counts0 = stats_index(json.load(open(a.before))) if a.before else (rules, counts)
        if set(prom_rules) != set(rules):
            print("rules differ: only in metrics %s, only in stats %s" %
                  (sorted(set(prom_rules) - set(rules)), sorted(set(rules) - set(prom_rules))))
            ok = False
        exact = bad = 0
        for n, r in rules.items():
            lo, hi, v = rules0.get(n, r)["packets"], r["packets"], prom_rules.get(n)
            if v is None or not lo <= v <= hi:
                bad += 1
                print("edgefw_rule_packets_total{rule=%s} = %s, stats --json says %s..%s" % (n, v, lo, hi))
            exact += v == lo == hi
        print("edgefw_rule_packets_total: %d rules, %d equal to stats --json, %d outside its readings" %
              (len(prom_rules), exact, bad))
        for n in a.rule:
            print("  %s: metrics %s, stats --json %s" % (n, prom_rules.get(n), rules.get(n, {}).get("packets")))
            ok &= prom_rules.get(n) == rules.get(n, {}).get("packets") and rules[n]["packets"] > 0
        vexact = vbad = 0
        for smp in pk.samples:
            key = "%s/%s/%s" % (smp.labels["hook"], smp.labels["verdict"], smp.labels["reason"])
            lo, hi = counts0.get(key, 0), counts.get(key, 0)
            if not lo <= smp.value <= hi:
                vbad += 1
                print("edgefw_packets_total{%s} = %s, stats --json says %s..%s" % (key, smp.value, lo, hi))
            vexact += smp.value == lo == hi
        print("edgefw_packets_total: %d series, %d equal to stats --json, %d outside its readings" %
              (len(pk.samples), vexact, vbad))
        ok &= bad == 0 and vbad == 0
        gen = byname.get("edgefw_policy_generation")
        if not gen or gen.samples[0].value != st["generation"]:
            print("edgefw_policy_generation %s, stats --json generation %s" %
                  (gen.samples[0].value if gen else None, st["generation"]))
            ok = False
    for name, want in a.value:
        f = byname.get(name[:-6] if name.endswith("_total") else name)
        v = f.samples[0].value if f and f.samples else None
        print("%s = %s (expected %s)" % (name, v, want))
        ok &= v is not None and v == float(want)
    return 0 if ok else 1


def promwatch(a):
    end = time.monotonic() + a.seconds
    reads = bad = 0
    inodes = set()
    contents = set()
    last_fams = None
    while time.monotonic() < end:
        try:
            fd = os.open(a.file, os.O_RDONLY)
        except FileNotFoundError:
            bad += 1
            print("read %d: the file is missing" % reads)
            time.sleep(0.001)
            continue
        inodes.add(os.fstat(fd).st_ino)
        chunks = []
        while True:
            d = os.read(fd, 65536)
            if not d:
                break
            chunks.append(d)
        os.close(fd)
        text = b"".join(chunks).decode()
        reads += 1
        contents.add(text)
        problem = None
        if not text.endswith("\n"):
            problem = "does not end with a newline (%d bytes)" % len(text)
        else:
            try:
                fams = sorted(f.name for f in parse_prom(text))
                if last_fams is not None and fams != last_fams:
                    problem = "families differ from an earlier read: %s" % fams
                last_fams = fams
            except Exception as e:  # the parser raises ValueError and others
                problem = "does not parse: %s" % e
        if problem:
            bad += 1
            if bad <= 3:
                print("read %d: %s" % (reads, problem))
    print("%d reads in %.0f s: %d distinct contents, %d inodes (replacements seen), %d bad" %
          (reads, a.seconds, len(contents), len(inodes), bad))
    return 0 if bad == 0 and len(inodes) >= 3 and len(contents) >= 2 else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("get")
    p.add_argument("file")
    p.add_argument("paths", nargs="+")
    p = sub.add_parser("stalled")
    p.add_argument("socket")
    p.add_argument("--ready", required=True)
    p.add_argument("--go", required=True)
    p.add_argument("--stop", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--lifetime", type=float, default=120)
    p = sub.add_parser("readers")
    p.add_argument("agent")
    p.add_argument("since", type=int)
    p.add_argument("readers", nargs="+")
    p.add_argument("--stderr", action="store_true", help="notices in READER.err")
    p = sub.add_parser("account")
    p.add_argument("agent")
    p.add_argument("since", type=int)
    p.add_argument("sub")
    p.add_argument("--stderr")
    p.add_argument("--lost", action="store_true", help="require a notice with N > 0")
    p = sub.add_parser("burst")
    p.add_argument("agent")
    p.add_argument("since", type=int)
    p.add_argument("dst")
    p.add_argument("dport", type=int)
    p.add_argument("sports")
    p.add_argument("readers", nargs="+")
    p = sub.add_parser("drops")
    p.add_argument("agent")
    p.add_argument("tag")
    p.add_argument("expected")
    p.add_argument("--stats", required=True)
    p = sub.add_parser("sent-events")
    p.add_argument("agent")
    p.add_argument("since", type=int)
    p.add_argument("sent")
    p.add_argument("--dir", required=True)
    p.add_argument("--iface", required=True)
    p.add_argument("--reason", required=True)
    p.add_argument("--before", required=True)
    p.add_argument("--after", required=True)
    p.add_argument("--no-suppression", action="store_true")
    p.add_argument("--timeout", type=float, default=10)
    p = sub.add_parser("stats-delta")
    p.add_argument("before")
    p.add_argument("after")
    p.add_argument("--rule", action="append", default=[])
    p.add_argument("--rule-bytes", action="append", default=[])
    p.add_argument("--count", action="append", default=[])
    p.add_argument("--same-rule", action="append", default=[])
    p = sub.add_parser("prom")
    p.add_argument("file")
    p.add_argument("--stats")
    p.add_argument("--before")
    p.add_argument("--rule", action="append", default=[])
    p.add_argument("--value", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"))
    p = sub.add_parser("promwatch")
    p.add_argument("file")
    p.add_argument("--seconds", type=float, default=3.5)
    a = ap.parse_args()
    fn = {"get": get, "stalled": stalled, "readers": readers, "account": account, "burst": burst,
          "drops": drops, "sent-events": sent_events,
          "stats-delta": stats_delta, "prom": prom, "promwatch": promwatch}[a.cmd]
    sys.exit(fn(a))


if __name__ == "__main__":
    main()
