#!/bin/bash
# edgefw operations tests: what an admin relies on while running the node,
# over real traffic on one Lync Edge node built from network namespaces
# (local model, as shield.sh).
#
#   1. `edgefw explain` changes nothing: every map the live program uses
#      (flows, fragments, event and source limits, blocks, verified
#      sources, the SYN rate, counters, rule statistics) is read before and
#      after a batch of explains that would each touch some of that state
#      if they were not dry runs, with no traffic in between, and compared
#      byte for byte;
#   2. allow events are really produced: `settings.log_allowed` and a
#      rule's `log: true` give `allowed` events named after the rule, one
#      per new flow, and `edgefw events --action allowed|denied` split them
#      from drops; the `events-not-delivered` line reports exactly the
#      events the per-source limit suppressed;
#   3. a monitor -> enforce reload keeps the flows a rule allows and cuts
#      the others (revoked), and explain and stats say so;
#   4. `edgefw flows` lists real flows (inbound TCP and UDP, the node's
#      DNS query) with their rule, opener, state and table, its filters
#      count them, and `flows flush` removes exactly what it names: the
#      next packet of a flushed inbound flow is judged again (cut), the
#      late answer to a flushed outbound query is dropped;
#   5. `edgefw capture` writes the dropped packets (in and out, and the
#      first packet of new flows when asked) to pcapng that tcpdump and
#      tshark read, with NIC, direction and verdict; its filters pick,
#      --count, the reader going away, SIGINT and a flood's --max-pps
#      bound end or bound it; 4 run at once, a killed one's slot lapses,
#      and a capture outlives the agent's kill -9.
#
# Debian packages needed: iproute2 python3 procps coreutils util-linux
# (nsenter) bpftool tcpdump tshark.
#
# Usage (as root):  make e2e-test     or   tests/e2e/ops.sh
#   EDGEFW=path/to/edgefw   the binary (default: $BUILD/edgefw, BUILD=build)
#   XDP_PASS_OBJ=path       tests/e2e/xdp_pass.bpf.c built (make does it;
#                           default: $BUILD/tests/xdp_pass.bpf.o)
#   OPS_PARTS="explain events reload flows capture"   the parts to run (default: all)
#   E2E_VERBOSE=1           print the output of passing checks too
#   E2E_KEEP=1              keep the work dir (policies, logs, snapshots)
#
# Everything lives in network namespaces named efo-* with pins under
# /sys/fs/bpf/efo-*; IPv4 only (no neighbour discovery or MLD to disturb a
# quiet data path), only 203.0.113.0/24, 198.51.100.0/24 and 198.18.0.0/15
# are used; nothing leaves the namespaces.  Exit status: 0 when every
# check passed.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
SUITE=ops NS_PREFIX=efo- NX_TIMEOUT=25
NS_SYSCTL=(net.ipv6.conf.default.disable_ipv6=1 net.ipv6.conf.all.disable_ipv6=1)
built EDGEFW edgefw
built XDP_PASS_OBJ tests/xdp_pass.bpf.o
PARTS=" ${OPS_PARTS:-explain events reload flows capture} "

# ---- names and addresses ---------------------------------------------------

NS_NODE=efo-edge   # edge1, local model
NS_INET=efo-inet   # the internet: clients
NS_CORP=efo-corp   # the corporate side
EXT=efo-ext INTIF=efo-int
PINS=/sys/fs/bpf/efo-edge
ACC=203.0.113.140 WEB=203.0.113.141 AV=203.0.113.142
INT=198.18.110.10 CORP=198.18.110.100
INET=203.0.113.129 # the internet side of the link (the node's gateway)
B=203.0.113.130    # a client with ordinary connections
V=203.0.113.131    # a client that answers a SYN challenge (verified)
F=203.0.113.150    # a fresh source nobody has seen: only in explains
U1=198.51.100.10   # spoofed UDP: over its limit on av:3478, blocked for 600 s
U2=198.51.100.11   # spoofed UDP: over its limit on av:50000, blocked 2 s (expired)
U3=198.51.100.12   # spoofed UDP: its av:3478 bucket empty, not blocked
HALF=198.51.100.77 # a spoofed SYN: a half-open flow whose ACK would promote it
SUP=198.51.100.20  # a source whose drop events exceed the event limit
TLS=ext-access-sip-tls-443-in
XMPP=ext-xmpp-5269-in
MTLS=ext-access-sip-mtls-5061-in
STUN=ext-av-stun-udp-3478-in
RTP=ext-av-rtp-udp-in

# ---- the helper: map snapshots, flow edits, echo server, connection holders ---

