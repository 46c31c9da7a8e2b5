#!/usr/bin/env python3
"""bench/wire: turn run.sh's raw.jsonl into bench/out/wire.json, and print a
short console summary.  bench/report.py reads the JSON (it writes the
tables of docs/benchmarks.md and reads every figure against its target).

    report.py RAW.jsonl OUT.json        (metadata from W_* environment variables)

Every figure is {median, min, max, n} over the runs (rounds).  A ratio is
{"ratio": median(case) / median(baseline), "paired": {median, min, max, n}
of the per-round ratios}: case and baseline measured in the same round, one
after the other.  Nothing is asserted.  Parts that did not run (run.sh
PARTS) are absent from the JSON.
"""
import json
import os
import statistics
import sys

WIRE_DROP_CASES = ["xdp_drop", "edgefw", "edgefw_shield", "edgefw_1src", "nft_hash", "nft_interval",
                   "iptables_legacy", "iptables_nft", "xdp_filter"]
# the floods: "drop" the SYN flood to access:8080 (both placements), "refl"
# UDP reflection to random A/V ports, "ackrst" ACK/RST with random ports
# (placement same)
FLOODS = ["drop", "refl", "ackrst"]
WIRE_PASS_CASES = ["none", "edgefw"]
IPERF_CASES = ["none", "nft_hash", "xdp_pass", "edgefw", "edgefw_gro"]
MODES = ["split", "same"]
XDP_FILTER_NOTE = (
    "xdp-filter (xdp-tools) loads here in native mode, but cannot express the matrix: its "
    "port, IPv4 and MAC filters are independent (a packet matches if ANY of them matches), so "
    "(service address AND protocol AND port) rows cannot be written.  Measured as the closest "
    "it can do: policy deny, the union of the matrix's ports allowed address-blind; the TCP "
    "SYN to access:8080 is dropped by it as by edgefw, but e.g. TCP 5269 to the A/V address "
    "passes, and in deny mode non-IP frames (ARP) are dropped too.")


def fig(vals):
    vals = [v for v in vals if v is not None]
    if not vals:
        return None
    return {"median": statistics.median(vals), "min": min(vals), "max": max(vals), "n": len(vals)}


def ratio(num, den):
    """num, den: {round: value}; None when they share no round."""
    rounds = sorted(r for r in set(num) & set(den) if num[r] is not None and den[r])
    if not rounds:
        return None
    mn = statistics.median(num[r] for r in rounds)
    md = statistics.median(den[r] for r in rounds)
    return {"ratio": mn / md if md else None,
            "paired": fig([num[r] / den[r] for r in rounds])}


def meta():
    e = os.environ

    def num(k, f=float):
        try:
            return f(e[k])
        except (KeyError, ValueError):
            return None
    return {
        "kernel": os.uname().release,
        "cpu": next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                     if l.startswith("model name")), None),
        "cpus": num("W_KERNEL_CPUS", int),
        "runs": num("W_RUNS", int),
        "parts": (e.get("W_PARTS") or "").split(),
        "frames_per_run": num("W_FRAMES", int), "time_cap_s": num("W_CAP"),
        "iperf_seconds": num("W_IPERF_T"),
        "events_frames_per_run": num("W_EV_FRAMES", int), "events_time_cap_s": num("W_EV_CAP"),
        "flood_sources": num("W_NSRC", int),
        "generator_cpu": num("W_GEN_CPU", int), "receiver_cpu": num("W_RX_CPU", int),
        "loadavg_before": e.get("W_LOAD_BEFORE"), "loadavg_after": e.get("W_LOAD_AFTER"),
        "wall_s": num("W_WALL", int),
        "edgefw": e.get("W_EDGEFW"), "policy": e.get("W_POLICY"), "node": e.get("W_NODE"),
        "packages": (e.get("W_VERSIONS") or "").strip().rstrip(","),
        "xdp_filter": {"loaded": e.get("W_XDPFILTER_OK") == "1",
                       "message": (e.get("W_XDPFILTER_MSG") or "").strip(),
                       "what_it_expresses": XDP_FILTER_NOTE},
    }


# ---- 1. wire rate ------------------------------------------------------------------

