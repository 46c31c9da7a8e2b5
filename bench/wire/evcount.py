#!/usr/bin/env python3
"""One run of bench/wire measurement 3 (events) as a JSON line (for report.py).

    evcount.py EVENTS_FILE S0 S_END S_FIN --case C --round R --gen JSON
               --edge JSON --stats-before JSON --stats-after JSON
               --prog "RT0 CNT0 RT1 CNT1" --agent-ns "T0 T1" --ksoftirqd-ns N
               [--agent-rss-kib K] [--agent-hwm-kib K]
               [--follow-out F --follow-err E --follow-sizes "F_END F_FIN"
                --follower-ns "T0 T1"]

EVENTS_FILE is the agent's --events-file (appended to).  S0: its size when
the flood started, S_END: when the generator returned, S_FIN: once the agent
stopped writing (ring drained).  Lines are told apart: events ("kind":
"event") and the agent's own "events-not-delivered" metric lines.

With --follow-out: one `edgefw events --follow` ran through the flood; F is
its stdout (event lines, those starting {"@timestamp"), F_END its size when
the generator returned, F_FIN at the end; E its stderr, where it prints
what the agent told it: {"edgefw":{"subscriber_lost_events":N}}.

Accounting checks are reported, not asserted: dropped = sent + lost +
suppressed; sent = written + unwritten; lines in the file = written; with a
follower, its lines + the lines it missed (subscriber_events_dropped) =
sent, and the losses it was told of = subscriber_events_dropped.
"""
import argparse
import json
import re


def scan(path, start, end, keys):
    """occurrences of each byte string in keys, in the whole lines of
    path[start:end], each line preceded by a newline (a key b'\\n{...'
    counts the lines that start with '{...'); start must be a line's start"""
    n = [0] * len(keys)
    with open(path, "rb") as f:
        f.seek(start)
        left = end - start
        tail = b""
        while left > 0:
            buf = f.read(min(left, 1 << 22))
            if not buf:
                break
            left -= len(buf)
            buf = tail + buf
            cut = buf.rfind(b"\n") + 1  # an incomplete last line waits
            whole, tail = b"\n" + buf[:cut], buf[cut:]
            for i, k in enumerate(keys):
                n[i] += whole.count(k)
    return n


def count(path, start, end):
    """(event lines, metric lines) of the events file"""
    ev, metric = scan(path, start, end, (b'"kind":"event"', b'"kind":"metric"'))
    return ev, metric


def follow_lines(path, end):
    """the follower's event lines (those starting {"@timestamp") up to byte end"""
    return scan(path, 0, end, (b'\n{"@timestamp"',))[0]


def told_lost(path):
    n = 0
    for ln in open(path, errors="replace"):
        for m in re.finditer(r'"subscriber_lost_events":(\d+)', ln):
            n += int(m.group(1))
    return n


def counters(stats):
    c = dict(stats.get("counters", {}))
    drops = 0
    for v in stats.get("verdicts", []):
        if v["hook"] == "ingress" and v["verdict"] == "drop":
            drops += v["packets"]
    c["ingress_drops"] = drops
    return c