write_tool() {
	cat >"$WORK/ops_tool.py" <<-'EOF'
	#!/usr/bin/python3
	"""ops.sh's helpers (standard library only).

	  snap PINDIR OUT          every pinned map (the bpf(2) syscall): its entries
	                           (arrays: the non-zero ones), per-CPU values per CPU
	  diff A B                 exit 1 and print what differs between two snaps
	  nonempty SNAP MAP...     exit 1 unless each MAP holds a non-zero entry
	  flows PINDIR             one line per flow of both tables
	  set-isn PINDIR R RP LP ISN   the untrusted flow remote R:RP -> local port LP
	  drain PINDIR SRC         SRC's new-flow buckets: empty, refilling from 1 h on
	  serve --tcp P,.. --lifetime S --ready F   TCP echo, no idle timeout
	  hold ADDR PORT --bind A --out F --stop F --max S   an idle connection
	  conns --bind A --spec NAME=tcp:ADDR:PORT,NAME=udp:ADDR:PORT,.. --ready F --go F --max S
	      each of them echoes a line (JSON in --ready), then again once --go
	      exists: JSON on stdout
	"""
	import ctypes, hashlib, ipaddress, json, os, platform, select, socket, struct, sys, threading, time

	SYS_BPF = {"x86_64": 321, "aarch64": 280}[platform.machine()]
	libc = ctypes.CDLL(None, use_errno=True)
	libc.syscall.restype = ctypes.c_long
	ENOENT = 2


	def possible_cpus():
	    n = 0
	    for part in open("/sys/devices/system/cpu/possible").read().strip().split(","):
	        lo, _, hi = part.partition("-")
	        n += int(hi or lo) - int(lo) + 1
	    return n


	NCPU = possible_cpus()


	def bpf(cmd, attr):
	    buf = ctypes.create_string_buffer(attr, 128)
	    r = libc.syscall(SYS_BPF, cmd, buf, 128)
	    return r, (ctypes.get_errno() if r < 0 else 0), buf.raw


	def A(b):
	    return ctypes.addressof(b) if b is not None else 0


	def obj_get(path):
	    p = ctypes.create_string_buffer(path.encode())
	    fd, err, _ = bpf(7, struct.pack("QII", A(p), 0, 0))
	    if fd < 0:
	        raise OSError(err, "%s: %s" % (path, os.strerror(err)))
	    return fd


	def map_info(fd):
	    info = ctypes.create_string_buffer(256)
	    r, err, _ = bpf(15, struct.pack("IIQ", fd, 256, A(info)))
	    if r < 0:
	        return None
	    typ, _id, ks, vs, maxe, flags = struct.unpack_from("6I", info.raw)
	    name = info.raw[24:40].split(b"\0")[0].decode()
	    return {"type": typ, "ks": ks, "vs": vs, "max": maxe, "flags": flags, "name": name}


	PERCPU = (5, 6, 10)  # percpu hash, percpu array, lru percpu hash


	def vsize(m):
	    return ((m["vs"] + 7) // 8 * 8) * NCPU if m["type"] in PERCPU else m["vs"]


	def lookup(fd, key, vs):
	    k = ctypes.create_string_buffer(key, len(key))
	    v = ctypes.create_string_buffer(vs)
	    r, err, _ = bpf(1, struct.pack("IIQQQ", fd, 0, A(k), A(v), 0))
	    if r < 0:
	        if err == ENOENT:
	            return None
	        raise OSError(err, os.strerror(err))
	    return v.raw


	def update(fd, key, val, flags=0):
	    k = ctypes.create_string_buffer(key, len(key))
	    v = ctypes.create_string_buffer(val, len(val))
	    r, err, _ = bpf(2, struct.pack("IIQQQ", fd, 0, A(k), A(v), flags))
	    if r < 0:
	        raise OSError(err, os.strerror(err))


	def keys(fd, ks):
	    cur = None
	    while True:
	        nk = ctypes.create_string_buffer(ks)
	        k = ctypes.create_string_buffer(cur, ks) if cur is not None else None
	        r, err, _ = bpf(4, struct.pack("IIQQ", fd, 0, A(k), A(nk)))
	        if r < 0:
	            if err == ENOENT:
	                return
	            raise OSError(err, os.strerror(err))
	        cur = nk.raw
	        yield cur


	def array_entries(fd, m, out):
	    """arrays through BPF_MAP_LOOKUP_BATCH; only non-zero values kept"""
	    vs, n = vsize(m), 8192
	    kb = ctypes.create_string_buffer(4 * n)
	    vb = ctypes.create_string_buffer(vs * n)
	    inb, outb = None, ctypes.create_string_buffer(8)
	    while True:
	        r, err, raw = bpf(24, struct.pack("QQQQIIQQ", A(inb), A(outb), A(kb), A(vb), n, fd, 0, 0))
	        if r < 0 and err != ENOENT:
	            raise OSError(err, os.strerror(err))
	        cnt = struct.unpack_from("I", raw, 32)[0]
	        vals = vb.raw[:cnt * vs]
	        if vals.count(0) != len(vals):
	            for i in range(cnt):
	                v = vals[i * vs:(i + 1) * vs]
	                if v.count(0) != vs:
	                    out[kb.raw[i * 4:i * 4 + 4].hex()] = v.hex()
	        if r < 0:
	            return
	        inb = ctypes.create_string_buffer(outb.raw, 8)


	def snap(pindir):
	    res = {}
	    for name in sorted(os.listdir(pindir)):
	        # not the XDP links; not ef_scratch: per-CPU scratch space for the
	        # SYN cookie headers, written before every use by whichever
	        # program (live or dry run) uses it, never read across runs
	        if not name.startswith("ef_") or name == "ef_scratch":
	            continue
	        path = os.path.join(pindir, name)
	        try:
	            fd = obj_get(path)
	        except OSError:
	            continue
	        try:
	            m = map_info(fd)
	            if m is None or m["type"] == 27:  # not a map, or the ring buffer
	                continue
	            ent = {}
	            if m["type"] in (2, 6):
	                array_entries(fd, m, ent)
	            else:
	                for k in list(keys(fd, m["ks"])):
	                    v = lookup(fd, k, vsize(m))
	                    if v is not None:
	                        ent[k.hex()] = v.hex()
	            res[name] = {"type": m["type"], "max": m["max"], "entries": ent,
	                         "sha256": hashlib.sha256(json.dumps(ent, sort_keys=True).encode()).hexdigest()}
	        finally:
	            os.close(fd)
	    return res


	def addr(b):
	    if b[:12] == b"\0" * 10 + b"\xff\xff":
	        return str(ipaddress.IPv4Address(b[12:16]))
	    return str(ipaddress.IPv6Address(b))


	STATES = ["open", "syn-sent", "syn-recv", "syn-ack-sent", "established", "closing"]
	FLOWK, FLOWV = "<16s16sHHB3x", "<QIIHBB4x"


	def coarse_now():
	    return time.clock_gettime_ns(6)  # CLOCK_MONOTONIC_COARSE: bpf_ktime_get_coarse_ns


	def fmt_flow(k, v):
	    lo, re, lp, rp, proto = struct.unpack(FLOWK, k)
	    seen, epoch, isn, rule, state, flags = struct.unpack_from(FLOWV, v)
	    return "%s:%d %s:%d proto %d state %s flags 0x%x seen %d (%.1fs ago) epoch %d isn %d rule %d" % (
	        addr(lo), lp, addr(re), rp, proto, STATES[state] if state < 6 else state, flags, seen,
	        (coarse_now() - seen) / 1e9, epoch, isn, rule)


	def decode(name, k, v):
	    k, v = bytes.fromhex(k), bytes.fromhex(v) if v else None
	    try:
	        if name in ("ef_flows", "ef_flows_new"):
	            return fmt_flow(k, v) if v else fmt_flow(k, b"\0" * 24) + " (absent)"
	        if name in ("ef_evlimit", "ef_verified", "ef_blocked"):
	            rest = v.hex() if v else "absent"
	            if v and name == "ef_evlimit":
	                rest = "last %d credit %d" % struct.unpack("<QQ", v)
	            if v and name == "ef_blocked":
	                rest = "until %d since %d rule %d" % struct.unpack_from("<QQH", v)
	            return "%s: %s" % (addr(k), rest)
	        if name == "ef_srclimit":
	            return "%s (%s): %s" % (addr(k[:16]), k[16:].hex(),
	                                   "last %d credit %d" % struct.unpack("<QQ", v) if v else "absent")
	    except (struct.error, ValueError):
	        pass
	    return "key %s value %s" % (k.hex(), v.hex() if v else "absent")


	def cmd_diff(a, b):
	    x, y = json.load(open(a)), json.load(open(b))
	    bad = 0
	    for name in sorted(set(x) | set(y)):
	        if name not in x or name not in y:
	            print("%s: only in %s" % (name, a if name in x else b))
	            bad += 1
	            continue
	        ex, ey = x[name]["entries"], y[name]["entries"]
	        if ex == ey:
	            continue
	        bad += 1
	        ks = sorted(set(ex) | set(ey), key=lambda k: (ex.get(k) == ey.get(k), k))
	        changed = [k for k in ks if ex.get(k) != ey.get(k)]
	        print("%s: %d entries differ (%d before, %d after)" % (name, len(changed), len(ex), len(ey)))
	        for k in changed[:8]:
	            print("    before: " + decode(name, k, ex.get(k)))
	            print("    after:  " + decode(name, k, ey.get(k)))
	    if not bad:
	        print("%d maps, %d entries: identical" % (len(x), sum(len(m["entries"]) for m in x.values())))
	    return 1 if bad else 0


	def cmd_nonempty(f, names):
	    x = json.load(open(f))
	    bad = 0
	    for n in names:
	        c = len(x.get(n, {}).get("entries", {}))
	        print("%-14s %6d entries" % (n, c))
	        bad += c == 0
	    return 1 if bad else 0


	def flow_maps(pindir):
	    for t in ("ef_flows", "ef_flows_new"):
	        yield t, obj_get(os.path.join(pindir, t))


	def cmd_flows(pindir):
	    for t, fd in flow_maps(pindir):
	        for k in list(keys(fd, 40)):
	            v = lookup(fd, k, 24)
	            if v:
	                print("%s %s" % ("trusted" if t == "ef_flows" else "untrusted", fmt_flow(k, v)))
	        os.close(fd)
	    return 0


	def cmd_set_isn(pindir, remote, rport, lport, isn):
	    fd = obj_get(os.path.join(pindir, "ef_flows_new"))
	    for k in list(keys(fd, 40)):
	        lo, re, lp, rp, proto = struct.unpack(FLOWK, k)
	        if addr(re) == remote and rp == int(rport) and lp == int(lport) and proto == 6:
	            v = bytearray(lookup(fd, k, 24))
	            struct.pack_into("<I", v, 12, int(isn))
	            update(fd, k, bytes(v), 2)  # BPF_EXIST
	            print(fmt_flow(k, bytes(v)))
	            return 0
	    print("no untrusted TCP flow %s:%s -> port %s" % (remote, rport, lport))
	    return 1


	def cmd_drain(pindir, src):
	    fd = obj_get(os.path.join(pindir, "ef_srclimit"))
	    n = 0
	    for k in list(keys(fd, map_info(fd)["ks"])):  # (source, generation, rule)
	        if addr(k[:16]) == src:
	            update(fd, k, struct.pack("<QQ", coarse_now() + 3600 * 10**9, 0), 2)
	            n += 1
	    print("%d bucket(s) of %s emptied" % (n, src))
	    return 0 if n else 1


	def arg(name, default=None):
	    a = sys.argv
	    return a[a.index(name) + 1] if name in a else default


	def serve():
	    end = time.monotonic() + float(arg("--lifetime", "300"))
	    socks = []
	    for p in arg("--tcp").split(","):
	        s = socket.socket()
	        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
	        s.bind(("0.0.0.0", int(p)))
	        s.listen(16)
	        socks.append(s)
	    open(arg("--ready"), "w").close()

	    def echo(c):
	        with c:
	            while time.monotonic() < end:
	                r, _, _ = select.select([c], [], [], 0.5)
	                if r:
	                    try:
	                        d = c.recv(4096)
	                    except OSError:
	                        return
	                    if not d:
	                        return
	                    c.sendall(d)

	    while time.monotonic() < end:
	        r, _, _ = select.select(socks, [], [], 0.5)
	        for s in r:
	            c, _ = s.accept()
	            threading.Thread(target=echo, args=(c,), daemon=True).start()
	    return 0


	def hold():
	    s = socket.socket()
	    s.settimeout(3)
	    s.bind((arg("--bind"), 0))
	    s.connect((sys.argv[2], int(sys.argv[3])))
	    open(arg("--out"), "w").write("%d\n" % s.getsockname()[1])
	    end = time.monotonic() + float(arg("--max", "60"))
	    while time.monotonic() < end and not os.path.exists(arg("--stop")):
	        time.sleep(0.1)
	    s.close()
	    return 0


	def echo_once(kind, s, timeout):
	    t = b"ops-%d-%s\n" % (os.getpid(), os.urandom(3).hex().encode())
	    try:
	        s.settimeout(timeout)
	        if kind == "tcp":
	            s.sendall(t)
	            got = b""
	            while not got.endswith(b"\n"):
	                d = s.recv(4096)
	                if not d:
	                    return "closed"
	                got += d
	            return "echoed" if got == t else "mismatch"
	        s.send(t)
	        return "echoed" if s.recv(4096) == t else "mismatch"
	    except socket.timeout:
	        return "timeout"
	    except OSError as e:
	        return "error: %s" % e


	def conns():
	    out, socks = {}, {}
	    for item in arg("--spec").split(","):
	        spec, _, what = item.partition("=")
	        kind, a, p = what.split(":")
	        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM if kind == "tcp" else socket.SOCK_DGRAM)
	        s.bind((arg("--bind"), 0))
	        s.settimeout(2)
	        try:
	            s.connect((a, int(p)))
	        except OSError as e:
	            out[spec] = {"connect": str(e)}
	            continue
	        socks[spec] = (kind, s)
	        out[spec] = {"local_port": s.getsockname()[1], "before": echo_once(kind, s, 1.5)}
	    json.dump(out, open(arg("--ready") + ".tmp", "w"))
	    os.rename(arg("--ready") + ".tmp", arg("--ready"))
	    end = time.monotonic() + float(arg("--max", "60"))
	    while time.monotonic() < end and not os.path.exists(arg("--go")):
	        time.sleep(0.05)
	    for spec, (kind, s) in socks.items():
	        out[spec]["after"] = echo_once(kind, s, 2)
	    for kind, s in socks.values():
	        s.close()
	    print(json.dumps(out, sort_keys=True))
	    return 0


	def slowecho():
	    # a UDP "resolver" that answers each datagram --delay seconds late
	    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	    s.bind((arg("--bind"), int(arg("--port"))))
	    open(arg("--ready"), "w").close()
	    end = time.monotonic() + float(arg("--lifetime", "120"))
	    s.settimeout(0.5)
	    while time.monotonic() < end:
	        try:
	            d, peer = s.recvfrom(4096)
	        except socket.timeout:
	            continue
	        time.sleep(float(arg("--delay")))
	        s.sendto(d, peer)
	    return 0


	def main():
	    c = sys.argv[1]
	    if c == "snap":
	        json.dump(snap(sys.argv[2]), open(sys.argv[3], "w"), sort_keys=True)
	        return 0
	    if c == "diff":
	        return cmd_diff(sys.argv[2], sys.argv[3])
	    if c == "nonempty":
	        return cmd_nonempty(sys.argv[2], sys.argv[3:])
	    if c == "flows":
	        return cmd_flows(sys.argv[2])
	    if c == "set-isn":
	        return cmd_set_isn(*sys.argv[2:7])
	    if c == "drain":
	        return cmd_drain(sys.argv[2], sys.argv[3])
	    return {"serve": serve, "hold": hold, "conns": conns, "slowecho": slowecho}[c]()


	if __name__ == "__main__":
	    sys.exit(main())
	EOF
}
OT() { "$PY" "$WORK/ops_tool.py" "$@"; }

