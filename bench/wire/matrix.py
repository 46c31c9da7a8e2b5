#!/usr/bin/env python3
"""The external NIC's port matrix of an edgefw policy, for the comparison
rulesets of bench/wire: nftables (netdev ingress hook), iptables + ipset
(raw PREROUTING) and xdp-filter (a bpftool batch file for its port map).

    matrix.py POLICY NODE IFNAME nft-interval|nft-hash|ipset|iptables|xdp-filter-batch [PIN]

The matrix, read from the policy exactly as edgefw reads it for one node:
  * "in" rules on the external interface: (service address, protocol,
    destination port) -- the port summary's inbound rows;
  * "out" rules: their replies, stateless: (service address, protocol,
    source port = the rule's remote port); an out rule with local_ports
    (A/V media) admits replies to (service address, protocol, local port);
  * ICMP echo request/reply and the errors edgefw relates (3, 11, 12) to a
    service address (edgefw checks errors against its flow table; a
    stateless filter cannot).
Peer sets on external rules are all "any" in the shipped policy; a rule with
another peer set is still written with its peers (nft and ipset only).
Everything else arriving on the NIC is dropped, as edgefw drops it.  IPv6:
the shipped policy's nodes have no IPv6 address, so IPv6 is dropped except
neighbour discovery (as edgefw always passes it).
"""
import ipaddress
import json
import sys

SVC_ROLE = {"access": "external", "webconf": "external", "av": "external",
            "xmpp": "external", "internal": "internal", "management": "internal"}


def ports_of(spec):
    """[(lo, hi)] of a rule's "ports"; None for "any"."""
    if spec is None or spec == "any":
        return None
    items = spec if isinstance(spec, list) else [spec]
    out = []
    for it in items:
        s = str(it)
        if "-" in s:
            lo, hi = s.split("-")
            out.append((int(lo), int(hi)))
        else:
            out.append((int(s), int(s)))
    return out


def matrix(policy, node_name, role="external"):
    node = next(n for n in policy["nodes"] if n["name"] == node_name)
    addrs = node["addresses"]
    svc_addrs = {s: list(addrs.get(s, [])) for s in SVC_ROLE}
    if not svc_addrs["xmpp"]:
        svc_addrs["xmpp"] = list(svc_addrs["access"])
    excl = set(policy.get("settings", {}).get("exclude_tags", []))
    peers = policy.get("peers", {})
    inbound, replies = set(), set()
    for r in policy["rules"] + policy.get("management", []):
        if r["interface"] != role or excl & set(r.get("tags", [])):
            continue
        peer = r.get("peer", "any")
        plist = peer if isinstance(peer, list) else peers.get(peer, ["any"]) if peer != "any" else ["any"]
        pk = None if "any" in plist else tuple(plist)
        for a in svc_addrs[r["service"]]:
            if ipaddress.ip_address(a).version != 4:
                continue
            if r["direction"] == "in":
                for lo, hi in ports_of(r["ports"]):
                    inbound.add((a, r["protocol"], lo, hi, pk))
            else:
                rp = ports_of(r.get("ports"))
                lp = r.get("local_ports")
                if lp is not None:
                    lo, hi = ports_of(lp)[0]
                    inbound.add((a, r["protocol"], lo, hi, pk))  # reply to our local port
                elif rp:
                    for lo, hi in rp:
                        replies.add((a, r["protocol"], lo, hi, pk))
    v4 = sorted({a for s in ("access", "webconf", "av", "xmpp") for a in svc_addrs[s]
                 if ipaddress.ip_address(a).version == 4})
    return sorted(inbound), sorted(replies), v4


def nft(inbound, replies, v4, ifname, expand):
    """A netdev ingress table.  expand: every port of a range as its own
    element of a hash set (no interval flag); else one interval set (pipapo)."""
    def elems(rows):
        out = []
        for a, proto, lo, hi, _ in rows:
            if expand or lo == hi:
                out += [f"{a} . {proto} . {p}" for p in range(lo, hi + 1)]
            else:
                out.append(f"{a} . {proto} . {lo}-{hi}")
        return out
    assert all(r[4] is None for r in inbound + replies), "peer sets: not in this generator"
    flags = "" if expand else "\t\tflags interval\n"
    tname = "efb_edge"
    lines = [f"table netdev {tname} {{",
             "\tset svc_in {",
             "\t\ttype ipv4_addr . inet_proto . inet_service",
             flags.rstrip("\n"),
             "\t\telements = { " + ",\n\t\t\t".join(elems(inbound)) + " }",
             "\t}",
             "\tset svc_reply {",
             "\t\ttype ipv4_addr . inet_proto . inet_service",
             flags.rstrip("\n"),
             "\t\telements = { " + ",\n\t\t\t".join(elems(replies)) + " }",
             "\t}",
             "\tset svc_addr {",
             "\t\ttype ipv4_addr",
             "\t\telements = { " + ", ".join(v4) + " }",
             "\t}",
             "\tchain in4 {",
             # later fragments carry no ports: a stateless filter drops them
             "\t\tip frag-off & 0x1fff != 0 drop",
             "\t\tip daddr . meta l4proto . th dport @svc_in accept",
             "\t\tip daddr . meta l4proto . th sport @svc_reply accept",
             "\t\tip daddr @svc_addr icmp type { echo-request, echo-reply, destination-unreachable,"
             " time-exceeded, parameter-problem } accept",
             "\t\tdrop",
             "\t}",
             "\tchain in6 {",
             "\t\ticmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit,"
             " nd-neighbor-advert, nd-redirect, mld-listener-query, mld-listener-report,"
             " mld-listener-done, mld2-listener-report } accept",
             "\t\tdrop",
             "\t}",
             "\tchain ingress {",
             f"\t\ttype filter hook ingress device \"{ifname}\" priority -500; policy drop;",
             # one lookup dispatches every frame by ethertype
             "\t\tmeta protocol vmap { ip : jump in4, ip6 : jump in6, arp : accept }",
             "\t}",
             "}"]
    return "\n".join(l for l in lines if l) + "\n"


