#!/usr/bin/env python3
"""One run of bench/wire measurement 3 as a JSON line (for report.py).

    evcount.py EVENTS_FILE S0 S_END S_FIN --case C --round R --gen JSON
               --edge JSON --stats-before JSON --stats-after JSON
               --prog "RT0 CNT0 RT1 CNT1" --agent-ns "T0 T1" --ksoftirqd-ns N

EVENTS_FILE is the agent's stdout (appended to).  S0: its size when the
flood started, S_END: when the generator returned, S_FIN: once the agent
stopped writing (ring drained).  Lines are told apart: events ("kind":
"event") and the agent's own "events-not-delivered" metric lines.
"""
import argparse
import json


def count(path, start, end):
    events = metric = 0
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
            lines = buf.split(b"\n")
            tail = lines.pop()  # incomplete last line
            for ln in lines:
                if b'"kind":"event"' in ln:
                    events += 1
                elif b'"kind":"metric"' in ln:
                    metric += 1
    return events, metric


def counters(stats):
    c = dict(stats.get("counters", {}))
    drops = 0
    for v in stats.get("verdicts", []):
        if v["hook"] == "ingress" and v["verdict"] == "drop":
            drops += v["packets"]
    c["ingress_drops"] = drops
    return c


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
    a = ap.parse_args()

    gen = json.loads(a.gen)
    edge = json.loads(a.edge)
    b, c = counters(json.loads(a.stats_before)), counters(json.loads(a.stats_after))
    d = {k: c[k] - b.get(k, 0) for k in ("ingress_drops", "events_sent", "events_lost",
                                        "events_suppressed")}
    ev_end, _ = count(a.file, a.s0, a.s_end)
    ev_fin, metric = count(a.file, a.s0, a.s_fin)
    rt0, n0, rt1, n1 = (int(x) for x in a.prog.split())
    t0, t1 = (int(x) for x in a.agent_ns.split())
    el = gen["elapsed_s"]
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
        "lines_delivered": ev_fin,
        "lines_by_generator_end": ev_end,
        "metric_lines": metric,
        "delivered_per_s_during_flood": ev_end / el,
        "prog_runs": n1 - n0,
        "prog_ns_per_packet": (rt1 - rt0) / (n1 - n0) if n1 > n0 else None,
        "agent_cpu_s_during_flood": (t1 - t0) / 1e9,
        # CPU 0's cost per received frame: generator + the data path in its
        # softirq (+ whatever ksoftirqd/0 took over)
        "cpu_ns_per_packet": (gen["cpu_ns"] + a.ksoftirqd_ns) / edge["rx"] if edge["rx"] else None,
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