# ---- topology and policies ---------------------------------------------------------

build_topology() {
	one_node 26 $ACC $WEB $AV
	# the challenges are XDP_TX'd back over the veth (see xdp_pass.bpf.c)
	ip -n $NS_INET link set dev efo-i-ext xdpdrv obj "$XDP_PASS_OBJ" sec xdp
	addrs $NS_INET efo-i-ext $B/26 $V/26
	# no ARP on the wire once the test runs: a probe would be traffic
	static_neighbours $INET $B $V
	# the node's answer to a spoofed SYN is not sent again (quiet data path)
	ip netns exec $NS_NODE sysctl -qw net.ipv4.tcp_synack_retries=0
}

start_services() {
	start_server $NS_NODE node --lifetime 300 --tcp 443,5061,80 --udp "$AV:3478,$ACC:3478"
	# connections that stay open while idle (nettool's echo closes after 5 s)
	ip netns exec $NS_NODE "$PY" "$WORK/ops_tool.py" serve --tcp 5269,8057 --lifetime 300 \
		--ready "$WORK/ready-idle" >"$WORK/server-idle.out" 2>&1 &
	PIDS+=($!)
	wait_file "$WORK/ready-idle" 100 || { cat "$WORK/server-idle.out"; die "the idle echo server did not start"; }
}

# make_policy NAME PYTHON: write_policy (lib.sh) to $WORK/NAME.json, validated
make_policy() {
	write_policy "$WORK/$1.json" "$2" && "$EDGEFW" validate --quiet --node edge1 "$WORK/$1.json"
}

# ---- explain -------------------------------------------------------------------------

# xp NAME ARGS...: edgefw explain --json ARGS into $WORK/xp-NAME.json
xp() {
	local n=$1
	shift
	efw explain --json "$@" >"$WORK/xp-$n.json" 2>"$WORK/xp-$n.err" || true
}