COUNTERS = ("ingress_drops", "events_sent", "events_lost", "events_suppressed",
            "events_written", "events_unwritten", "subscriber_events_dropped")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("s0", type=int)
    ap.add_argument("s_end", type=int)
    ap.add_argument("s_fin", type=int)
    ap.add_argument("--case", required=True)
    ap.add_argument("--round", type=int, required=True)
    ap.add_argument("--gen", required=True)
    ap.add_argument("--edge", required=True)
    ap.add_argument("--stats-before", required=True)
    ap.add_argument("--stats-after", required=True)
    ap.add_argument("--prog", required=True)
    ap.add_argument("--agent-ns", required=True)
    ap.add_argument("--ksoftirqd-ns", type=int, default=0)
    ap.add_argument("--agent-rss-kib", type=int)
    ap.add_argument("--agent-hwm-kib", type=int)
    ap.add_argument("--follow-out")
    ap.add_argument("--follow-err")
    ap.add_argument("--follow-sizes")
    ap.add_argument("--follower-ns")
    a = ap.parse_args()

    gen = json.loads(a.gen)
    edge = json.loads(a.edge)
    b, c = counters(json.loads(a.stats_before)), counters(json.loads(a.stats_after))
    d = {k: c.get(k, 0) - b.get(k, 0) for k in COUNTERS}
    ev_end, _ = count(a.file, a.s0, a.s_end)
    ev_fin, metric = count(a.file, a.s0, a.s_fin)
    rt0, n0, rt1, n1 = (int(x) for x in a.prog.split())
    t0, t1 = (int(x) for x in a.agent_ns.split())
    el = gen["elapsed_s"]
    agent_cpu = (t1 - t0) / 1e9
    out = {
        "m": "events", "case": a.case, "round": a.round,
        "gen": gen, "edge": edge,
        "frames_generated": gen["frames"],
        "frames_received": edge["rx"],
        # per second of generation (wiregen's kernel-timed active time)
        "drop_pps": edge["rx"] / (gen.get("active_s") or el),
        "drop_pps_wall": edge["rx"] / el,
        **d,
        "accounted": d["events_sent"] + d["events_lost"] + d["events_suppressed"],
        # event lines in the events file: after draining, by the generator's end
        "lines_delivered": ev_fin,
        "lines_by_generator_end": ev_end,
        "metric_lines": metric,
        # end to end, BPF to line in the file, per wall second of the flood
        "delivered_per_s_during_flood": ev_end / el,
        "prog_runs": n1 - n0,
        "prog_ns_per_packet": (rt1 - rt0) / (n1 - n0) if n1 > n0 else None,
        "agent_cpu_s_during_flood": agent_cpu,
        "lines_per_agent_cpu_s": ev_end / agent_cpu if agent_cpu > 0.05 else None,
        # CPU 0's cost per received frame: generator + the data path in its
        # softirq (+ whatever ksoftirqd/0 took over)
        "cpu_ns_per_packet": (gen["cpu_ns"] + a.ksoftirqd_ns) / edge["rx"] if edge["rx"] else None,
        # /proc/PID/status: VmRSS when the generator returned (the ring not
        # yet drained), VmHWM (the peak since the agent started) after draining
        "agent_rss_mib_flood_end": a.agent_rss_kib / 1024 if a.agent_rss_kib else None,
        "agent_hwm_mib": a.agent_hwm_kib / 1024 if a.agent_hwm_kib else None,
    }
    checks = {
        "drops = sent + lost + suppressed": d["ingress_drops"] == out["accounted"],
        "sent = written + unwritten": d["events_sent"] == d["events_written"] + d["events_unwritten"],
        "lines in the file = written": ev_fin == d["events_written"],
    }
    if a.follow_out:
        f_end, f_fin = (int(x) for x in a.follow_sizes.split())
        fl_end, fl_fin = follow_lines(a.follow_out, f_end), follow_lines(a.follow_out, f_fin)
        ft0, ft1 = (int(x) for x in a.follower_ns.split())
        told = told_lost(a.follow_err) if a.follow_err else 0
        out.update({
            "follower_lines": fl_fin,
            "follower_lines_by_generator_end": fl_end,
            "follower_per_s_during_flood": fl_end / el,
            "follower_told_lost": told,
            "follower_cpu_s_during_flood": (ft1 - ft0) / 1e9,
        })
        checks["follower lines + its drops = sent"] = (
            fl_fin + d["subscriber_events_dropped"] == d["events_sent"])
        checks["follower told of every drop"] = told == d["subscriber_events_dropped"]
    out["checks"] = checks
    out["checks_ok"] = all(checks.values())
    print(json.dumps(out))


if __name__ == "__main__":
    main()