def wire_rate(raw):
    rows = [r for r in raw if r["m"] == "wire"]
    if not rows:
        return None
    wire = {m: {k: {} for k in FLOODS + ["pass"]} for m in MODES}
    wall = {}     # (mode, kind, case) -> {round: received per second}
    percore = {}  # (mode, kind, case) -> {round: 1e9 / CPU ns per packet}
    for r in rows:
        # per second of generation: the generator's own kernel-timed active
        # time (see wiregen.c), not the wall time around its calls
        el = r["gen"].get("active_s") or r["gen"]["elapsed_s"]
        e, g = r["edge"], r["genif"]
        rx = e["rx"] / el if el else None
        key = (r["mode"], r["kind"], r["case"])
        wall.setdefault(key, {})[r["round"]] = rx
        # CPU cost per received packet.  split: the NAPI kthread's run time
        # (the receiver alone).  same: the generator's run time, which
        # includes the receiver's softirq work done in its context, plus
        # whatever ksoftirqd/0 took over.
        cpu = r.get("cpu", {})
        if r["mode"] == "split":
            ns = cpu.get("napi_thread_ns", 0)
        else:
            ns = r["gen"].get("cpu_ns", 0) + cpu.get("ksoftirqd_ns", 0)
        c = ns / e["rx"] if ns > 0 and e["rx"] else None
        if c:
            percore.setdefault(key, {})[r["round"]] = 1e9 / c
        d = wire[r["mode"]][r["kind"]].setdefault(r["case"], {"runs": []})
        d["runs"].append({
            "round": r["round"], "rx_pps": rx, "offered_pps": r["gen"]["frames"] / el if el else None,
            "rx_pps_wall": e["rx"] / r["gen"]["elapsed_s"],
            "frames": r["gen"]["frames"], "active_s": el, "elapsed_s": r["gen"]["elapsed_s"],
            # the share of CPU 0's wall time charged to the measurement
            # (placement same: generator + ksoftirqd/0); the rest went to
            # other tasks, to idle, or to the hypervisor (cpu0_ticks says which)
            "cpu0_measured_share": ((r["gen"].get("cpu_ns", 0) + cpu.get("ksoftirqd_ns", 0)) / 1e9
                                    / r["gen"]["elapsed_s"] if r["mode"] == "same" else None),
            "cpu0_ticks": r.get("cpu0_ticks"),
            "xmit_ok": g["xmit"], "xmit_err": g["xmit_err"],
            "received": e["rx"], "xdp_drops": e["xdp_drops"],
            "reached_tcp": e["tcp_in"], "tcp_rst_sent": e["tcp_rst"],
            "reached_udp": e["udp_in"] + e["udp_noport"], "ip_in": e["ip_in"],
            "cpu_ns_per_packet": c})
    for m in MODES:
        for kind in FLOODS + ["pass"]:
            for case, d in wire[m][kind].items():
                runs = d["runs"]
                d["rx_pps"] = fig([x["rx_pps"] for x in runs])
                d["rx_pps_wall"] = fig([x["rx_pps_wall"] for x in runs])
                d["offered_pps"] = fig([x["offered_pps"] for x in runs])
                d["cpu_ns_per_packet"] = fig([x["cpu_ns_per_packet"] for x in runs])
                d["per_core_pps"] = fig([1e9 / x["cpu_ns_per_packet"] for x in runs
                                         if x["cpu_ns_per_packet"]])
                d["cpu0_measured_share"] = fig([x["cpu0_measured_share"] for x in runs])
                # the receiver was the bottleneck when the generator's veth
                # could not hand it all frames (its ring was full)
                d["receiver_saturated_runs"] = sum(
                    1 for x in runs if x["xmit_err"] > 0.01 * x["frames"])
                if kind != "pass":
                    # dropped: received and neither reached TCP nor got an RST
                    d["dropped_fraction"] = fig([
                        (x["received"] - x["reached_tcp"]) / x["received"]
                        for x in runs if x["received"]])
                    d["tcp_rst_sent"] = sum(x["tcp_rst_sent"] for x in runs)
                else:
                    d["reached_stack_fraction"] = fig([
                        x["reached_udp"] / x["received"] for x in runs if x["received"]])
    ratios = {m: {"wall": wire_ratios(m, wall), "per_core": wire_ratios(m, percore)}
              for m in MODES}
    # the stage costs (run.sh PARTS stages): CPU ns per packet when the
    # program stops after each stage, and the difference between stages
    st = {c: d for c, d in wire["same"]["drop"].items() if c.startswith("stage")}
    if st:
        names = ["parse", "config", "lists", "shield", "flow", "rule", "finish"]
        cum = [st.get("stage%d" % i, {}).get("cpu_ns_per_packet") for i in (1, 2, 3, 4, 5, 6, 0)]
        base = st.get("stage_base", {}).get("cpu_ns_per_packet")
        out = {}
        prev = base["median"] if base else None
        for n, c in zip(names, cum):
            if c:
                out[n] = {"cumulative_ns": c["median"],
                          "stage_ns": c["median"] - prev if prev is not None else None}
                prev = c["median"]
        ratios["same"]["stages_syn_flood"] = {"xdp_drop_ns": base["median"] if base else None,
                                             "stages": out}
    # the other floods (placement same), per kind
    for kind in FLOODS[1:]:
        ratios["same"]["%s_per_core" % kind] = wire_ratios("same", percore, kind)
        ratios["same"]["%s_wall" % kind] = wire_ratios("same", wall, kind)
    return {"modes": wire, "ratios": ratios}