# xp_is NAME FIELD=VALUE...: the explain output says so ("null" for absent)
xp_is() {
	local f=$WORK/xp-$1.json kv want got bad=0
	shift
	for kv in "$@"; do
		want=${kv#*=}
		got=$(jget "$f" "${kv%%=*}")
		[ -n "$got" ] || got=null
		[ "$got" = "$want" ] || { echo "$(basename "$f"): ${kv%%=*} is $got, expected $want"; bad=1; }
	done
	[ $bad -eq 0 ] || { cat "$f" "$f.err"; return 1; }
}

# ==== 1. explain changes nothing =========================================================

# S: limits on two UDP rules (one blocks for 600 s, one for 2 s) and on
# access TCP 443; SYN challenges from the 4th unverified SYN a second;
# closing flows expire after 2 s; every new flow is logged (allow events
# use the event limit too)
policy_S() {
	make_policy S "
settings['syn_flood'] = {'mode': 'auto', 'threshold': 3, 'verified_seconds': 3600}
settings['timeouts'] = {'tcp_closing': 2}
settings['log_allowed'] = True
rules['$TLS']['limits'] = {'new_flows_per_sec': 1, 'burst': 50, 'block_seconds': 2}
rules['$STUN']['limits'] = {'new_flows_per_sec': 1, 'burst': 3, 'block_seconds': 600}
rules['$RTP']['limits'] = {'new_flows_per_sec': 1, 'burst': 3, 'block_seconds': 2}
"
}

IDLE_PORT='' UDP_PORT='' CLOSED_PORT='' HALF_PORT=''
populate() { # real traffic that fills every table, then two deliberate edits
	local out
	# a client that answers a challenge: 8 SYNs at once, the 4th on is challenged
	out=$(nx $NS_INET "${NT[@]}" tcpmany $ACC 443 --bind $V --sports 42000-42007 --timeout 1.5 || true)
	echo "$out"
	# B: a connection that is closed (its flow will have expired), an idle
	# one that stays open, a fragmented UDP datagram and its fragmented echo
	out=$(nx $NS_INET "${NT[@]}" tcp $ACC 443 --bind $B --sport 43001) || { echo "$out"; return 1; }
	echo "$out"
	CLOSED_PORT=43001
	timeout 120 ip netns exec $NS_INET "$PY" "$WORK/ops_tool.py" hold $ACC 5269 --bind $B \
		--out "$WORK/idle.port" --stop "$WORK/idle.stop" --max 110 >"$WORK/idle.out" 2>&1 &
	PIDS+=($!)
	wait_file "$WORK/idle.port" 50 || { cat "$WORK/idle.out"; return 1; }
	IDLE_PORT=$(cat "$WORK/idle.port")
	nx $NS_INET "${NT[@]}" udp $AV 3478 --bind $B --sport 43002 --size 4000 || return 1
	UDP_PORT=43002
	# drops: events (and their limit's buckets)
	nx $NS_INET "${NT[@]}" tcp $ACC 8443 --bind $B --timeout 0.5 >/dev/null && return 1
	# spoofed UDP: U1 and U2 go over their limits and are blocked; U3 empties its bucket
	nx $NS_INET "${NT[@]}" spoof --dst $AV --dport 3478 --sources $U1-$U1 --count 6 --pps 100 || return 1
	nx $NS_INET "${NT[@]}" spoof --dst $AV --dport 50000 --sources $U2-$U2 --count 6 --pps 100 || return 1
	nx $NS_INET "${NT[@]}" spoof --dst $AV --dport 3478 --sources $U3-$U3 --count 3 --pps 100 || return 1
	# a half-open flow from a spoofed source (its SYN-ACK goes nowhere), after
	# 2.5 s without SYNs so that it is not challenged
	sleep 2.5
	nx $NS_INET "${NT[@]}" synflood --dst $ACC --dport 443 --sources $HALF/32 --count 1 --seconds 1 || return 1
	sleep 0.3
	OT flows $PINS >"$WORK/flows.txt"
	HALF_PORT=$(sed -n "s/^untrusted $ACC:443 $HALF:\([0-9]*\) proto 6 state syn-ack-sent.*/\1/p" "$WORK/flows.txt")
	[ -n "$HALF_PORT" ] || { cat "$WORK/flows.txt"; echo "no half-open flow from $HALF"; return 1; }
	# explain's ACK acknowledges 0: make the node's ISN 0xffffffff, so that it
	# is the ACK that completes this handshake; and keep U3's bucket empty
	OT set-isn $PINS $HALF "$HALF_PORT" 443 4294967295 || return 1
	OT drain $PINS $U3 || return 1
	cat "$WORK/flows.txt"
}

snap_nonempty() {
	OT nonempty "$WORK/snap1.json" ef_flows ef_flows_new ef_frags ef_evlimit ef_evbudget \
		ef_srclimit ef_blocked ef_verified ef_synrate ef_counters ef_rule_stats
}

quiet_control() { # two snapshots 2 s apart without explain: the data path is quiet
	OT snap $PINS "$WORK/snap0.json" || return 1
	sleep 2
	OT snap $PINS "$WORK/snap1.json" || return 1
	OT diff "$WORK/snap0.json" "$WORK/snap1.json"
}

explain_batch() { # each would change state if it were not a dry run
	local n0 n1 ok=0
	n0=$(wc -l <"$EVENTS")
	# a packet of an existing flow (its timestamp would be refreshed), its FIN
	# (its state would change), the node's answer on it
	xp flow-ack --iface $EXT --dir in --proto tcp --flags A --src $B:$IDLE_PORT --dst $ACC:5269
	xp flow-fin --iface $EXT --dir in --proto tcp --flags FA --src $B:$IDLE_PORT --dst $ACC:5269
	xp flow-out --iface $EXT --dir out --proto tcp --flags A --src $ACC:5269 --dst $B:$IDLE_PORT
	xp flow-udp --iface $EXT --dir in --proto udp --src $B:$UDP_PORT --dst $AV:3478
	# the ACK that completes a verified handshake (would move it to the trusted table)
	xp promote --iface $EXT --dir in --proto tcp --flags A --src $HALF:$HALF_PORT --dst $ACC:443
	# new allowed flows: TCP (SYN rate, limit bucket, flow, counters, rule
	# stats, allow event), UDP, outbound; from the verified source
	xp new-tcp --iface $EXT --dir in --proto tcp --src $F:44001 --dst $ACC:443
	xp new-udp --iface $EXT --dir in --proto udp --src $F:44002 --dst $AV:3478
	xp new-out --iface $EXT --dir out --proto udp --src $ACC:44003 --dst 198.51.100.53:53
	xp verified --iface $EXT --dir in --proto tcp --src $V:44004 --dst $ACC:443
	# a blocked source (drop event); a source whose block is over (the entry
	# would go); a source over its limit (it would be blocked)
	xp blocked --iface $EXT --dir in --proto udp --src $U1:44005 --dst $AV:3478
	xp unblocked --iface $EXT --dir in --proto udp --src $U2:44006 --dst $AV:50001
	xp over-limit --iface $EXT --dir in --proto udp --src $U3:44007 --dst $AV:3478
	# a RST to a challenged port (the cookie check would count it)
	xp rst --iface $EXT --dir in --proto tcp --flags R --src $F:44008 --dst $ACC:443
	# a packet of an expired flow (it would be deleted)
	xp expired --iface $EXT --dir in --proto tcp --flags A --src $B:$CLOSED_PORT --dst $ACC:443
	# a drop (event, its per-source bucket), a ping
	xp drop --iface $EXT --dir in --proto tcp --src $F:44009 --dst $ACC:8443
	xp ping --iface $EXT --dir in --proto icmp --icmp-type 8 --src $F:7 --dst $ACC
	n1=$(wc -l <"$EVENTS")
	[ "$n0" = "$n1" ] || { echo "the agent printed $((n1 - n0)) event line(s) during the explains"; ok=1; }
	return $ok
}

explain_verdicts() { # the explains reached the paths they were meant to
	local bad=0
	xp_is flow-ack verdict=pass reason=flow flow_table=trusted flow_state=established || bad=1
	xp_is flow-fin verdict=pass reason=flow flow_table=trusted || bad=1
	xp_is flow-out verdict=pass reason=flow flow_table=trusted || bad=1
	xp_is flow-udp verdict=pass reason=flow flow_table=untrusted || bad=1
	xp_is promote verdict=pass reason=flow flow_table=untrusted promotes_flow=True || bad=1
	xp_is new-tcp verdict=pass reason=rule rule=$TLS opens_flow=untrusted || bad=1
	xp_is new-udp verdict=pass reason=rule rule=$STUN opens_flow=untrusted || bad=1
	xp_is new-out verdict=pass reason=rule opens_flow=trusted || bad=1
	xp_is verified verdict=pass reason=rule opens_flow=untrusted || bad=1
	xp_is blocked verdict=drop reason=blocked-source || bad=1
	xp_is unblocked verdict=pass reason=rule rule=$RTP opens_flow=untrusted || bad=1
	xp_is over-limit verdict=drop reason=rate-limited || bad=1
	xp_is rst verdict=drop reason=no-flow || bad=1
	xp_is expired verdict=drop reason=no-flow flow_table=null || bad=1
	xp_is drop verdict=drop reason=no-rule || bad=1
	xp_is ping verdict=pass reason=ping || bad=1
	[ $bad -eq 0 ] && echo "16 explains: each verdict, reason, flow and rule as expected"
	return $bad
}

explain_nothing_changed() {
	OT snap $PINS "$WORK/snap2.json" || return 1
	OT diff "$WORK/snap1.json" "$WORK/snap2.json"
}

# the state the explains looked at was real: the live program acts on it
explain_then_live() {
	local out
	# the expired flow is still there after the explain: the live program
	# now deletes it (flows_expired + 1)
	stats_json || return 1
	local e0 b0
	e0=$(counter flows_expired)
	b0=$(counter sources_blocked)
	# U3's next datagram is over its limit: blocked for real
	# (ports 20000-20002 are its flows already: the 4th datagram is a new flow)
	nx $NS_INET "${NT[@]}" spoof --dst $AV --dport 3478 --sources $U3-$U3 --count 4 || return 1
	out=$(efw blocked --json) || return 1
	grep -q "\"$U3\"" <<<"$out" || { echo "$U3 not blocked: $out"; return 1; }
	nx $NS_INET "${NT[@]}" rawtcp --src $B --dst $ACC --sport $CLOSED_PORT --dport 443 --flags A --wait 0.5 || true
	stats_json || return 1
	echo "flows_expired +$(($(counter flows_expired) - e0)), sources_blocked +$(($(counter sources_blocked) - b0))"
	[ $(($(counter flows_expired) - e0)) -ge 1 ] && [ $(($(counter sources_blocked) - b0)) -eq 1 ]
}

part_explain() {
	log "== 1. explain changes nothing (limits, syn_flood auto threshold 3, log_allowed)"
	policy_S || die "policy S is invalid"
	# no background sweep: the agent itself must not write to the maps
	# while every one of them is compared byte for byte around the explains
	start_agent "$WORK/S.json" --sweep-interval 0 >/dev/null || die "the agent did not start"
	check "explain: real traffic fills the tables (flows, fragments, limits, blocks, verified)" populate
	# quiet: no ARP (static neighbours), no IPv6, no retransmissions left
	sleep 3
	check "explain: without explain the maps stay the same for 2 s (the data path is quiet)" quiet_control
	check "explain: every map the live program writes holds something" snap_nonempty
	check "explain: 16 explains, no event line meanwhile" explain_batch
	check "explain: their verdicts show each reached its state (flow, promote, limits, blocks, expiry)" explain_verdicts
	check "explain: every map is byte for byte as before (flows with timestamps, limits, blocks, counters)" \
		explain_nothing_changed
	check "explain: the live program then changes what explain left alone (expiry, block)" explain_then_live
	touch "$WORK/idle.stop"
	check "agent: SIGTERM, exit 0" stop_agent
}

# ==== 2. allow events and events-not-delivered ========================================

# ev_table FILE: one line per event of an agent's output or of `edgefw
# events`: action type reason rule sport dport direction source
ev_table() {
	"$PY" - "$1" <<-'EOF'
	import json, sys
	for line in open(sys.argv[1]):
	    try:
	        e = json.loads(line)
	    except ValueError:
	        continue
	    ev = e.get("event", {})
	    if ev.get("kind") != "event":
	        continue
	    print(ev.get("action"), ev.get("type", ["", ""])[1], ev.get("reason"),
	          e.get("rule", {}).get("name", "-"), e.get("source", {}).get("port", "-"),
	          e.get("destination", {}).get("port", "-"), e.get("network", {}).get("direction"),
	          e.get("source", {}).get("ip", "-"), e.get("rule", {}).get("ruleset", "-"))
	EOF
}

# ev_count TABLE PATTERN: lines of the table matching the extended regexp
ev_count() { grep -cE "$2" "$1" || true; }

# one event per flow: "action type reason rule sport"
want_events() { # TABLE N PATTERN [what]
	local n
	n=$(ev_count "$1" "$3")
	[ "$n" = "$2" ] || { echo "${4:-events} /$3/: $n, expected $2"; return 1; }
}

policy_E() { make_policy E "settings['log_allowed'] = True"; }
policy_E2() { make_policy E "rules['$MTLS']['log'] = True"; } # log_allowed off (the shipped default)

allow_events_all() { # settings.log_allowed: every new flow, not every packet
	nx $NS_INET "${NT[@]}" tcp $ACC 443 --bind $B --sport 45001 || return 1
	nx $NS_INET "${NT[@]}" udpn $AV 3478 --bind $B --sport 45002 --count 5 || return 1
	nx $NS_INET "${NT[@]}" tcp $ACC 80 --bind $B --sport 45003 --timeout 0.5 && return 1
	# the node's own DNS query (no resolver answers): an outbound flow
	nx $NS_NODE "${NT[@]}" udp 198.51.100.53 53 --bind $ACC --sport 45004 --timeout 0.3 && return 1
	sleep 0.5
	ev_table "$EVENTS" >"$WORK/ev1.txt"
	cat "$WORK/ev1.txt"
	local pol
	pol=$(jget "$WORK/E.json" name)
	want_events "$WORK/ev1.txt" 1 "^pass allowed rule $TLS 45001 443 ingress $B $pol\$" || return 1
	want_events "$WORK/ev1.txt" 1 " 45001 " "all events of 45001" || return 1
	want_events "$WORK/ev1.txt" 1 "^pass allowed rule $STUN 45002 3478 ingress $B $pol\$" || return 1
	want_events "$WORK/ev1.txt" 1 " 45002 " "all events of 45002 (5 datagrams, 5 echoes)" || return 1
	want_events "$WORK/ev1.txt" 1 "^pass allowed rule ext-access-dns-udp-53-out 45004 53 egress $ACC $pol\$" || return 1
	[ "$(ev_count "$WORK/ev1.txt" "^drop denied no-rule - 45003 80 ingress ")" -ge 1 ] ||
		{ echo "no drop event for 45003"; return 1; }
}

allow_events_cli() { # edgefw events --action allowed / denied
	efw events --backlog 100 --action allowed >"$WORK/ev-allowed.json" 2>&1 || return 1
	efw events --backlog 100 --action denied >"$WORK/ev-denied.json" 2>&1 || return 1
	ev_table "$WORK/ev-allowed.json" >"$WORK/ev-allowed.txt"
	ev_table "$WORK/ev-denied.json" >"$WORK/ev-denied.txt"
	echo "--action allowed:"
	cat "$WORK/ev-allowed.txt"
	echo "--action denied:"
	cat "$WORK/ev-denied.txt"
	want_events "$WORK/ev-allowed.txt" 1 "^pass allowed rule $TLS 45001 " || return 1
	want_events "$WORK/ev-allowed.txt" 1 "^pass allowed rule $STUN 45002 " || return 1
	want_events "$WORK/ev-allowed.txt" 1 "^pass allowed rule ext-access-dns-udp-53-out 45004 " || return 1
	want_events "$WORK/ev-allowed.txt" 0 "^drop|^would-drop| 45003 " "drops in --action allowed" || return 1
	want_events "$WORK/ev-denied.txt" 0 "^pass| 4500[124] " "allowed events in --action denied" || return 1
	[ "$(ev_count "$WORK/ev-denied.txt" "^drop denied no-rule - 45003 80 ")" -ge 1 ] ||
		{ echo "--action denied lacks the drop of 45003"; return 1; }
	# everything the agent printed is in one of the two
	[ $(($(wc -l <"$WORK/ev-allowed.txt") + $(wc -l <"$WORK/ev-denied.txt"))) -eq "$(wc -l <"$WORK/ev1.txt")" ] ||
		{ echo "allowed + denied != all events"; return 1; }
}

allow_events_rule() { # log_allowed off, log: true on one rule
	local out
	policy_E2 || return 1
	out=$(efw reload) || { echo "$out"; return 1; }
	echo "$out"
	nx $NS_INET "${NT[@]}" tcp $ACC 5061 --bind $B --sport 45011 || return 1
	nx $NS_INET "${NT[@]}" tcp $ACC 443 --bind $B --sport 45012 || return 1
	nx $NS_INET "${NT[@]}" udpn $AV 3478 --bind $B --sport 45013 --count 2 || return 1
	sleep 0.5
	ev_table "$EVENTS" >"$WORK/ev2.txt"
	want_events "$WORK/ev2.txt" 1 "^pass allowed rule $MTLS 45011 5061 ingress $B " || return 1
	want_events "$WORK/ev2.txt" 1 " 4501[1-3] " "events of 45011-45013" || return 1
	efw events --backlog 100 --action allowed >"$WORK/ev-allowed2.json" 2>&1 || return 1
	ev_table "$WORK/ev-allowed2.json" | grep -E " 4501[1-3] "
}

SUPPRESS_N=90
events_not_delivered() { # a source over the event limit (10/s, burst 50)
	local sub n_ev sup lost lines
	stats_json || return 1
	[ "$(counter events_suppressed)" = 0 ] || { echo "events suppressed before the flood"; return 1; }
	efw events --follow >"$WORK/sub.out" 2>"$WORK/sub.err" &
	sub=$!
	PIDS+=("$sub")
	sleep 0.5
	nx $NS_INET "${NT[@]}" spoof --dst $ACC --dport 3478 --sources $SUP-$SUP --count $SUPPRESS_N --pps 3000 ||
		return 1
	# the agent reports every 10 s
	for _ in $(seq 1 130); do
		grep -qs '"events-not-delivered"' "$EVENTS" && grep -qs '"events-not-delivered"' "$WORK/sub.err" && break
		sleep 0.1
	done
	stop_pid $sub 1
	grep '"events-not-delivered"' "$EVENTS" || { echo "no events-not-delivered line within 13 s"; return 1; }
	grep -q '"events-not-delivered"' "$WORK/sub.err" || { echo "the subscriber was not told"; return 1; }
	stats_json || return 1
	read -r sup lost lines < <("$PY" - "$EVENTS" <<-'EOF'
	import json, sys
	s = l = n = 0
	for line in open(sys.argv[1]):
	    if '"events-not-delivered"' in line:
	        e = json.loads(line)["edgefw"]
	        s += e["events_suppressed"]
	        l += e["events_lost"]
	        n += 1
	print(s, l, n)
	EOF
	)
	n_ev=$(ev_table "$EVENTS" | grep -c " $SUP ") || true
	echo "$SUPPRESS_N drops from $SUP: $n_ev events, $sup reported suppressed ($lines line(s)), $lost lost;" \
		"counters: events_suppressed $(counter events_suppressed), events_lost $(counter events_lost)"
	[ "$sup" = "$(counter events_suppressed)" ] && [ "$lost" = "$(counter events_lost)" ] &&
		[ $((n_ev + sup)) -eq $SUPPRESS_N ] && [ "$sup" -ge 30 ]
}

part_events() {
	log "== 2. allow events; events-not-delivered"
	policy_E || die "policy E is invalid"
	start_agent "$WORK/E.json" >/dev/null || die "the agent did not start"
	check "allow events: log_allowed: one allowed event per new flow (TCP, UDP, outbound) naming its rule" \
		allow_events_all
	check "allow events: events --action allowed shows them and no drop; --action denied the drop and none of them" \
		allow_events_cli
	check "allow events: reload with log on one rule only: its connection logged, the others not" \
		allow_events_rule
	check "events-not-delivered: $SUPPRESS_N drops from one source: the line counts exactly the suppressed events" \
		events_not_delivered
	check "agent: SIGTERM, exit 0" stop_agent
}

# ==== 3. monitor -> enforce reload =======================================================

policy_M() { make_policy M "settings['mode'] = '$1'"; }

MON_SPEC="tcpok=tcp:$ACC:5269,tcpcut=tcp:$ACC:8057,udpok=udp:$AV:3478,udpcut=udp:$ACC:3478"
MON_PID=
declare -A MPORT=()
# conns_open TAG SPEC PORTS: B's connections of SPEC (NAME=tcp|udp:ADDR:PORT,
# ...) held open by ops_tool.py conns ($WORK/TAG.ready, .go, .json; its pid
# in CONNS_PID), each echoed once; their local ports into the associative
# array PORTS by NAME
CONNS_PID=
conns_open() {
	local tag=$1 spec=$2 item s
	local -n ports=$3
	timeout 60 ip netns exec $NS_INET "$PY" "$WORK/ops_tool.py" conns --bind $B --spec "$spec" \
		--ready "$WORK/$tag.ready" --go "$WORK/$tag.go" --max 50 >"$WORK/$tag.json" 2>&1 &
	CONNS_PID=$!
	PIDS+=("$CONNS_PID")
	wait_file "$WORK/$tag.ready" 80 || { cat "$WORK/$tag.json"; return 1; }
	cat "$WORK/$tag.ready"
	echo
	for item in ${spec//,/ }; do
		s=${item%%=*}
		ports[$s]=$(jget "$WORK/$tag.ready" "$s.local_port")
		[ "$(jget "$WORK/$tag.ready" "$s.before")" = echoed ] || { echo "$s did not echo"; return 1; }
	done
}

monitor_open() { # under monitor: two allowed flows, two no rule allows, all echo
	conns_open conns "$MON_SPEC" MPORT || return 1
	MON_PID=$CONNS_PID
	sleep 0.3
	ev_table "$EVENTS" >"$WORK/ev-m.txt"
	cat "$WORK/ev-m.txt"
	want_events "$WORK/ev-m.txt" 1 "^would-drop denied no-rule - ${MPORT[tcpcut]} 8057 " || return 1
	want_events "$WORK/ev-m.txt" 1 "^would-drop denied no-rule - ${MPORT[udpcut]} 3478 " || return 1
}

PRUNED0=
monitor_reload() {
	local out
	policy_M enforce || return 1
	stats_json || return 1
	PRUNED0=$(counter flows_pruned)
	out=$(efw reload) || { echo "$out"; return 1; }
	echo "$out"
	efw status --json >"$WORK/status.json" || return 1
	[ "$(jget "$WORK/status.json" policy.generation)" = 2 ] &&
		[ "$(jget "$WORK/status.json" policy.mode)" = enforce ] || { cat "$WORK/status.json"; return 1; }
}

monitor_explain() { # before any packet: explain revalidates as the program will
	xp m-tcp-ok --iface $EXT --dir in --proto tcp --flags A --src $B:${MPORT[tcpok]} --dst $ACC:5269
	xp m-tcp-cut --iface $EXT --dir in --proto tcp --flags A --src $B:${MPORT[tcpcut]} --dst $ACC:8057
	xp m-udp-ok --iface $EXT --dir in --proto udp --src $B:${MPORT[udpok]} --dst $AV:3478
	xp m-udp-cut --iface $EXT --dir in --proto udp --src $B:${MPORT[udpcut]} --dst $ACC:3478
	xp_is m-tcp-ok verdict=pass reason=flow flow_table=trusted rule=$XMPP policy_generation=2 &&
		xp_is m-tcp-cut verdict=drop reason=no-rule flow_table=null &&
		xp_is m-udp-ok verdict=pass reason=flow flow_table=untrusted rule=$STUN &&
		xp_is m-udp-cut verdict=drop reason=no-rule flow_table=null &&
		echo "allowed: pass (flow); unlisted: drop (no-rule), no flow" || return 1
	# the tables: the cut connection waits for its next packet to be revoked;
	# the cut UDP flow, on a port no inbound rule covers, went at the reload
	OT flows $PINS >"$WORK/flows-m.txt" || return 1
	grep " $B:" "$WORK/flows-m.txt"
	grep -q "^trusted $ACC:5269 $B:${MPORT[tcpok]} proto 6 state established" "$WORK/flows-m.txt" &&
		grep -q "^trusted $ACC:8057 $B:${MPORT[tcpcut]} proto 6 " "$WORK/flows-m.txt" &&
		grep -q "^untrusted $AV:3478 $B:${MPORT[udpok]} proto 17 " "$WORK/flows-m.txt" &&
		! grep -q " $B:${MPORT[udpcut]} " "$WORK/flows-m.txt"
}

REVOKED0=
monitor_after() { # the allowed flows keep working, the others are cut
	local s want
	stats_json || return 1
	REVOKED0=$(counter flows_revoked)
	touch "$WORK/conns.go"
	wait "$MON_PID" || true
	cat "$WORK/conns.json"
	for s in tcpok tcpcut udpok udpcut; do
		case $s in *cut) want=timeout ;; *) want=echoed ;; esac
		[ "$(jget "$WORK/conns.json" "$s.after")" = $want ] || { echo "$s: expected $want"; return 1; }
	done
}