def ipset(inbound, replies, v4):
    """ipset restore input: hash:ip,port sets (ranges expand on add)."""
    out = ["create efb-in hash:ip,port family inet hashsize 32768 maxelem 262144",
           "create efb-reply hash:ip,port family inet",
           "create efb-addr hash:ip family inet"]
    for a, proto, lo, hi, _ in inbound:
        out.append(f"add efb-in {a},{proto}:{lo}" + (f"-{hi}" if hi != lo else ""))
    for a, proto, lo, hi, _ in replies:
        out.append(f"add efb-reply {a},{proto}:{lo}" + (f"-{hi}" if hi != lo else ""))
    for a in v4:
        out.append(f"add efb-addr {a}")
    return "\n".join(out) + "\n"


def iptables(ifname):
    """iptables-restore input: the raw table, before conntrack, one chain."""
    return "\n".join([
        "*raw",
        ":PREROUTING ACCEPT [0:0]",
        ":efb-in4 - [0:0]",
        f"-A PREROUTING -i {ifname} -j efb-in4",
        "-A efb-in4 -m set --match-set efb-in dst,dst -j ACCEPT",
        "-A efb-in4 -m set --match-set efb-reply dst,src -j ACCEPT",
        "-A efb-in4 -p icmp -m set --match-set efb-addr dst -m icmp --icmp-type echo-request -j ACCEPT",
        "-A efb-in4 -p icmp -m set --match-set efb-addr dst -m icmp --icmp-type echo-reply -j ACCEPT",
        "-A efb-in4 -p icmp -m set --match-set efb-addr dst -m icmp --icmp-type destination-unreachable -j ACCEPT",
        "-A efb-in4 -p icmp -m set --match-set efb-addr dst -m icmp --icmp-type time-exceeded -j ACCEPT",
        "-A efb-in4 -p icmp -m set --match-set efb-addr dst -m icmp --icmp-type parameter-problem -j ACCEPT",
        "-A efb-in4 -j DROP",
        "COMMIT", ""])


# xdp-filter (xdp-tools 1.3) port map: key = htons(port) as a u32, value =
# flag bits src 1, dst 2, tcp 4, udp 8 (a per-CPU u64; bpftool writes the
# same value for every CPU).
XF_SRC, XF_DST, XF_TCP, XF_UDP = 1, 2, 4, 8


def xdp_filter_batch(inbound, replies, pin):
    flags = {}
    for rows, mode in ((inbound, XF_DST), (replies, XF_SRC)):
        for _, proto, lo, hi, _ in rows:
            for p in range(lo, hi + 1):
                flags[p] = flags.get(p, 0) | mode | (XF_TCP if proto == "tcp" else XF_UDP)
    out = []
    for p, f in sorted(flags.items()):
        out.append(f"map update pinned {pin} key {p >> 8} {p & 0xff} 0 0 value {f} 0 0 0 0 0 0 0")
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) < 5:
        print(__doc__, file=sys.stderr)
        return 2
    policy = json.load(open(sys.argv[1]))
    inbound, replies, v4 = matrix(policy, sys.argv[2])
    what = sys.argv[4]
    if what == "nft-interval":
        sys.stdout.write(nft(inbound, replies, v4, sys.argv[3], expand=False))
    elif what == "nft-hash":
        sys.stdout.write(nft(inbound, replies, v4, sys.argv[3], expand=True))
    elif what == "ipset":
        sys.stdout.write(ipset(inbound, replies, v4))
    elif what == "iptables":
        sys.stdout.write(iptables(sys.argv[3]))
    elif what == "xdp-filter-batch":
        sys.stdout.write(xdp_filter_batch(inbound, replies, sys.argv[5]))
    elif what == "summary":
        print(json.dumps({"inbound": inbound, "replies": replies, "addresses": v4}))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