def wire_ratios(m, per, kind="drop"):
    """per: (mode, kind, case) -> {round: rate} (received per second, or
    1e9 / CPU ns per packet)."""
    drop = {c: per.get((m, kind, c), {}) for c in WIRE_DROP_CASES}

    def best(cases):
        return max((c for c in cases if drop[c]),
                   key=lambda c: statistics.median(v for v in drop[c].values() if v), default=None)
    best_nft = best(("nft_hash", "nft_interval"))
    best_ipt = best(("iptables_legacy", "iptables_nft"))
    pe, pn = per.get((m, "pass", "edgefw"), {}), per.get((m, "pass", "none"), {})
    rm = {
        "edgefw/xdp_drop": ratio(drop["edgefw"], drop["xdp_drop"]),
        "best_nftables": best_nft,
        "edgefw/best_nftables": ratio(drop["edgefw"], drop[best_nft]) if best_nft else None,
        "best_iptables": best_ipt,
        "edgefw/best_iptables": ratio(drop["edgefw"], drop[best_ipt]) if best_ipt else None,
        "edgefw/xdp_filter": ratio(drop["edgefw"], drop["xdp_filter"]),
        "edgefw_shield/xdp_drop": ratio(drop["edgefw_shield"], drop["xdp_drop"]),
        "edgefw_shield/edgefw": ratio(drop["edgefw_shield"], drop["edgefw"]),
        "pass: edgefw/none": ratio(pe, pn),
    }
    # what each case costs per packet on top of the bare XDP_DROP (the pass
    # flow: on top of no program), paired by round
    extra = {}
    base = drop["xdp_drop"]
    for c in WIRE_DROP_CASES:
        if c != "xdp_drop" and drop[c]:
            extra[c] = fig([1e9 / drop[c][r] - 1e9 / base[r] for r in drop[c]
                            if base.get(r) and drop[c][r]])
    extra["pass: edgefw over none"] = fig([1e9 / pe[r] - 1e9 / pn[r] for r in pe
                                           if pn.get(r) and pe[r]])
    rm["extra_ns_per_packet_vs_baseline"] = extra
    return rm


def by_case(raw, m):
    """The records of measurement m: {case: {round: record}}."""
    out = {}
    for r in raw:
        if r["m"] == m:
            out.setdefault(r["case"], {})[r["round"]] = r
    return out


# ---- 2. pass path: TCP ---------------------------------------------------------------

def pass_path(raw):
    ip = by_case(raw, "iperf")
    if not ip:
        return None
    tcp = {}
    for c in IPERF_CASES:
        rs = ip.get(c, {})
        tcp[c] = {"gbps": fig([x.get("gbps") for x in rs.values()]),
                  "retransmits": fig([x.get("retransmits") for x in rs.values()]),
                  "errors": [x["error"] for x in rs.values() if x.get("error")]}
    g = {c: {k: v["gbps"] for k, v in ip.get(c, {}).items() if v.get("gbps")} for c in IPERF_CASES}
    rt = {f"{c}/none": ratio(g[c], g["none"]) for c in IPERF_CASES if c != "none"}
    rt["edgefw/nft_hash"] = ratio(g["edgefw"], g["nft_hash"])
    rt["edgefw/xdp_pass"] = ratio(g["edgefw"], g["xdp_pass"])
    tso = sorted({r["peer_tso_with_edgefw"] for r in raw if r["m"] == "tso"})
    return {"cases": tcp, "ratios": rt, "sender_tso_while_edgefw_attached": tso}


# ---- 3. events ----------------------------------------------------------------------------

EVENT_CASES = ["events_off", "events_on", "events_follow"]
EVENT_FIGS = ("drop_pps", "cpu_ns_per_packet", "prog_ns_per_packet", "events_sent", "events_lost",
              "events_suppressed", "events_written", "events_unwritten",
              "subscriber_events_dropped", "lines_delivered", "lines_by_generator_end",
              "metric_lines", "delivered_per_s_during_flood", "agent_cpu_s_during_flood",
              "agent_rss_mib_flood_end", "agent_hwm_mib",
              # events_follow only
              "follower_lines", "follower_lines_by_generator_end", "follower_per_s_during_flood",
              "follower_told_lost", "follower_cpu_s_during_flood")