monitor_stats() {
	local r p
	stats_json || return 1
	r=$(($(counter flows_revoked) - REVOKED0))
	p=$(($(counter flows_pruned) - PRUNED0))
	echo "flows_revoked +$r, flows_pruned +$p; rules: $XMPP $(jget "$WORK/stats.json" "rules.$XMPP.packets") packets"
	ev_table "$EVENTS" >"$WORK/ev-m2.txt"
	# the cut TCP connection (a trusted flow by now) was revoked on its first
	# packet; the cut UDP flow was removed at the reload (pruned: see
	# monitor_explain); both are now drops
	OT flows $PINS >"$WORK/flows-m2.txt" || return 1
	grep " $B:" "$WORK/flows-m2.txt"
	! grep -q " $B:${MPORT[tcpcut]} \| $B:${MPORT[udpcut]} " "$WORK/flows-m2.txt" &&
		[ $r -eq 1 ] && [ $p -eq 1 ] &&
		[ "$(ev_count "$WORK/ev-m2.txt" "^drop denied no-rule - ${MPORT[tcpcut]} 8057 ")" -ge 1 ] &&
		[ "$(ev_count "$WORK/ev-m2.txt" "^drop denied no-rule - ${MPORT[udpcut]} 3478 ")" -eq 1 ] &&
		[ "$(ev_count "$WORK/ev-m2.txt" " ${MPORT[tcpok]} | ${MPORT[udpok]} ")" -eq 0 ]
}

part_reload() {
	log "== 3. monitor -> enforce reload"
	policy_M monitor || die "policy M is invalid"
	start_agent "$WORK/M.json" >/dev/null || die "the agent did not start"
	check "monitor: TCP 5269 (XMPP) and UDP A/V 3478 (allowed), TCP 8057 and UDP 3478 to Access (no rule) all echo" \
		monitor_open
	check "monitor -> enforce: edgefw reload, generation 2, mode enforce" monitor_reload
	check "monitor -> enforce: explain: the allowed flows pass, the unlisted ones are gone; the flow tables agree" \
		monitor_explain
	check "monitor -> enforce: the allowed TCP connection and UDP flow still echo, the others are cut" monitor_after
	check "monitor -> enforce: the cut connection revoked (stats, flow table); cut flows raise drop events, the others none" \
		monitor_stats
	check "agent: SIGTERM, exit 0" stop_agent
}

# ==== 4. edgefw flows: what the node holds, and a flush ===================================

FL_SPEC="tcp5269=tcp:$ACC:5269,udp3478=udp:$AV:3478"
declare -A FPORT=()
DNS_SPORT=47053
flows_open() { # B: an idle XMPP connection and a STUN exchange; the node: a DNS query
	conns_open fconns "$FL_SPEC" FPORT || return 1
	FL_PID=$CONNS_PID
	# the node asks the "resolver" (answers 0.2 s late): an outbound flow
	nx $NS_NODE "${NT[@]}" udp $INET 53 --bind $ACC --sport $DNS_SPORT --timeout 2
}
FL_PID=

# flows_has JSON PROTO LOCAL LPORT REMOTE RPORT FIELD=VALUE...: one flow of
# the listing is that one, with those fields
flows_has() {
	"$PY" - "$@" <<-'EOF'
	import json, sys
	f, proto, local, lport, remote, rport = sys.argv[1:7]
	rows = [r for r in json.load(open(f)) if r["proto"] == proto and r["local"]["ip"] == local
	        and r["local"]["port"] == int(lport) and r["remote"]["ip"] == remote
	        and r["remote"]["port"] == int(rport)]
	if len(rows) != 1:
	    sys.exit("%d flows %s %s:%s <- %s:%s" % (len(rows), proto, local, lport, remote, rport))
	bad = 0
	for kv in sys.argv[7:]:
	    k, _, want = kv.partition("=")
	    got = rows[0]
	    for part in k.split("."):
	        got = got.get(part) if isinstance(got, dict) else None
	    if str(got) != want:
	        print("%s %s:%s: %s is %s, expected %s" % (proto, local, lport, k, got, want))
	        bad = 1
	sys.exit(bad)
	EOF
}

flows_listed() {
	efw flows --json >"$WORK/flows.json" || return 1
	efw flows | grep -E "PROTO| $B:| $INET:53 " # the text listing, for the log
	flows_has "$WORK/flows.json" tcp $ACC 5269 $B "${FPORT[tcp5269]}" opened_by=in rule=$XMPP \
		state=established table=trusted local.service=access interface=$EXT role=external &&
		flows_has "$WORK/flows.json" udp $AV 3478 $B "${FPORT[udp3478]}" opened_by=in rule=$STUN \
			state=open table=untrusted local.service=av &&
		flows_has "$WORK/flows.json" udp $ACC $DNS_SPORT $INET 53 opened_by=out \
			rule=ext-access-dns-udp-53-out table=trusted &&
		"$PY" - "$WORK/flows.json" <<-'EOF'
	import json, sys
	for r in json.load(open(sys.argv[1])):
	    assert r["idle_seconds"] >= 0 and r["expires_in_seconds"] > 0, r
	    assert r["age_seconds"] is not None and r["age_seconds"] >= r["idle_seconds"], r
	print("every flow: age >= idle, expires in > 0 s")
	EOF
}

flows_filters() { # --count with filters; a flush without filters is refused
	local n rc=0
	n=$(efw flows --count --addr $B) && echo "--addr $B: $n" && [ "$n" = 2 ] || rc=1
	n=$(efw flows --count --addr $B --proto udp) && echo "--addr $B --proto udp: $n" && [ "$n" = 1 ] || rc=1
	n=$(efw flows --count --service av) && echo "--service av: $n" && [ "$n" = 1 ] || rc=1
	n=$(efw flows --count --rule $XMPP --state established) && echo "--rule $XMPP --state established: $n" &&
		[ "$n" = 1 ] || rc=1
	n=$(efw flows --count --port 9) && echo "--port 9: $n" && [ "$n" = 0 ] || rc=1
	efw flows flush >/dev/null 2>"$WORK/flush0.err"
	n=$?
	echo "flush without filters: exit $n: $(cat "$WORK/flush0.err")"
	[ $n = 1 ] || rc=1
	return $rc
}

flows_flush_inbound() { # the XMPP connection's flow goes; its next packet is judged again: cut
	local out
	out=$(efw flows flush --addr $B --port 5269) || { echo "$out"; return 1; }
	echo "$out"
	[ "$out" = "edgefw: flushed 1 flow" ] || return 1
	[ "$(efw flows --count --addr $B)" = 1 ] || { efw flows; return 1; }
	touch "$WORK/fconns.go"
	wait "$FL_PID" || true
	cat "$WORK/fconns.json"
	[ "$(jget "$WORK/fconns.json" tcp5269.after)" = timeout ] &&
		[ "$(jget "$WORK/fconns.json" udp3478.after)" = echoed ]
}

flows_flush_outbound() { # a reply after its query's flow was flushed is dropped
	local pid out sport=$((DNS_SPORT + 1))
	# the control: the same query to the late resolver (1.5 s) is answered
	nx $NS_NODE "${NT[@]}" udp $V 53 --bind $ACC --sport $sport --timeout 3 ||
		{ echo "the late resolver did not answer at all"; return 1; }
	sport=$((sport + 1))
	nx $NS_NODE "${NT[@]}" udp $V 53 --bind $ACC --sport $sport --timeout 3 >"$WORK/dns2.out" 2>&1 &
	pid=$!
	wait_flow "--port $sport --proto udp" || { kill $pid; return 1; }
	out=$(efw flows flush --port $sport --proto udp) || { echo "$out"; kill $pid; return 1; }
	echo "$out"
	if wait $pid; then
		echo "the late answer got through:"
		cat "$WORK/dns2.out"
		return 1
	fi
	echo "no answer after the flush: $(head -c 200 "$WORK/dns2.out")"
	[ "$out" = "edgefw: flushed 1 flow" ]
}

wait_flow() { # FILTERS: until edgefw flows --count FILTERS says 1 (2 s)
	local n=20
	while [ $n -gt 0 ]; do
		# shellcheck disable=SC2086 # (the filters, split)
		[ "$(efw flows --count $1)" = 1 ] && return 0
		sleep 0.1
		n=$((n - 1))
	done
	echo "no flow $1"
	return 1
}

flows_after_kill() { # the tables live in the pins: listed after the agent died
	local n
	kill -KILL "$AGENT"
	wait "$AGENT" 2>/dev/null
	AGENT=
	n=$(efw flows --count --addr $B) || return 1
	echo "after kill -9: $n flow(s) of $B listed from the pins"
	[ "$n" = 1 ] || return 1
	# the next agent adopts them (and picks up the node's open TCP
	# connections: the flushed XMPP one may come back that way)
	start_agent "$WORK/F.json" >/dev/null || return 1
	n=$(efw flows --count --addr $B --proto udp) || return 1
	echo "with the next agent: $n UDP flow(s) of $B"
	[ "$n" = 1 ]
}