def events(raw):
    ev = by_case(raw, "events")
    if not ev:
        return None
    cases = {}
    for c, rs in ev.items():
        runs = [rs[k] for k in sorted(rs)]
        d = {k: fig([x.get(k) for x in runs]) for k in EVENT_FIGS}
        d = {k: v for k, v in d.items() if v is not None}
        d["per_core_pps"] = fig([1e9 / x["cpu_ns_per_packet"] for x in runs
                                 if x.get("cpu_ns_per_packet")])
        d["cpu0_measured_share"] = fig([x["cpu_ns_per_packet"] * x["frames_received"] / 1e9 / x["gen"]["elapsed_s"]
                                        for x in runs if x["gen"].get("elapsed_s") and x.get("cpu_ns_per_packet")])
        # lines the agent wrote into the file while the flood ran, per second of its CPU
        d["events_per_agent_cpu_s"] = fig([
            x["lines_by_generator_end"] / x["agent_cpu_s_during_flood"]
            for x in runs if x["agent_cpu_s_during_flood"] > 0.05])
        d["flood_wall_s"] = fig([x["gen"]["elapsed_s"] for x in runs])
        # what limits the rate: events the data path raised (into the ring or
        # lost to it being full) per wall second of the flood; the share of
        # the flood's wall time the agent (and the follower) ran; the agent's
        # CPU per line; lines still to write when the generator returned
        d["events_raised_per_s"] = fig([(x["events_sent"] + x["events_lost"]) / x["gen"]["elapsed_s"]
                                        for x in runs if x["gen"].get("elapsed_s")])
        d["agent_busy_share"] = fig([x["agent_cpu_s_during_flood"] / x["gen"]["elapsed_s"]
                                     for x in runs if x["gen"].get("elapsed_s")])
        d["follower_busy_share"] = fig([x["follower_cpu_s_during_flood"] / x["gen"]["elapsed_s"]
                                        for x in runs if x["gen"].get("elapsed_s")
                                        and x.get("follower_cpu_s_during_flood") is not None])
        d["agent_cpu_ns_per_line"] = fig([x["agent_cpu_s_during_flood"] * 1e9 / x["lines_by_generator_end"]
                                          for x in runs if x["lines_by_generator_end"] > 1000])
        d["lines_after_generator_end"] = fig([x["lines_delivered"] - x["lines_by_generator_end"] for x in runs])
        d["accounting"] = [{
            "round": x["round"], "frames_generated": x["frames_generated"],
            "frames_received": x["frames_received"], "dropped": x["ingress_drops"],
            "events_sent": x["events_sent"], "events_lost": x["events_lost"],
            "events_suppressed": x["events_suppressed"],
            "sent+lost+suppressed": x["accounted"],
            "every_drop_accounted": x["accounted"] == x["ingress_drops"],
            "events_written": x.get("events_written"), "events_unwritten": x.get("events_unwritten"),
            "subscriber_events_dropped": x.get("subscriber_events_dropped"),
            "lines_delivered": x["lines_delivered"],
            "every_sent_event_delivered": x["lines_delivered"] == x["events_sent"],
            **({"follower_lines": x["follower_lines"], "follower_told_lost": x["follower_told_lost"]}
               if "follower_lines" in x else {}),
            "checks": x.get("checks", {}),
        } for x in runs]
        d["runs_every_drop_accounted"] = sum(a["every_drop_accounted"] for a in d["accounting"])
        d["runs_every_sent_event_delivered"] = sum(a["every_sent_event_delivered"]
                                                   for a in d["accounting"])
        # each accounting check: in how many runs it held
        names = []
        for a in d["accounting"]:
            names += [k for k in a["checks"] if k not in names]
        d["checks_runs_held"] = {k: sum(bool(a["checks"].get(k)) for a in d["accounting"]) for k in names}
        d["runs"] = len(runs)
        cases[c] = d

    def per_round(case, f):
        return {k: f(v) for k, v in ev.get(case, {}).items()}

    def pc(v):
        return 1e9 / v["cpu_ns_per_packet"] if v.get("cpu_ns_per_packet") else None
    ratios = {}
    for case in ("events_on", "events_follow"):
        ratios["drop_pps %s/events_off" % case] = ratio(per_round(case, lambda v: v["drop_pps"]),
                                                        per_round("events_off", lambda v: v["drop_pps"]))
        ratios["per_core_pps %s/events_off" % case] = ratio(per_round(case, pc), per_round("events_off", pc))
        ratios["program_ns %s/events_off" % case] = ratio(per_round(case, lambda v: v["prog_ns_per_packet"]),
                                                          per_round("events_off", lambda v: v["prog_ns_per_packet"]))
    return {"cases": cases, "ratios": ratios}