# a soak: 32 spoofed sources open 160 UDP flows a second to av:3478 for 8 s
# (UDP timeout 2 s, a sweep every second); stats' untrusted table entries
# are sampled every second: they level off at what is live instead of
# climbing with every flow ever opened (1280), and fall to nothing once
# the flows expire
SOAK_SRC=198.51.100.40-198.51.100.71
flows_soak() {
	local i e max=0 late=0 out
	nx $NS_INET "${NT[@]}" spoof --dst $AV --dport 3478 --sources $SOAK_SRC --count 40 --pps 160 \
		>"$WORK/soak.out" 2>&1 &
	local pid=$!
	for i in 1 2 3 4 5 6 7 8; do
		sleep 1
		stats_json || return 1
		e=$(jget "$WORK/stats.json" tables.flows_untrusted.entries)
		printf '%ss: %s  ' $i "$e"
		[ "$e" -gt $max ] && max=$e
		[ $i -ge 5 ] && [ "$e" -gt $late ] && late=$e
	done
	wait $pid || { cat "$WORK/soak.out"; return 1; }
	echo
	cat "$WORK/soak.out"
	out=$(efw flows --count --service av) || return 1
	echo "live A/V flows now: $out; untrusted entries: at most $max, $late in the last 4 s"
	sleep 4
	stats_json || return 1
	e=$(jget "$WORK/stats.json" tables.flows_untrusted.entries)
	echo "4 s after the last datagram: $e entries, swept $(counter flows_swept) in all"
	# live: 2 s of flows (320) plus at most a second before the sweep sees them
	[ $late -le 640 ] && [ "$e" -le 5 ] && [ "$(counter flows_swept)" -ge 1000 ]
}

part_flows() {
	log "== 4. edgefw flows"
	make_policy F "" || die "policy F is invalid"
	# resolvers in the internet namespace: one answers 0.2 s late, one
	# 1.5 s late (time to flush the query's flow before the answer)
	ip netns exec $NS_INET "$PY" "$WORK/ops_tool.py" slowecho --bind $INET --port 53 --delay 0.2 \
		--ready "$WORK/ready-dns" --lifetime 120 >"$WORK/dns.out" 2>&1 &
	PIDS+=($!)
	wait_file "$WORK/ready-dns" 50 || die "the slow resolver did not start"
	ip netns exec $NS_INET "$PY" "$WORK/ops_tool.py" slowecho --bind $V --port 53 --delay 1.5 \
		--ready "$WORK/ready-dns2" --lifetime 120 >"$WORK/dns2s.out" 2>&1 &
	PIDS+=($!)
	wait_file "$WORK/ready-dns2" 50 || die "the late resolver did not start"
	start_agent "$WORK/F.json" >/dev/null || die "the agent did not start"
	check "flows: an XMPP connection and a STUN exchange from B, a DNS query from the node" flows_open
	check "flows: each listed with its rule, opener, state, table, service, NIC; age, idle, expiry" flows_listed
	check "flows: --count with filters; flush without a filter or --all is refused (1)" flows_filters
	check "flows flush: the XMPP flow goes, its next packet is cut; the STUN flow stays and echoes" \
		flows_flush_inbound
	check "flows flush: the late answer to a node's DNS query whose flow was flushed is dropped" \
		flows_flush_outbound
	check "flows: listed from the pins after the agent's kill -9, and adopted by the next agent" \
		flows_after_kill
	check "agent: SIGTERM, exit 0" stop_agent
	make_policy FS "settings['timeouts'] = {'udp': 2}" || die "policy FS is invalid"
	start_agent "$WORK/FS.json" --sweep-interval 1 >/dev/null || die "the agent did not start"
	check "flows: a soak of 1280 UDP flows: the table's entries level off at the live ones and empty once they expire" \
		flows_soak
	check "agent: SIGTERM, exit 0" stop_agent
}

# ==== 5. edgefw capture: the dropped packets, to pcapng ============================

# cap_start NAME ARGS...: `edgefw capture ARGS` next to the agent (at most
# 20 s), stdout to $WORK/NAME.pcapng, stderr to NAME.err; its pid in
# CAP[NAME]; returns once it captures
declare -A CAP=()
cap_start() {
	local name=$1
	shift
	# shellcheck disable=SC2046 # (agent_env: words without spaces)
	env $(agent_env "") nsenter --net=/run/netns/$NS_NODE "$EDGEFW" capture --duration 20 "$@" \
		>"$WORK/$name.pcapng" 2>"$WORK/$name.err" &
	CAP[$name]=$!
	PIDS+=($!)
	wait_line "$WORK/$name.err" capturing "${CAP[$name]}" 50 && return 0
	cat "$WORK/$name.err"
	return 1
}

# cap_stop NAME [SIG]: stop it (SIGINT), expect exit 0; its report
cap_stop() {
	local rc=0
	kill -"${2:-INT}" "${CAP[$1]}"
	wait "${CAP[$1]}" || rc=$?
	cat "$WORK/$1.err"
	[ $rc -eq 0 ] || { echo "edgefw capture $1: exit $rc"; return 1; }
}

# cap_fields NAME: one line per packet of NAME.pcapng, from tshark:
# interface, direction (0x00000001 in, 0x00000002 out), source, destination, TCP and UDP
# destination port, comment
cap_fields() {
	tshark -r "$WORK/$1.pcapng" -T fields -E separator='|' -e frame.interface_name \
		-e frame.packet_flags_direction -e ip.src -e ip.dst -e tcp.dstport -e udp.dstport \
		-e frame.comment 2>"$WORK/$1.tshark.err"
}

IN=0x00000001 OUT=0x00000002 # epb_flags' direction, as tshark prints it
# cap_written NAME: what the report says was written
cap_written() { sed -n 's/.*: \([0-9]*\) packets\? written.*/\1/p' "$WORK/$1.err"; }

# the node's ports that no rule opens: 8080-8083 (TCP), 9 (UDP, A/V)
cap_basic() { # drops in and out, with NIC, direction and verdict; an allowed connection is not there
	local out n
	cap_start c1 -w - || return 1
	nx $NS_INET "${NT[@]}" tcp $ACC 8080 --bind $B --timeout 0.5 >/dev/null
	nx $NS_INET "${NT[@]}" udp $AV 9 --bind $B --timeout 0.5 >/dev/null
	nx $NS_INET "${NT[@]}" tcp $ACC 443 --bind $B >/dev/null || { echo "443 did not connect"; return 1; }
	nx $NS_NODE "${NT[@]}" udp $INET 9999 --bind $ACC --timeout 0.5 >/dev/null
	sleep 0.3
	cap_stop c1 || return 1
	out=$(cap_fields c1) || { cat "$WORK/c1.tshark.err"; return 1; }
	echo "$out"
	tcpdump -nr "$WORK/c1.pcapng" 2>&1 | head -5
	n=$(tcpdump -nr "$WORK/c1.pcapng" 2>/dev/null | wc -l)
	echo "tcpdump reads $n packets; the report says $(cap_written c1)"
	[ "$n" = "$(cap_written c1)" ] && [ "$n" -ge 3 ] &&
		grep -qx "$EXT|$IN|$B|$ACC|8080||edgefw action=drop reason=no-rule" <<<"$out" &&
		grep -qx "$EXT|$IN|$B|$AV||9|edgefw action=drop reason=no-rule" <<<"$out" &&
		grep -qE "^$EXT\|$OUT\|$ACC\|$INET\|\|9999\|edgefw action=drop reason=[a-z-]+$" <<<"$out" &&
		! grep -q "|443|" <<<"$out"
}

cap_pipe_filters() { # -w - | tcpdump -r -: --port and --proto pick, --count stops it
	local out rc=0
	# shellcheck disable=SC2046 # (agent_env: words without spaces)
	env $(agent_env "") nsenter --net=/run/netns/$NS_NODE "$EDGEFW" capture -w - --port 8081 \
		--proto tcp --count 2 --duration 20 2>"$WORK/c2.err" |
		tcpdump -nr - >"$WORK/c2.txt" 2>/dev/null &
	local pid=$!
	sleep 0.5
	nx $NS_INET "${NT[@]}" udp $AV 8081 --bind $B --timeout 0.3 >/dev/null
	nx $NS_INET "${NT[@]}" tcp $ACC 8082 --bind $B --timeout 0.3 >/dev/null
	nx $NS_INET "${NT[@]}" tcp $ACC 8081 --bind $B --timeout 0.3 >/dev/null
	nx $NS_INET "${NT[@]}" tcp $ACC 8081 --bind $V --timeout 0.3 >/dev/null
	nx $NS_INET "${NT[@]}" tcp $ACC 8081 --bind $V --timeout 0.3 >/dev/null
	wait $pid || rc=$?
	cat "$WORK/c2.txt" "$WORK/c2.err"
	[ $rc -eq 0 ] && [ "$(wc -l <"$WORK/c2.txt")" = 2 ] &&
		[ "$(grep -c "> $ACC.8081: Flags \[S\]" "$WORK/c2.txt")" = 2 ] &&
		grep -q ": 2 packets written to stdout" "$WORK/c2.err"
}

cap_two() { # two captures at once, each with its own filter: --addr, --reason/--iface
	local a b
	cap_start c3 -w - --addr $V/32 || return 1
	cap_start c4 -w - --iface external --reason no-rule --proto udp || return 1
	nx $NS_INET "${NT[@]}" tcp $ACC 8083 --bind $V --timeout 0.3 >/dev/null
	nx $NS_INET "${NT[@]}" udp $AV 9 --bind $B --timeout 0.3 >/dev/null
	sleep 0.3
	cap_stop c3 || return 1
	cap_stop c4 || return 1
	a=$(cap_fields c3) && b=$(cap_fields c4) || return 1
	printf 'c3 (--addr %s):\n%s\nc4 (--reason no-rule --proto udp):\n%s\n' $V "$a" "$b"
	[ -n "$a" ] && [ -n "$b" ] &&
		! grep -v "^$EXT|$IN|$V|$ACC|8083||" <<<"$a" &&
		! grep -v "^$EXT|$IN|$B|$AV||9|edgefw action=drop reason=no-rule$" <<<"$b"
}

cap_new_flows() { # --new-flows: the packet that opened a flow, named after its rule
	local out
	cap_start c5 -w - --new-flows --reason rule --rule $TLS || return 1
	nx $NS_INET "${NT[@]}" tcp $ACC 443 --bind $B >/dev/null || return 1
	nx $NS_INET "${NT[@]}" tcp $ACC 5269 --bind $B >/dev/null || return 1
	nx $NS_INET "${NT[@]}" tcp $ACC 8080 --bind $B --timeout 0.3 >/dev/null
	sleep 0.3
	cap_stop c5 || return 1
	out=$(cap_fields c5) || return 1
	echo "$out"
	[ "$(wc -l <<<"$out")" = 1 ] && grep -qx "$EXT|$IN|$B|$ACC|443||edgefw action=pass reason=rule rule=$TLS" <<<"$out"
}

cap_flood() { # a flood is captured at --max-pps; what was skipped is counted and told
	local sent w sk lost
	cap_start c6 -w - --max-pps 200 --port 9 || return 1
	nx $NS_INET "${NT[@]}" spoof --dst $AV --dport 9 --sources 198.51.100.100-198.51.100.131 \
		--count 250 --pps 4000 >"$WORK/c6.spoof" 2>&1
	sleep 0.3
	cap_stop c6 || return 1
	cat "$WORK/c6.spoof"
	sent=$(sed -n 's/^sent \([0-9]*\) UDP.*/\1/p' "$WORK/c6.spoof")
	w=$(cap_written c6)
	sk=$(sed -n 's/.*; \([0-9]*\) skipped over.*/\1/p' "$WORK/c6.err")
	lost=$(sed -n 's/.*, \([0-9]*\) lost.*/\1/p' "$WORK/c6.err")
	echo "sent $sent; written $w + skipped $sk + lost $lost = $((w + sk + lost)); tcpdump: $(tcpdump -nr "$WORK/c6.pcapng" 2>/dev/null | wc -l)"
	# 2 s of flood at 200/s (100 per CPU, a second's burst each): <= 800
	[ "$w" -le 800 ] && [ "$w" -ge 100 ] && [ "$sk" -gt 0 ] && [ $((w + sk + lost)) -eq "$sent" ] &&
		[ "$(tcpdump -nr "$WORK/c6.pcapng" 2>/dev/null | wc -l)" = "$w" ]
}

# cap_slots: ef_capture's .on and .claimed words (bpftool)
cap_slots() {
	bpftool -j map dump pinned $PINS/ef_capture | "$PY" -c '
import json, sys
e = json.load(sys.stdin)[0]
if "formatted" in e:
    v = e["formatted"]["value"]
    on, claimed = v["on"], v["claimed"]
else:  # raw bytes: two little-endian words first
    b = bytes(int(x, 16) for x in e["value"][:8])
    on, claimed = int.from_bytes(b[:4], "little"), int.from_bytes(b[4:], "little")
print("on=%d claimed=%d" % (on, claimed))'
}

cap_slots_lapse() { # 4 at once; a fifth is refused (1); a kill -9 one lapses and is taken back
	local i out rc=0
	for i in 1 2 3 4; do cap_start s$i -w - --port 9 || return 1; done
	out=$(efw capture -w - --duration 1 2>&1 >/dev/null)
	rc=$?
	echo "a fifth: exit $rc: $out"
	[ $rc = 1 ] || return 1
	kill -KILL "${CAP[s4]}"
	wait "${CAP[s4]}" 2>/dev/null
	echo "after kill -9 of one: $(cap_slots)"
	sleep 4.5
	cap_start s5 -w - --port 9 || return 1
	echo "4.5 s later a new one starts: $(cap_slots)"
	for i in 1 2 3 5; do cap_stop s$i >/dev/null || return 1; done
	out=$(cap_slots)
	echo "all stopped: $out"
	[ "$out" = "on=0 claimed=0" ]
}

cap_reader_gone() { # tcpdump -c 2 closes the pipe: the capture ends, exit 0, its slot free
	local rc=0
	# shellcheck disable=SC2046 # (agent_env: words without spaces)
	env $(agent_env "") nsenter --net=/run/netns/$NS_NODE "$EDGEFW" capture -w - --duration 20 \
		2>"$WORK/c7.err" | tcpdump -nr - -c 2 >"$WORK/c7.txt" 2>/dev/null &
	local pid=$!
	sleep 0.5
	for i in 1 2 3 4; do nx $NS_INET "${NT[@]}" udp $AV 9 --bind $B --timeout 0.2 >/dev/null; done
	sleep 0.5
	nx $NS_INET "${NT[@]}" udp $AV 9 --bind $B --timeout 0.2 >/dev/null
	wait $pid || rc=$?
	cat "$WORK/c7.txt" "$WORK/c7.err"
	echo "slots: $(cap_slots)"
	[ $rc -eq 0 ] && grep -q "went away" "$WORK/c7.err" && [ "$(cap_slots)" = "on=0 claimed=0" ]
}

cap_agent_restart() { # a capture outlives the agent's kill -9 and goes on with the next agent
	cap_start c8 -w - --port 9 || return 1
	nx $NS_INET "${NT[@]}" udp $AV 9 --bind $B --sport 40001 --timeout 0.2 >/dev/null
	kill -KILL "$AGENT"
	wait "$AGENT" 2>/dev/null
	AGENT=
	nx $NS_INET "${NT[@]}" udp $AV 9 --bind $B --sport 40002 --timeout 0.2 >/dev/null
	start_agent "$WORK/F.json" >/dev/null || return 1
	nx $NS_INET "${NT[@]}" udp $AV 9 --bind $B --sport 40003 --timeout 0.2 >/dev/null
	sleep 0.3
	cap_stop c8 || return 1
	tcpdump -nr "$WORK/c8.pcapng" 2>/dev/null
	[ "$(tcpdump -nr "$WORK/c8.pcapng" 2>/dev/null | grep -cE "$B\.4000[123] > $AV\.9: UDP")" = 3 ]
}

cap_errors() { # a rule or NIC the policy does not have (1), no pins (3), a terminal (2)
	local rc
	efw capture -w - --rule no-such-rule >/dev/null 2>"$WORK/ce.err"
	rc=$?
	echo "--rule no-such-rule: exit $rc: $(cat "$WORK/ce.err")"
	[ $rc = 1 ] || return 1
	efw capture -w - --reason no-rule,bogus >/dev/null 2>"$WORK/ce.err"
	rc=$?
	echo "--reason no-rule,bogus: exit $rc: $(cat "$WORK/ce.err")"
	[ $rc = 2 ] || return 1
	EDGEFW_BPFFS_DIR=$WORK/nothing "$EDGEFW" capture -w - >/dev/null 2>"$WORK/ce.err"
	rc=$?
	echo "no pins: exit $rc: $(cat "$WORK/ce.err")"
	[ $rc = 3 ]
}

part_capture() {
	log "== 5. edgefw capture"
	make_policy F "" || die "policy F is invalid"
	start_agent "$WORK/F.json" >/dev/null || die "the agent did not start"
	check "capture: drops in and out with NIC, direction and verdict (tshark, tcpdump); not what passed" cap_basic
	check "capture -w - | tcpdump -r -: --port and --proto pick, --count 2 ends it" cap_pipe_filters
	check "capture: two at once, each gets what its filters pick" cap_two
	check "capture --new-flows --rule: the SYN that opened a flow of that rule, named" cap_new_flows
	check "capture: a flood is bounded by --max-pps; skipped + written = sent" cap_flood
	check "capture: tcpdump -c 2 goes away: exit 0, the slot is free" cap_reader_gone
	check "capture: 4 at once, a fifth refused; one killed with -9 lapses and is taken back" cap_slots_lapse
	check "capture: errors name the rule, the reason, the missing pins" cap_errors
	check "capture: goes on through the agent's kill -9 and the next agent" cap_agent_restart
	check "agent: SIGTERM, exit 0" stop_agent
}

# ==== main =======================================================================

needs_root
needs_built EDGEFW XDP_PASS_OBJ
suite_begin ops 300
mkdir -p "$WORK/state"

log "== edgefw ops: $EDGEFW ($("$EDGEFW" --version))"
write_tool
build_topology
start_services

log "== topology (no edgefw yet)"
check "topology: B -> access TCP 443 and 5269, UDP A/V 3478" \
	eval "nx $NS_INET ${NT[*]} tcp $ACC 443 --bind $B && nx $NS_INET ${NT[*]} tcp $ACC 5269 --bind $B && nx $NS_INET ${NT[*]} udp $AV 3478 --bind $B"
[ $FAIL -eq 0 ] || die "the test topology does not work; not testing edgefw"

case $PARTS in *" explain "*) part_explain ;; esac
case $PARTS in *" events "*) part_events ;; esac
case $PARTS in *" reload "*) part_reload ;; esac
case $PARTS in *" flows "*) part_flows ;; esac
case $PARTS in *" capture "*) part_capture ;; esac

summary