# ---- 4. policy changes -------------------------------------------------------------------------

POLICY_KEYS = ["load_shipped_s", "load_100k_s", "swap_shipped_to_100k_s", "swap_100k_to_shipped_s",
               "peak_rss_kib_shipped", "peak_rss_kib_100k", "peak_rss_kib_after_swap_to_100k",
               "peak_rss_kib_after_swap_back"]


def policy(raw):
    rs = [r for r in raw if r["m"] == "policy"]
    if not rs:
        return None
    return {k: fig([r[k] for r in rs]) for k in POLICY_KEYS}


# ---- console ----------------------------------------------------------------------------------

def f3(f, scale=1.0, fmt="%.0f"):
    if not f:
        return "-"
    return (fmt + " [" + fmt + "-" + fmt + "]") % (f["median"] / scale, f["min"] / scale, f["max"] / scale)


def fr(r):
    if not r or r.get("ratio") is None:
        return "-"
    return "%.2fx [%.2f-%.2f]" % (r["ratio"], r["paired"]["min"], r["paired"]["max"])


def console(res):
    m = res["meta"]
    print(f"bench/wire: kernel {m['kernel']}, {m['cpus']} CPUs, {m['runs']} runs, median [min-max]; "
          f"load average {m['loadavg_before']} -> {m['loadavg_after']}; {m['wall_s']} s")
    w = res.get("wire_rate")
    if w:
        for mode in MODES:
            print(f"  wire rate, placement {mode}: received Mpps | receiver CPU ns/pkt")
            for kind, cases in [(k, WIRE_DROP_CASES) for k in FLOODS] + [("pass", WIRE_PASS_CASES)]:
                for c in cases:
                    d = w["modes"][mode][kind].get(c)
                    if d:
                        print(f"    {kind} {c:<16} {f3(d['rx_pps'], 1e6, '%.2f'):<22} "
                              f"{f3(d['cpu_ns_per_packet'])}")
            for basis in ("wall", "per_core"):
                r = w["ratios"][mode][basis]
                print(f"    {basis:<8} edgefw/xdp_drop {fr(r['edgefw/xdp_drop'])}  "
                      f"edgefw/{r['best_nftables']} {fr(r['edgefw/best_nftables'])}")
    t = res.get("pass_path_tcp")
    if t:
        print("  iperf3 Gbit/s: " + ", ".join(f"{c} {f3(t['cases'][c]['gbps'], 1, '%.2f')}"
                                              for c in IPERF_CASES))
    e = res.get("events")
    if e:
        for c in EVENT_CASES + sorted(set(e["cases"]) - set(EVENT_CASES)):
            d = e["cases"].get(c)
            if not d:
                continue
            print(f"  {c}: drop {f3(d.get('drop_pps'), 1e6, '%.2f')} Mpps, file lines/s "
                  f"{f3(d.get('delivered_per_s_during_flood'))}"
                  + (f", follower lines/s {f3(d.get('follower_per_s_during_flood'))}"
                     if d.get("follower_per_s_during_flood") else "")
                  + f", sent {f3(d.get('events_sent'))} lost {f3(d.get('events_lost'))} "
                  f"suppressed {f3(d.get('events_suppressed'))}; RSS {f3(d.get('agent_rss_mib_flood_end'), 1, '%.1f')} MiB; "
                  + ", ".join(f"{k} {v}/{d['runs']}" for k, v in d["checks_runs_held"].items()))
    p = res.get("policy")
    if p:
        print(f"  policy: load shipped {f3(p['load_shipped_s'], 1, '%.3f')} s, 100k "
              f"{f3(p['load_100k_s'], 1, '%.3f')} s; swap to 100k {f3(p['swap_shipped_to_100k_s'], 1, '%.3f')} s, "
              f"back {f3(p['swap_100k_to_shipped_s'], 1, '%.3f')} s")


def main():
    raw = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
    res = {"meta": meta()}
    res["loadavg_per_round"] = [{"part": r["part"], "round": r["round"], "loadavg": r["loadavg"]}
                                for r in raw if r["m"] == "load"]
    for k, f in (("wire_rate", wire_rate), ("pass_path_tcp", pass_path), ("events", events),
                 ("policy", policy)):
        v = f(raw)
        if v is not None:
            res[k] = v
    with open(sys.argv[2], "w") as out:
        json.dump(res, out, indent=1)
    console(res)


if __name__ == "__main__":
    main()
